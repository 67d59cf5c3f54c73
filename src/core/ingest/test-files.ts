/** Helpers for the ingest tests: File-likes from bytes, cut into chosen chunks. */
import { CRITEO_COLUMNS } from '../table';
import type { InputFile } from './types';

export const SAMPLE_LINE =
  '0\t20073966\t22589171\t0\t-1\t-1\t0\t0\t-1\t-1\t1e-05\t0.390793596019\t-1\t5824233\t9312274\t3490278\t29196072\t11409686\t1973606\t25162884\t29196072\t29196072';

export const CRITEO_HEADER = CRITEO_COLUMNS.join('\t');

const encoder = new TextEncoder();
export const bytesOf = (text: string) => encoder.encode(text);

export interface FileOptions {
  /** Offsets at which the stream is cut into chunks; default: one chunk. */
  cuts?: number[];
  /** Give the file a Blob-like `slice` (as browser Files and fs.openAsBlob have). Default true. */
  sliceable?: boolean;
  /** Called when the reader is cancelled. */
  onCancel?: () => void;
}

/** An InputFile over `bytes`, streamed in the chunks given by `cuts`. */
export function fileOf(content: Uint8Array | string, name = 'data.tsv', options: FileOptions = {}): InputFile {
  const bytes = typeof content === 'string' ? bytesOf(content) : content;
  const cuts = [0, ...(options.cuts ?? []).filter((c) => c > 0 && c < bytes.length), bytes.length];
  const file: InputFile = {
    name,
    size: bytes.length,
    stream() {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i + 1 >= cuts.length) controller.close();
          else {
            // A copy, as a real stream hands out fresh buffers.
            controller.enqueue(bytes.slice(cuts[i], cuts[i + 1]));
            i++;
          }
        },
        cancel() {
          options.onCancel?.();
        },
      });
    },
  };
  if (options.sliceable !== false) file.slice = (a, b) => new Blob([bytes as Uint8Array<ArrayBuffer>]).slice(a, b);
  return file;
}

/** The chunks joined into one array. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Cuts every `size` bytes. */
export function every(size: number, length: number): number[] {
  const cuts: number[] = [];
  for (let c = size; c < length; c += size) cuts.push(c);
  return cuts;
}

/**
 * A small deterministic Criteo-schema log: `rows` impressions of a few users
 * and campaigns, some converted, clicks, costs with exponents.
 */
export function criteoText(rows: number, options: { delimiter?: string; newline?: string } = {}): string {
  const d = options.delimiter ?? '\t';
  const nl = options.newline ?? '\n';
  const lines = [CRITEO_COLUMNS.join(d)];
  for (let i = 0; i < rows; i++) {
    const user = 1000 + ((i * 7) % 13);
    const converted = user % 3 === 0 ? 1 : 0;
    const click = i % 4 === 0 ? 1 : 0;
    const values: Record<string, string | number> = {
      timestamp: i * 37,
      uid: user,
      campaign: 500 + (i % 5),
      conversion: converted,
      conversion_timestamp: converted ? 90000 + user : -1,
      conversion_id: converted ? 7000 + (user % 2) * 3 + (i % 2) : -1,
      attribution: converted && click ? 1 : 0,
      click,
      click_pos: converted && click ? i % 3 : -1,
      click_nb: converted && click ? 1 + (i % 3) : -1,
      cost: i % 2 ? `${(i % 9) + 1}e-05` : `0.${(i * 7919) % 100000}`,
      cpo: (i % 11) / 3,
      time_since_last_click: i % 4 === 1 ? i * 11 : -1,
    };
    for (let k = 1; k <= 9; k++) values[`cat${k}`] = 100 * k + ((i * k) % (k + 2));
    lines.push(CRITEO_COLUMNS.map((c) => values[c]).join(d));
  }
  return lines.join(nl) + nl;
}
