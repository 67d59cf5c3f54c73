/** Ingest failures: thrown inside the pipeline, turned into `{ok: false, error}` at the public boundary. */
import type { IngestError, IngestErrorCode } from './types';

export class IngestFailure extends Error {
  readonly error: IngestError;
  constructor(code: IngestErrorCode, message: string) {
    super(message);
    this.error = { code, message };
  }
}

export function failure(code: IngestErrorCode, message: string): never {
  throw new IngestFailure(code, message);
}

/** Any exception, as the one line the user sees. Never a stack trace. */
export function toIngestError(err: unknown): IngestError {
  if (err instanceof IngestFailure) return err.error;
  if (err instanceof RangeError && /alloc|memory|buffer|length/i.test(err.message)) {
    return { code: 'too-large', message: 'The file is too large for the memory this page can use.' };
  }
  const detail = err instanceof Error ? err.message : String(err);
  return { code: 'read-error', message: `The file could not be read: ${oneLine(detail)}` };
}

export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** A short quote of a cell value for messages. */
export function quote(value: string, max = 40): string {
  return `'${oneLine(value, max)}'`;
}

/** "a, b and c" lists of column names, shortened when long. */
export function listNames(names: readonly string[], max = 30): string {
  const shown = names.slice(0, max).map((n) => (n === '' ? '(empty)' : n));
  const more = names.length > max ? `, … (${names.length - max} more)` : '';
  return shown.join(', ') + more;
}
