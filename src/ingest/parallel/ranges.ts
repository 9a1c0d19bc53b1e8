/**
 * Byte ranges of a plain log file, each starting at a line start: a range is cut at the line start
 * at or after its nominal offset, so two neighbours agree on their border without talking. Chunks
 * of a range are cut where reading the whole file in order cuts them (every READ_CHUNK_BYTES from
 * the file's start): splitLines gives the same lines for any chunks, and this keeps even its
 * decoding pieces the same.
 */

import { read, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { READ_CHUNK_BYTES } from '../../limits.js';

const SCAN_BYTES = 64 * 1024;

/** The first line start at or after `pos`: 0, a byte after a newline, or the file's size. */
export function lineStartAt(fd: number, pos: number, size: number): number {
  if (pos <= 0) return 0;
  if (pos >= size) return size;
  const buf = Buffer.allocUnsafe(SCAN_BYTES);
  for (let at = pos - 1; at < size; at += SCAN_BYTES) {
    const n = readSync(fd, buf, 0, Math.min(SCAN_BYTES, size - at), at);
    if (n <= 0) break;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) return at + nl + 1;
  }
  return size;
}

/** Bytes `[start, end)` of the file, read into `into` (large enough) on the thread pool. */
export async function readRange(fd: number, start: number, end: number, into: Buffer): Promise<Buffer> {
  const buf = into.subarray(0, end - start);
  let done = 0;
  while (done < buf.length) {
    const n = await new Promise<number>((resolve, reject) => read(fd, buf, done, buf.length - done, start + done, (err, bytes) => (err ? reject(err) : resolve(bytes))));
    if (n <= 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

/** Lines in `bytes` (a range ending at a line start or at the end of the file), as splitLines numbers them. */
export function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) n++;
  return n;
}

/** `bytes`, which start at file offset `start`, in the chunks reading the file in order would give. */
export async function* alignedChunks(bytes: Buffer, start: number): AsyncGenerator<Buffer> {
  let at = 0;
  while (at < bytes.length) {
    const fileOffset = start + at;
    const next = Math.min(bytes.length, at + (READ_CHUNK_BYTES - (fileOffset % READ_CHUNK_BYTES)));
    yield bytes.subarray(at, next);
    at = next;
  }
}

/** The file from `start` to its end, in the chunks reading it in order would give (resuming in order). */
export async function* chunksFrom(path: string, start: number): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    let at = start;
    for (;;) {
      const want = READ_CHUNK_BYTES - (at % READ_CHUNK_BYTES);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buf, 0, want, at);
      if (bytesRead <= 0) return;
      yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
