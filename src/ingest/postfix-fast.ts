/**
 * A Postfix syslog range read through the WebAssembly line scanner (assembly/postfix-scan.ts):
 * the scanner walks the bytes and claims the lines whose reading it is sure of — Postfix lines
 * that change nothing but a counter (INFO), a queue entry's sender, Message-ID or removal, and,
 * for an export that keeps no deliveries, `status=sent` deliveries. Only the fields of those
 * lines are decoded here; every other line is decoded and read by SyslogLines as before. The
 * result is the same as reading the lines in order with SyslogLines (test/ingest/postfix-fast.test.ts).
 */

import { readFileSync } from 'node:fs';
import { lineOf, type LineStats } from '../io/lines.js';
import { MAX_LINE_BYTES } from '../limits.js';
import type { DeliveryEvent } from '../types.js';
import { SyslogLines } from './maillog.js';
import { omits, type ReadContext } from './reader.js';

/** Record kinds and fields: the constants of assembly/postfix-scan.ts. */
const SLOW = 0, INFO = 1, SENDER = 2, MESSAGE_ID = 3, REMOVED = 4, SENT = 5;
const SAME_SCOPE = 0x100;
const CLAIM_SENT = 1;
const F_KIND = 0, F_LINE = 1, F_START = 2, F_END = 3, F_MONTH = 4, F_DAY = 5, F_HOUR = 6, F_MINUTE = 7, F_SECOND = 8;
const F_HOST = 9, F_HOST_END = 10, F_PROGRAM = 11, F_PROGRAM_END = 12, F_QID = 13, F_QID_END = 14, F_VALUE = 15, F_VALUE_END = 16, F_SKIPPED = 17;

/** Records per scan: enough that a call into WebAssembly is rare, few enough to stay in the cache. */
const RECORDS = 4096;

interface ScanExports {
  memory: WebAssembly.Memory;
  RECORD_FIELDS: WebAssembly.Global;
  reserve(inputBytes: number, records: number): number;
  records(): number;
  scan(start: number, end: number, line: number, flags: number): number;
  scanEnd(): number;
  scanLine(): number;
  countNewlines(start: number, end: number): number;
  skippedLines(): number;
  resetRange(): void;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled scanner (next to this file, built by `npm run build`); compiled once per thread. */
function scanModule(): WebAssembly.Module {
  if (!compiled) {
    const url = new URL('./postfix-scan.wasm', import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(url);
    } catch {
      throw new Error(`the line scanner ${url.pathname} is missing: run 'npm run build'`);
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/**
 * One scanner instance with room for ranges of up to `maxBytes`: an area it copies a range into,
 * and `slots` more that a caller may read ranges into itself (slot), which are scanned in place.
 */
export class LineScanner {
  private readonly exports: ScanExports;
  /** The scanner's input areas and its records, views of its memory (which does not grow after). */
  private readonly input: Buffer;
  private readonly records: Int32Array;
  private readonly fields: number;
  /** Lines of the last read: read by the parser, claimed and recorded, claimed and only counted. */
  readonly counts = { slow: 0, claimed: 0, skipped: 0 };

  constructor(readonly maxBytes: number, readonly slots = 0) {
    this.exports = new WebAssembly.Instance(scanModule(), {}).exports as unknown as ScanExports;
    const base = this.exports.reserve(maxBytes * (1 + slots), RECORDS);
    this.fields = this.exports.RECORD_FIELDS.value as number;
    this.input = Buffer.from(this.exports.memory.buffer, base, maxBytes * (1 + slots));
    this.records = new Int32Array(this.exports.memory.buffer, this.exports.records(), RECORDS * this.fields);
  }

  /** Slot `i` (0 ≤ i < slots): memory to read a range into, scanned there without a copy. */
  slot(i: number): Buffer {
    if (!(i >= 0 && i < this.slots)) throw new RangeError(`no slot ${i} of ${this.slots}`);
    return this.input.subarray((1 + i) * this.maxBytes, (2 + i) * this.maxBytes);
  }

  /** The offset of `bytes` in the input areas when it lies there, else -1. */
  private offsetOf(bytes: Buffer): number {
    const at = bytes.byteOffset - this.input.byteOffset;
    return bytes.buffer === this.input.buffer && at >= 0 && at + bytes.length <= this.input.length ? at : -1;
  }

  /** Lines in `bytes` as splitLines numbers them (a last line without a newline counts). */
  countLines(bytes: Buffer): number {
    if (bytes.length === 0) return 0;
    let at = this.offsetOf(bytes);
    if (at < 0) { bytes.copy(this.input); at = 0; }
    return this.exports.countNewlines(at, at + bytes.length) + (bytes[bytes.length - 1] === 0x0a ? 0 : 1);
  }

  /**
   * The events of the syslog lines in `bytes` (whole lines, LF-separated, the first numbered
   * `first`), read with the clock, queue and counters of `ctx` as SyslogLines would read them.
   * Yields events in line order; with ctx.onDelivered, the events of earlier lines before a line
   * that may hand over a delivery.
   */
  *read(bytes: Buffer, first: number, ctx: ReadContext, lineStats: LineStats): Generator<DeliveryEvent[]> {
    if (bytes.length > this.maxBytes) throw new Error(`a range of ${bytes.length} bytes is larger than the scanner's ${this.maxBytes}`);
    const { input, records, fields } = this;
    const wasm = this.exports;
    let at = this.offsetOf(bytes);
    if (at < 0) { bytes.copy(input); at = 0; }
    const lines = new SyslogLines(ctx);
    const { clock, postfix } = lines;
    const { stats } = ctx;
    const inOrder = ctx.onDelivered !== undefined;
    const flags = omits(ctx, 'none') ? CLAIM_SENT : 0;
    let scope = '';
    let out: DeliveryEvent[] = [];
    wasm.resetRange();
    const counts = this.counts;
    counts.slow = counts.claimed = counts.skipped = 0;
    let pos = at, line = 0;
    const end = at + bytes.length;
    while (pos < end) {
      const n = wasm.scan(pos, end, line, flags);
      pos = wasm.scanEnd();
      line = wasm.scanLine();
      for (let r = 0, o = 0; r < n; r++, o += fields) {
        const kindField = records[o + F_KIND]!;
        const kind = kindField & 0xff;
        if (kind === SLOW) {
          counts.slow++;
          if (inOrder && out.length) { yield out; out = []; }
          const text = lineOf(input.subarray(records[o + F_START]!, records[o + F_END]!), 0x0a, MAX_LINE_BYTES, lineStats);
          if (!lines.read(text, first + records[o + F_LINE]!, out)) {
            // Stopped (an Exim line in a range): the counters as the lines before it left them.
            counts.skipped = records[o + F_SKIPPED]!;
            stats.records += counts.skipped;
            stats.nonEvents += counts.skipped;
            return;
          }
          continue;
        }
        counts.claimed++;
        stats.records++;
        clock.see(records[o + F_MONTH]!, records[o + F_DAY]!, records[o + F_HOUR]!, records[o + F_MINUTE]!, records[o + F_SECOND]!);
        if (kind === INFO) { stats.nonEvents++; continue; }
        if ((kindField & SAME_SCOPE) === 0) {
          scope = postfix.scopeOfNames(input.latin1Slice(records[o + F_HOST]!, records[o + F_HOST_END]!), input.latin1Slice(records[o + F_PROGRAM]!, records[o + F_PROGRAM_END]!));
        }
        const key = scope + input.latin1Slice(records[o + F_QID]!, records[o + F_QID_END]!);
        if (kind === REMOVED) { postfix.queue.remove(key); stats.nonEvents++; continue; }
        const value = input.latin1Slice(records[o + F_VALUE]!, records[o + F_VALUE_END]!);
        if (kind === SENDER) { postfix.queue.upsert(key).sender = value; stats.nonEvents++; }
        else if (kind === MESSAGE_ID) { postfix.queue.upsert(key).messageId = value; stats.nonEvents++; }
        else if (kind === SENT) { postfix.queue.forget(key, value); stats.eventRecords++; stats.events++; }
        else throw new Error(`line scanner: unknown record kind ${kind}`);
      }
      if (out.length) { yield out; out = []; }
    }
    counts.skipped = wasm.skippedLines();
    stats.records += counts.skipped;
    stats.nonEvents += counts.skipped;
    lines.finish();
  }
}

declare module 'node:buffer' {
  interface Buffer {
    /** Bytes [start, end) as Latin-1: what toString('latin1', start, end) calls, without its argument checks. */
    latin1Slice(start: number, end: number): string;
  }
}

declare global {
  /** The part of the WebAssembly JavaScript API used here (the project's libs have no DOM types). */
  namespace WebAssembly {
    class Module { constructor(bytes: Uint8Array) }
    class Instance { constructor(module: Module, imports: object); readonly exports: Record<string, unknown> }
    class Memory { readonly buffer: ArrayBuffer }
    class Global { readonly value: unknown }
  }
}
