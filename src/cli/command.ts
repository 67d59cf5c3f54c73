import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

export interface CliCommand {
  /** One line for the usage text. */
  summary: string;
  /** Returns the exit code. Writes JSON only to stdout. */
  run(args: string[]): Promise<number>;
}

/** A user error: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function log(message: string): void {
  process.stderr.write(message + '\n');
}

/** Throttled progress line on stderr ("\r" when stderr is a terminal). */
export function progressLogger(label: string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 500 && done < total) return;
    last = now;
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '?';
    process.stderr.write(`${label} ${pct}%${process.stderr.isTTY ? '\r' : '\n'}`);
  };
}

export { parseArgs };

/**
 * Wraps a command's run so that a usage mistake (our UsageError, or the
 * one-line TypeError parseArgs throws for unknown or malformed flags) prints
 * one line on stderr and exits 2, while anything else propagates.
 */
export function withUsageErrors(run: (args: string[]) => Promise<number>): (args: string[]) => Promise<number> {
  return async (args) => {
    try {
      return await run(args);
    } catch (err) {
      if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
        log(err.message);
        return 2;
      }
      throw err;
    }
  };
}

/** A small text file a flag names (weights, limits), or null after saying on stderr that `what` cannot be read. */
export async function readTextFile(path: string, what: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    log(`Cannot read the ${what} ${path}.`);
    return null;
  }
}
