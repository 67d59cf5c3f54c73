/**
 * ASCII row formatting straight into bytes. Building rows as template
 * strings made V8 keep millions of rope pieces alive and spend most of the
 * generator's time flattening and collecting them; bytes cost one copy.
 */

const TAB = 9;
const NEWLINE = 10;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** A growable byte buffer with number formatting for the Criteo columns. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  reserve(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  tab(): void {
    this.buf[this.pos++] = TAB;
  }

  newline(): void {
    this.buf[this.pos++] = NEWLINE;
  }

  /** Copies b[from..to); a plain loop, since `set(subarray())` allocates a view per call and rows are short. */
  bytes(b: Uint8Array, from = 0, to = b.length): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) buf[p++] = b[i];
    this.pos = p;
  }

  /** A whole number below 2^53, with a minus sign when negative (the -1 convention). */
  int(value: number): void {
    let v = value;
    if (v < 0) {
      this.buf[this.pos++] = MINUS;
      v = -v;
    }
    if (v === 0) {
      this.buf[this.pos++] = ZERO;
      return;
    }
    let n = 0;
    while (v > 0) {
      const q = Math.floor(v / 10);
      this.digits[n++] = ZERO + (v - q * 10);
      v = q;
    }
    while (n > 0) this.buf[this.pos++] = this.digits[--n];
  }

  /** A non-negative price to 6 decimals, trailing zeros dropped ("0.00001", "0.39", "1"). */
  price(value: number): void {
    const micros = Math.round(value * 1e6);
    const whole = Math.floor(micros / 1e6);
    let frac = micros - whole * 1e6;
    this.int(whole);
    if (frac === 0) return;
    this.buf[this.pos++] = DOT;
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    const start = this.pos;
    for (let i = width - 1; i >= 0; i--) {
      const q = Math.floor(frac / 10);
      this.buf[start + i] = ZERO + (frac - q * 10);
      frac = q;
    }
    this.pos = start + width;
  }
}
