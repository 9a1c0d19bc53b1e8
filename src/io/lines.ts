/**
 * Bytes → lines, in batches. We split large chunks on newline bytes ourselves: `node:readline`
 * costs several times the whole parse and has no line-length cap. A UTF-8 sequence never contains
 * the byte 0x0A, so cutting a chunk at its last newline never splits a character.
 */

import { isAscii } from 'node:buffer';
import { MAX_LINE_BYTES } from '../limits.js';

export interface LineBatch {
  lines: string[];
  /** 1-based number of `lines[0]` in the input. */
  first: number;
}

export interface LineStats {
  /** Lines longer than MAX_LINE_BYTES; each was cut there. */
  overlong: number;
  /** True when the input used bare CR as its line end (old Mac mail). */
  bareCr: boolean;
}

// Buffer#toString('utf8') replaces invalid sequences with U+FFFD like TextDecoder, and is several
// times faster on Node 20 (profiled: TextDecoder.decode was 10 % of a 100 MB run). Logs are mostly
// pure ASCII, where Latin-1 decoding gives the same string at twice the speed (100 MB: 0.76 s →
// 0.35 s); `isAscii` is a SIMD scan.
/** Decoded at most this much at a time (see splitLines). */
const DECODE_PIECE_BYTES = 64 * 1024;

/** Bytes as text: UTF-8 (invalid sequences as U+FFFD), decoded as Latin-1 when pure ASCII. */
export const decode = (b: Buffer): string => (isAscii(b) ? b.toString('latin1') : b.toString('utf8'));

/** Where a part of an input starts (a byte range read by a worker, see ingest/parallel). */
export interface LineStart {
  /** Number of the first line. */
  first: number;
  /** The input's line separator, found by whoever read its start. */
  sep: 0x0a | 0x0d;
}

/**
 * What cutLines finds in the chunks: one line's bytes (a line across chunks joined, or one cut at
 * the cap — counted — whose rest is skipped), or whole lines as they lie in a chunk, the separator
 * after the last one included. The bytes are the chunk's: use them before asking for the next.
 */
export interface CutLines {
  kind: 'line' | 'lines';
  bytes: Buffer;
  /** The input's line separator. */
  sep: 0x0a | 0x0d;
}

/** The line separator of an input whose first chunk this is: LF, or CR for old Mac files (a CR and no LF in it). */
export function separatorOf(first: Buffer): 0x0a | 0x0d {
  return first.includes(0x0a) || !first.includes(0x0d) ? 0x0a : 0x0d;
}

/**
 * The chunks cut into whole lines without copying them, but for a line across chunks. The
 * separator is `sepAtStart`, else found in the first chunk (bare-CR files: a CR and no LF in it).
 */
export async function* cutLines(chunks: AsyncIterable<Buffer>, stats: LineStats, maxLine = MAX_LINE_BYTES, sepAtStart?: 0x0a | 0x0d): AsyncGenerator<CutLines> {
  let sep: 0x0a | 0x0d | undefined = sepAtStart;
  let carry: Buffer | undefined;
  let skipping = false;

  for await (let chunk of chunks) {
    if (chunk.length === 0) continue;
    if (sep === undefined) {
      sep = separatorOf(chunk);
      stats.bareCr = sep === 0x0d;
    }
    let last = chunk.lastIndexOf(sep);
    if (skipping) {
      const first = chunk.indexOf(sep);
      if (first < 0) continue;
      chunk = chunk.subarray(first + 1);
      last -= first + 1;
      skipping = false;
      // The cut line was handed on when the cap was hit; its end is dropped here.
    }
    if (last < 0) {
      const size = (carry?.length ?? 0) + chunk.length;
      if (size > maxLine) {
        const head = carry ? Buffer.concat([carry, chunk]).subarray(0, maxLine) : chunk.subarray(0, maxLine);
        stats.overlong++;
        yield { kind: 'line', bytes: head, sep };
        carry = undefined;
        skipping = true;
      } else {
        carry = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
      }
      continue;
    }
    let from = 0;
    if (carry) {
      // The carried bytes end with the chunk's first line: joined alone, not by copying the chunk.
      const nl = chunk.indexOf(sep);
      yield { kind: 'line', bytes: Buffer.concat([carry, chunk.subarray(0, nl)]), sep };
      from = nl + 1;
      carry = undefined;
    }
    if (from <= last) yield { kind: 'lines', bytes: chunk.subarray(from, last + 1), sep };
    const tail = chunk.subarray(last + 1);
    carry = tail.length ? Buffer.from(tail) : undefined;
  }
  if (carry && carry.length && !skipping && sep !== undefined) yield { kind: 'line', bytes: carry, sep };
}

export async function* splitLines(chunks: AsyncIterable<Buffer>, stats: LineStats, maxLine = MAX_LINE_BYTES, start?: LineStart): AsyncGenerator<LineBatch> {
  let next = start?.first ?? 1;
  for await (const { kind, bytes, sep } of cutLines(chunks, stats, maxLine, start?.sep)) {
    if (kind === 'line') {
      yield { lines: [lineOf(bytes, sep, maxLine, stats)], first: next++ };
      continue;
    }
    // Decoded a piece at a time. A string of a megabyte or more is an external string, freed only by
    // a full collection (twenty of them in waiting were a tenth of the peak memory); one over 128 KiB
    // goes to the large-object space, where allocating took four times the decoding. 64 KiB pieces
    // are ordinary young strings.
    let body: Buffer | undefined = bytes.subarray(0, bytes.length - 1);
    while (body !== undefined) {
      let piece: Buffer = body;
      body = undefined;
      if (piece.length > DECODE_PIECE_BYTES) {
        let at = piece.lastIndexOf(sep, DECODE_PIECE_BYTES);
        if (at < 0) at = piece.indexOf(sep, DECODE_PIECE_BYTES);
        if (at >= 0) {
          body = piece.subarray(at + 1);
          piece = piece.subarray(0, at);
        }
      }
      // A piece over 64 KiB is one line (it was cut at the first separator after 64 KiB): one over
      // the cap is cut in bytes before decoding, as a line cut anywhere else is.
      if (piece.length > maxLine && piece.indexOf(sep) < 0) {
        yield { lines: [lineOf(piece, sep, maxLine, stats)], first: next++ };
        continue;
      }
      const lines = decode(piece).split(sep === 0x0a ? '\n' : '\r');
      for (let i = 0; i < lines.length; i++) lines[i] = finishLine(lines[i]!, sep, maxLine, stats);
      yield { lines, first: next };
      next += lines.length;
    }
  }
}

/**
 * One line from its bytes: without its CR (CRLF files), cut at the line cap in bytes (counted), then
 * decoded. Every line is cut so, wherever the read chunks happen to end (a cut by characters, as
 * before, kept twice the bytes of a line of two-byte characters that sat inside one chunk).
 */
export function lineOf(bytes: Buffer, sep: number, maxLine: number, stats: LineStats): string {
  let end = bytes.length;
  if (sep === 0x0a && end > 0 && bytes[end - 1] === 13) end--;
  if (end > maxLine) {
    end = maxLine;
    stats.overlong++;
  }
  return decode(bytes.subarray(0, end));
}

/**
 * A line of a decoded piece without its CR (CRLF files). Pieces hold lines of at most 64 KiB, under
 * the cap; a smaller cap (tests) cuts here by characters.
 */
function finishLine(line: string, sep: number, maxLine: number, stats: LineStats): string {
  let l = line;
  if (sep === 0x0a && l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
  if (l.length > maxLine) {
    l = l.slice(0, maxLine);
    stats.overlong++;
  }
  return l;
}
