/**
 * Reads a zip's central directory through `slice`, so that the largest table
 * inside can be chosen before any data is decompressed. ZIP64 sizes and
 * offsets are followed (the Criteo table is 2.4 GB plain).
 */
import { failure } from './errors';

/** Blob and File have it; InputFile does not require it. */
export interface SliceableFile {
  size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer>; stream(): ReadableStream<Uint8Array> };
}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const TABLE_NAME = /\.(tsv|csv|txt|tab|gz)$/i;
const JUNK_NAME = /(^|\/)(__MACOSX\/|\._)/;

async function bytesAt(file: SliceableFile, start: number, end: number): Promise<DataView> {
  const buffer = await file.slice(start, end).arrayBuffer();
  return new DataView(buffer);
}

const damaged = (): never => failure('read-error', 'The zip file is damaged or incomplete: its table of contents is missing.');

export async function readZipDirectory(file: SliceableFile): Promise<ZipEntry[]> {
  // The end-of-directory record sits in the last 22 bytes plus up to 64 KB of comment.
  const tailStart = Math.max(0, file.size - (22 + 0xffff));
  const tail = await bytesAt(file, tailStart, file.size);
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) damaged();
  let entries = tail.getUint16(eocd + 10, true);
  let directorySize = tail.getUint32(eocd + 12, true);
  let directoryOffset = tail.getUint32(eocd + 16, true);
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || tail.getUint32(locator, true) !== 0x07064b50) damaged();
    const recordOffset = Number(tail.getBigUint64(locator + 8, true));
    const record = await bytesAt(file, recordOffset, recordOffset + 56);
    if (record.byteLength < 56 || record.getUint32(0, true) !== 0x06064b50) damaged();
    entries = Number(record.getBigUint64(32, true));
    directorySize = Number(record.getBigUint64(40, true));
    directoryOffset = Number(record.getBigUint64(48, true));
  }
  if (directoryOffset + directorySize > file.size) damaged();
  const dir = await bytesAt(file, directoryOffset, directoryOffset + directorySize);
  const decoder = new TextDecoder();
  const result: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < entries; k++) {
    if (p + 46 > dir.byteLength || dir.getUint32(p, true) !== 0x02014b50) damaged();
    const flags = dir.getUint16(p + 8, true);
    const method = dir.getUint16(p + 10, true);
    let compressedSize = dir.getUint32(p + 20, true);
    let size = dir.getUint32(p + 24, true);
    const nameLength = dir.getUint16(p + 28, true);
    const extraLength = dir.getUint16(p + 30, true);
    const commentLength = dir.getUint16(p + 32, true);
    let localHeaderOffset = dir.getUint32(p + 42, true);
    const name = decoder.decode(new Uint8Array(dir.buffer, dir.byteOffset + p + 46, nameLength));
    // ZIP64 extra field: the 64-bit values present, in this order, for the 32-bit fields set to 0xffffffff.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = dir.getUint16(e, true);
      const length = dir.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = Number(dir.getBigUint64(q, true));
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(dir.getBigUint64(q, true));
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(dir.getBigUint64(q, true));
      }
      e += 4 + length;
    }
    result.push({ name, method, flags, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLength;
  }
  return result;
}

/** The largest .tsv/.csv/.txt/.gz entry, or a zip-no-table failure that says what the zip holds. */
export function tableEntry(entries: ZipEntry[]): ZipEntry {
  const files = entries.filter((e) => !e.name.endsWith('/') && !JUNK_NAME.test(e.name));
  const tables = files.filter((e) => TABLE_NAME.test(e.name));
  if (tables.length === 0) {
    if (files.some((e) => e.name === 'xl/workbook.xml')) {
      failure('zip-no-table', 'This is an Excel workbook, not a table: save it as CSV first.');
    }
    const found = files.length ? ` (it holds ${files.slice(0, 5).map((e) => e.name).join(', ')}${files.length > 5 ? ', …' : ''})` : ' (it is empty)';
    failure('zip-no-table', `The zip holds no .tsv, .csv, .txt or .gz table${found}.`);
  }
  const entry = tables.reduce((a, b) => (b.size > a.size ? b : a));
  if (entry.flags & 1) failure('read-error', `${entry.name} is password-protected inside the zip; unzip it first.`);
  if (entry.method !== 0 && entry.method !== 8) {
    failure('read-error', `${entry.name} uses a zip compression method (${entry.method}) this app cannot read; re-zip it with standard deflate.`);
  }
  return entry;
}
