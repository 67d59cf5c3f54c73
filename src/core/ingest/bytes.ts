/**
 * Byte-level helpers of the fast path: numbers parsed straight from UTF-8
 * bytes (no string per field) and a line splitter that survives chunks cut
 * anywhere, CRLF line ends and a UTF-8 BOM.
 */
import { failure } from './errors';

/** Exact powers of ten: a mantissa below 2^53 scaled by these rounds correctly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Set by `scanNumber`: the value it read, NaN when none. */
export let scannedValue = NaN;

/**
 * Reads a decimal number (optional sign, digits, fraction, exponent, one pair
 * of surrounding double quotes) starting at `pos`. Returns the position of the
 * first byte after it; the value is left in `scannedValue` (NaN if no digits).
 * The caller checks that the returned position is a delimiter or the line end.
 */
export function scanNumber(buf: Uint8Array, pos: number, end: number): number {
  let p = pos;
  let c = p < end ? buf[p] : 0;
  const quoted = c === 34;
  if (quoted) c = ++p < end ? buf[p] : 0;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = ++p < end ? buf[p] : 0;
  }
  let mantissa = 0;
  let digits = 0;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    c = ++p < end ? buf[p] : 0;
  }
  let scale = 0;
  if (c === 46) {
    c = ++p < end ? buf[p] : 0;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      scale--;
      c = ++p < end ? buf[p] : 0;
    }
  }
  if (digits === 0) {
    scannedValue = NaN;
    return p;
  }
  if (c === 101 || c === 69) {
    c = ++p < end ? buf[p] : 0;
    let expNegative = false;
    if (c === 45 || c === 43) {
      expNegative = c === 45;
      c = ++p < end ? buf[p] : 0;
    }
    let exp = 0;
    let expDigits = 0;
    while (c >= 48 && c <= 57) {
      exp = exp * 10 + (c - 48);
      expDigits++;
      c = ++p < end ? buf[p] : 0;
    }
    if (expDigits === 0) {
      scannedValue = NaN;
      return p;
    }
    scale += expNegative ? -exp : exp;
  }
  if (quoted) {
    if (c !== 34) {
      scannedValue = NaN;
      return p;
    }
    p++;
  }
  let value: number;
  if (scale === 0) value = mantissa;
  else if (scale < 0) value = scale >= -22 ? mantissa / POW10[-scale] : mantissa / Math.pow(10, -scale);
  else value = scale <= 22 ? mantissa * POW10[scale] : mantissa * Math.pow(10, scale);
  scannedValue = negative ? -value : value;
  return p;
}

/** Lines longer than this are refused rather than buffered without end. */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * Receives one line as buf[start..end), without its line break. buf[end] is
 * always readable and is a CR or LF, so a number scan may run to a non-digit
 * without checking `end` at every byte.
 */
export type LineHandler = (buf: Uint8Array, start: number, end: number, line: number) => void;

/**
 * Cuts a byte stream into lines. Lines are handed over as ranges of the
 * incoming chunk (no copy) except the one line that straddles two chunks,
 * which is assembled in a small carry buffer. The trailing CR of a CRLF and a
 * leading BOM are dropped. Line numbers are 1-based and count every line.
 */
export class LineSplitter {
  private carry = new Uint8Array(4096);
  private carryLength = 0;
  /** Lines emitted so far (blank lines included). */
  lineCount = 0;

  constructor(
    private readonly onLine: LineHandler,
    private readonly maxLineBytes = MAX_LINE_BYTES,
    firstLineNumber = 1,
  ) {
    this.lineCount = firstLineNumber - 1;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    const length = chunk.length;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.append(chunk, 0, length);
        return;
      }
      this.append(chunk, 0, nl);
      this.carry[this.carryLength] = 10;
      this.emit(this.carry, 0, this.carryLength);
      this.carryLength = 0;
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      this.emit(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < length) this.append(chunk, pos, length);
  }

  /** Emits the last line when the file does not end with a newline. */
  end(): void {
    if (this.carryLength > 0) {
      this.carry[this.carryLength] = 10;
      this.emit(this.carry, 0, this.carryLength);
      this.carryLength = 0;
    }
  }

  private emit(buf: Uint8Array, start: number, end: number): void {
    const line = ++this.lineCount;
    if (end - start > this.maxLineBytes) tooLong(line, this.maxLineBytes);
    if (end > start && buf[end - 1] === 13) end--;
    if (line === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    this.onLine(buf, start, end, line);
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.carryLength + (end - start);
    if (needed > this.maxLineBytes + 1) tooLong(this.lineCount + 1, this.maxLineBytes);
    // One spare byte for the line-break sentinel.
    if (needed + 1 > this.carry.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed + 1, this.carry.length * 2), this.maxLineBytes + 3));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(start, end), this.carryLength);
    this.carryLength = needed;
  }
}

function tooLong(line: number, max: number): never {
  failure(
    'line-too-long',
    `Line ${line} is longer than ${Math.round(max / 1024)} KB without a line break: this is not a table with one row a line.`,
  );
}
