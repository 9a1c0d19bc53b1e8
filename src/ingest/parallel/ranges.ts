/**
 * Byte ranges of a plain log file, each starting at a line start: a range is cut at the line start
 * at or after its nominal offset, so two neighbours agree on their border without talking.
 */

import { read, readSync } from 'node:fs';
import { promisify } from 'node:util';

const readAsync = promisify(read);

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
    const { bytesRead: n } = await readAsync(fd, buf, done, buf.length - done, start + done);
    if (n <= 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}
