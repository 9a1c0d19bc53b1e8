/**
 * Syslog bytes read through the WebAssembly line scanner (assembly/postfix-scan.ts) — a byte range
 * on a worker thread (LineScanner.read) or a file's chunks in order (readSyslogChunks):
 * the scanner walks the bytes and claims the lines whose reading it is sure of — Postfix lines
 * that change nothing but a counter (INFO), a queue entry's sender, Message-ID or removal, and
 * `status=sent` deliveries (for an export that keeps none; for analyze, handed over here when the
 * reply is plain) — and of a message whose lines all come so, within a few lines, it records only
 * the removal and the deliveries analyze takes (WHOLE). Only the fields of those
 * lines are decoded here; every other line is decoded and read by SyslogLines as before. The
 * result is the same as reading the lines in order with SyslogLines (test/ingest/postfix-fast.test.ts).
 */

import { cutLines, lineOf, type LineStats } from '../io/lines.js';
import { MAX_LINE_BYTES, READ_CHUNK_BYTES } from '../limits.js';
import type { DeliveryEvent, HostRef } from '../types.js';
import { handOverNormalised, normaliseHostRef } from './event.js';
import { parseRelay } from './postfix.js';
import { SyslogLines } from './syslog-lines.js';
import { omits, type NumberedRun, type ReadContext } from './reader.js';
import { LOGGED_FALLBACK, LOGGED_UNKNOWN, newEngine } from '../wasm.js';
import { Prescanner, type Prescanned } from './prescan.js';

/** Record kinds and fields: the constants of assembly/postfix-scan.ts. */
const SLOW = 0, INFO = 1, SENDER = 2, MESSAGE_ID = 3, REMOVED = 4, SENT = 5;
const SAME_SCOPE = 0x100, NOT_ASCII = 0x200, WHOLE = 0x400;
const CLAIM_SENT = 1, ELIDE = 2, CLAIM_DELIVERED = 4, RELAY_IDS = 8, RESOLVE = 16, KEYS = 32;
const F_KIND = 0, F_LINE = 1, F_START = 2, F_END = 3, F_MONTH = 4, F_DAY = 5, F_HOUR = 6, F_MINUTE = 7, F_SECOND = 8;
const F_HOST = 9, F_HOST_END = 10, F_PROGRAM = 11, F_PROGRAM_END = 12, F_QID = 13, F_QID_END = 14, F_VALUE = 15, F_VALUE_END = 16, F_SKIPPED = 17, F_SKIPPED_SENT = 18, F_RELAY = 19, F_RELAY_END = 20;
const F_RELAY_ID = 21, F_RECIPIENT = 22, F_DOMAIN = 23, F_QID_TAIL = F_RECIPIENT;

/** Events handed on at once, at most (see ScanSession.body). */
const MAX_BATCH_EVENTS = 512;

/** Records per scan: enough that a call into WebAssembly is rare, few enough to stay in the cache. */
const RECORDS = 4096;

/**
 * Room the queue must have for a scan to leave whole messages out (ELIDE): a scan's records open at
 * most one entry each, the message left out one more, and a message may span two scans — so no
 * entry can have been evicted that reading every line would have evicted.
 */
const ELIDE_ROOM = 2 * RECORDS + 1;

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
  skippedSentLines(): number;
  resetRange(): void;
  resolveSent(n: number): void;
}

/** One scan call of a prescan: its records (`n` of them), and where the next call goes on. */
export interface PrescanCall {
  n: number;
  end: number;
  line: number;
  records: Int32Array;
}

/** A body of whole lines scanned on another thread (see prescan.ts): its calls in order and the lines only counted. */
export interface Prescan {
  calls: PrescanCall[];
  skipped: number;
  skippedSent: number;
}

/**
 * A scanner with room for ranges of up to `maxBytes`: an area it copies a range into, and `slots`
 * more that a caller may read ranges into itself (slot), which are scanned in place. It runs in
 * `instance` (one of its own unless given: a correlator's, see ReadOptions.deliveryLedger).
 */
export class LineScanner {
  private readonly exports: ScanExports;
  /**
   * The scanner's input areas and its records, views of its memory. The memory grows where the
   * instance's ledger numbers recipients (a correlator's), which detaches them: see views().
   */
  private current: { input: Buffer; records: Int32Array };
  private readonly base: number;
  private readonly fields: number;
  /** Lines of the last read: read by the parser, claimed and recorded, claimed and only counted. */
  readonly counts = { slow: 0, claimed: 0, skipped: 0 };

  constructor(readonly maxBytes: number, readonly slots = 0, readonly instance: WebAssembly.Instance = newEngine()) {
    this.exports = instance.exports as unknown as ScanExports;
    this.base = this.exports.reserve(maxBytes * (1 + slots), RECORDS);
    this.fields = this.exports.RECORD_FIELDS.value as number;
    this.current = this.newViews();
  }

  /**
   * The input areas and the records, as views of the memory as it is now: made again after it grew
   * (a detached view has length 0). Taken again after anything that may number a recipient.
   */
  views(): { input: Buffer; records: Int32Array } {
    if (this.current.records.length === 0) this.current = this.newViews();
    return this.current;
  }

  private newViews(): { input: Buffer; records: Int32Array } {
    const buffer = this.exports.memory.buffer;
    return { input: Buffer.from(buffer, this.base, this.maxBytes * (1 + this.slots)), records: new Int32Array(buffer, this.exports.records(), RECORDS * this.fields) };
  }

  /**
   * Slot `i` (0 ≤ i < slots): memory to read a range into, scanned there without a copy. For a
   * scanner in an instance of its own, whose memory never grows.
   */
  slot(i: number): Buffer {
    if (!(i >= 0 && i < this.slots)) throw new RangeError(`no slot ${i} of ${this.slots}`);
    return this.views().input.subarray((1 + i) * this.maxBytes, (2 + i) * this.maxBytes);
  }

  /** The offset of `bytes` in the input areas when it lies there, else -1. */
  offsetOf(bytes: Buffer): number {
    const { input } = this.views();
    const at = bytes.byteOffset - input.byteOffset;
    return bytes.buffer === input.buffer && at >= 0 && at + bytes.length <= input.length ? at : -1;
  }

  /** What a ScanSession works with (views() again after the memory may have grown). */
  parts(): { input: Buffer; records: Int32Array; fields: number; counts: LineScanner['counts']; wasm: ScanExports } {
    return { ...this.views(), fields: this.fields, counts: this.counts, wasm: this.exports };
  }

  /** Lines in `bytes` as splitLines numbers them (a last line without a newline counts). */
  countLines(bytes: Buffer): number {
    if (bytes.length === 0) return 0;
    let at = this.offsetOf(bytes);
    if (at < 0) { bytes.copy(this.views().input); at = 0; }
    return this.exports.countNewlines(at, at + bytes.length) + (bytes[bytes.length - 1] === 0x0a ? 0 : 1);
  }

  /**
   * The scan calls ScanSession.body makes for `bytes` (whole lines, at most maxBytes), made here
   * with `flags` on a scanner of its own (a prescan worker's; no ledger lookups, RESOLVE is left
   * to the reading thread's instance): the same records, relay numbers of this instance's.
   */
  prescan(bytes: Uint8Array, flags: number): Prescan {
    if (bytes.length > this.maxBytes) throw new Error(`${bytes.length} bytes are more than the scanner's ${this.maxBytes}`);
    this.views().input.set(bytes);
    const wasm = this.exports;
    wasm.resetRange();
    const calls: PrescanCall[] = [];
    let pos = 0, line = 0;
    while (pos < bytes.length) {
      const n = wasm.scan(pos, bytes.length, line, flags);
      pos = wasm.scanEnd();
      line = wasm.scanLine();
      // Views taken again: the first keys read (KEYS) make the instance's key buffer, which may grow the memory.
      calls.push({ n, end: pos, line, records: this.views().records.slice(0, n * this.fields) });
    }
    return { calls, skipped: wasm.skippedLines(), skippedSent: wasm.skippedSentLines() };
  }

  /**
   * The events of the syslog lines in `bytes` (whole lines, LF-separated, the first numbered
   * `first`), read with the clock, queue and counters of `ctx` as SyslogLines would read them
   * (a byte range read apart, see ingest/parallel).
   */
  *read(bytes: Buffer, first: number, ctx: ReadContext, lineStats: LineStats): Generator<DeliveryEvent[]> {
    const session = new ScanSession(this, ctx, lineStats);
    yield* session.body(bytes, first);
    if (session.stopped) return;
    const out = session.finish();
    if (out.length) yield out;
  }
}

/**
 * Line [start, end) of `input` as splitLines gives it (lineOf): an ASCII line without a CR at its end
 * and under the cap is decoded straight from the scanner's memory, without a Buffer for it.
 */
function lineText(input: Buffer, start: number, end: number, ascii: boolean, lineStats: LineStats): string {
  if (!ascii || end - start > MAX_LINE_BYTES || (end > start && input[end - 1] === 13)) return lineOf(input.subarray(start, end), 0x0a, MAX_LINE_BYTES, lineStats);
  return input.latin1Slice(start, end);
}

/**
 * The reading of one input through a scanner: the lines it claims are applied here, the others
 * read by SyslogLines, whose state (clock, queue, counters) the input keeps across every body of
 * whole lines handed in. Events collect in `out`; the caller yields them.
 */
export class ScanSession {
  readonly lines: SyslogLines;
  out: DeliveryEvent[] = [];
  /** Set when SyslogLines stopped (an Exim line in a range read apart): nothing more is read. */
  stopped = false;
  private scope = '';
  private readonly inOrder: boolean;
  /** Where the events collected go in order instead of being yielded (ReadOptions.onEvents, with onDelivered). */
  private readonly onEvents: ((events: DeliveryEvent[]) => void) | undefined;
  private readonly flags: number;
  /** Answering hosts by the scanner's relay number; null: not remote (see answeredBy). */
  private relayRefs: (HostRef | null | undefined)[] = [];
  /** The same, of this scanner's numbers and of a prescan worker's (see body). */
  private readonly ownRelayRefs: (HostRef | null | undefined)[] = this.relayRefs;
  private readonly prescanRelayRefs: (HostRef | null | undefined)[] = [];
  /**
   * Deliveries found in the ledger when scanned, not handed over yet: at most one a record of a
   * scan, handed over (handNumbered) before anything else is, so the order is that of the lines.
   */
  private readonly run: NumberedRun = {
    times: new Float64Array(RECORDS), recipients: new Int32Array(RECORDS), domains: new Int32Array(RECORDS),
    // A column of its full size, like the others (emptied by length = 0 after each run, it was grown again push by push).
    hosts: new Array<HostRef>(RECORDS).fill({}), length: 0,
  };

  constructor(private readonly scanner: LineScanner, private readonly ctx: ReadContext, private readonly lineStats: LineStats) {
    this.lines = new SyslogLines(ctx);
    this.inOrder = ctx.onDelivered !== undefined;
    this.onEvents = this.inOrder ? ctx.onEvents : undefined;
    // The ledger's lookup where the scanner runs in the ledger's instance (of the keys read in the
    // same scan, or by a prescan worker: its flags keep KEYS).
    const resolve = ctx.deliveryLedger?.instance === scanner.instance ? RESOLVE | KEYS : 0;
    this.flags = omits(ctx, 'none') ? CLAIM_SENT : ctx.onDelivered ? CLAIM_DELIVERED | RELAY_IDS | resolve : 0;
    const counts = scanner.counts;
    counts.slow = counts.claimed = counts.skipped = 0;
  }

  /**
   * A line decoded by the caller (one that crossed a chunk's end, or was cut), read by SyslogLines.
   * With ctx.onDelivered the events of earlier lines are yielded first (they come before any
   * delivery this line hands over).
   */
  *line(text: string, lineNo: number): Generator<DeliveryEvent[]> {
    if (this.inOrder) { const batch = this.handOver(); if (batch) yield batch; }
    this.scanner.counts.slow++;
    if (!this.lines.read(text, lineNo, this.out)) this.stopped = true;
  }

  /**
   * The whole lines in `bytes` (LF-separated, the first numbered `first`; at most the scanner's
   * size), scanned in place when they lie in its memory. Returns the number of lines.
   */
  *body(bytes: Buffer, first: number, prescanned?: Prescan): Generator<DeliveryEvent[], number> {
    const scanner = this.scanner;
    if (bytes.length > scanner.maxBytes) throw new Error(`${bytes.length} bytes are more than the scanner's ${scanner.maxBytes}`);
    const { fields, counts, wasm } = scanner.parts();
    // Views of the scanner's memory, taken again wherever a recipient may have been numbered since
    // (a delivery handed over, the consumer of a batch of events): the memory may have grown.
    let { input, records } = scanner.views();
    const { lines, lineStats, flags, inOrder } = this;
    const { clock, postfix } = lines;
    const { stats, deliveryLedger } = this.ctx;
    const claimDelivered = (flags & CLAIM_DELIVERED) !== 0, resolved = (flags & RESOLVE) !== 0;
    // What a delivery the scanner did not look up is: bytes for a ledger on another thread, else a string.
    const notLookedUp = deliveryLedger && !deliveryLedger.instance ? LOGGED_UNKNOWN : LOGGED_FALLBACK;
    let at = scanner.offsetOf(bytes);
    if (at < 0) { bytes.copy(input); at = 0; }
    // What the scanner knew of the lines before (the month, the host) was of other bytes.
    wasm.resetRange();
    // A prescan left whole messages out in every call: usable when the queue has room for that at
    // each (every record opens at most one entry), and when the bytes lie where it read them.
    const pre = prescanned && at === 0 && postfix.queue.hasRoom(ELIDE_ROOM * prescanned.calls.length) ? prescanned : undefined;
    this.relayRefs = pre ? this.prescanRelayRefs : this.ownRelayRefs;
    let pos = at, line = 0, call = 0;
    const end = at + bytes.length;
    while (pos < end) {
      let n: number;
      if (pre) {
        const c = pre.calls[call++]!;
        if (c.records.length !== c.n * fields) throw new Error(`line scan worker: ${c.records.length} record fields for ${c.n} records`);
        ({ input, records } = scanner.views());
        records.set(c.records);
        if (resolved) wasm.resolveSent(c.n);
        n = c.n;
        pos = c.end;
        line = c.line;
      } else {
        n = wasm.scan(pos, end, line, postfix.queue.hasRoom(ELIDE_ROOM) ? flags | ELIDE : flags);
        pos = wasm.scanEnd();
        line = wasm.scanLine();
      }
      for (let r = 0, o = 0; r < n; r++, o += fields) {
        if (records.length === 0) ({ input, records } = scanner.views());
        const kindField = records[o + F_KIND]!;
        const kind = kindField & 0xff;
        if (kind === SLOW) {
          counts.slow++;
          if (inOrder && this.out.length) { const batch = this.handOver(); if (batch) yield batch; ({ input, records } = scanner.views()); }
          const text = lineText(input, records[o + F_START]!, records[o + F_END]!, (kindField & NOT_ASCII) === 0, lineStats);
          const skipped = records[o + F_SKIPPED]!, skippedSent = records[o + F_SKIPPED_SENT]!;
          if (!lines.read(text, first + records[o + F_LINE]!, this.out)) {
            // Stopped (an Exim line in a range): the counters as the lines before it left them.
            this.countSkipped(skipped, skippedSent);
            this.stopped = true;
            return line;
          }
          // Batches as large as splitLines' (a 64 KiB piece's lines): a consumer renders a batch as one text.
          if (this.out.length >= MAX_BATCH_EVENTS) { const batch = this.handOver(); if (batch) yield batch; }
          continue;
        }
        counts.claimed++;
        stats.records++;
        clock.see(records[o + F_MONTH]!, records[o + F_DAY]!, records[o + F_HOUR]!, records[o + F_MINUTE]!, records[o + F_SECOND]!);
        if (kind === INFO) { stats.nonEvents++; continue; }
        if ((kindField & SAME_SCOPE) === 0) {
          this.scope = postfix.scopeOfNames(input.latin1Slice(records[o + F_HOST]!, records[o + F_HOST_END]!), input.latin1Slice(records[o + F_PROGRAM]!, records[o + F_PROGRAM_END]!));
        }
        if (kind === REMOVED && kindField & WHOLE && !postfix.queue.mayHold(records[o + F_QID_TAIL]!)) { stats.nonEvents++; continue; }
        // A delivery of a whole message changes nothing in the queue.
        const key = kind === SENT && kindField & WHOLE ? '' : this.scope + input.latin1Slice(records[o + F_QID]!, records[o + F_QID_END]!);
        if (kind === REMOVED) {
          if (kindField & WHOLE) postfix.queue.removeWhole(key);
          else postfix.queue.remove(key);
          stats.nonEvents++;
          continue;
        }
        const valueStart = records[o + F_VALUE]!, valueEnd = records[o + F_VALUE_END]!;
        if (kind === SENT) {
          // The recipient as a string only where something keeps it: a whole message's delivery handed over as bytes needs none.
          if (key) postfix.queue.forget(key, input.latin1Slice(valueStart, valueEnd));
          stats.eventRecords++;
          stats.events++;
          if (claimDelivered) {
            const time = clock.toUtc(records[o + F_MONTH]!, records[o + F_DAY]!, records[o + F_HOUR]!, records[o + F_MINUTE]!, records[o + F_SECOND]!, 0);
            const answeredBy = this.answeredBy(input, records, o);
            // Looked up when scanned; a recipient new then may have been numbered since (by a line before), which `logged` finds.
            const found = resolved ? records[o + F_RECIPIENT]! : notLookedUp;
            // The events of the lines before go first.
            if (this.out.length) { const batch = this.handOver(); if (batch) yield batch; ({ input, records } = scanner.views()); }
            if (found >= 0) {
              const { run } = this, i = run.length++;
              run.times[i] = time;
              run.recipients[i] = found;
              run.domains[i] = records[o + F_DOMAIN]!;
              run.hosts[i] = answeredBy;
              continue;
            }
            // The deliveries found before go first (handing them over may number a domain, and grow the memory).
            this.handNumbered();
            ({ input, records } = scanner.views());
            if (found === LOGGED_UNKNOWN ? !deliveryLedger!.logged(time, input, valueStart, valueEnd - valueStart, answeredBy) : found === LOGGED_FALLBACK) {
              handOverNormalised(this.ctx.onDelivered!, time, input.latin1Slice(valueStart, valueEnd), answeredBy, undefined);
            }
          }
          continue;
        }
        const value = input.latin1Slice(valueStart, valueEnd);
        if (kind === SENDER) { postfix.queue.upsert(key).sender = value; stats.nonEvents++; }
        else if (kind === MESSAGE_ID) { postfix.queue.upsert(key).messageId = value; stats.nonEvents++; }
        else throw new Error(`line scanner: unknown record kind ${kind}`);
      }
      // Every scan's deliveries handed over before the next scan's are found (the run holds one scan's).
      { const batch = this.handOver(); if (batch) yield batch; }
    }
    if (pre) this.countSkipped(pre.skipped, pre.skippedSent);
    else this.countSkipped(wasm.skippedLines(), wasm.skippedSentLines());
    return line;
  }

  /** The flags a prescan of this session's bodies scans with (see prescan.ts): whole messages left out, no ledger lookups. */
  get prescanFlags(): number {
    return (this.flags & ~RESOLVE) | ELIDE;
  }

  /**
   * The events collected, handed to onEvents or returned for the caller to yield, after the
   * deliveries found when scanned are handed over: those come from lines before the events not
   * yielded yet (every event is yielded here or by the caller once the run is empty). A plain
   * function, not a generator delegated to: it runs before most deliveries and SLOW lines.
   */
  private handOver(): DeliveryEvent[] | undefined {
    this.handNumbered();
    if (this.out.length === 0) return undefined;
    const out = this.out;
    this.out = [];
    if (!this.onEvents) return out;
    this.onEvents(out);
    return undefined;
  }

  /** The deliveries found when scanned, handed over (before the events or deliveries of the lines after them). */
  private handNumbered(): void {
    const run = this.run;
    if (run.length === 0) return;
    this.ctx.deliveryLedger!.numbered(run);
    run.length = 0;
  }

  /**
   * Who answered a SENT record's delivery (CLAIM_DELIVERED: its reply names no host), normalised
   * as handOverDelivery would: the relay when remote (kept per relay number), else the logging host.
   */
  private answeredBy(input: Buffer, records: Int32Array, o: number): HostRef {
    const id = records[o + F_RELAY_ID]!;
    let ref = id >= 0 ? this.relayRefs[id] : undefined;
    if (ref === undefined) {
      const r = parseRelay(input.latin1Slice(records[o + F_RELAY]!, records[o + F_RELAY_END]!));
      ref = r.remote ? normaliseHostRef({ host: r.host, ip: r.ip }) : null;
      if (id >= 0) this.relayRefs[id] = ref;
    }
    return ref ?? normaliseHostRef({ host: input.latin1Slice(records[o + F_HOST]!, records[o + F_HOST_END]!) });
  }

  /** Lines the scanner only counted: INFO and a whole message's lines but its removal (nonEvents), and its `status=sent` lines (events). */
  private countSkipped(nonEvents: number, sent: number): void {
    const { stats } = this.ctx;
    this.scanner.counts.skipped += nonEvents + sent;
    stats.records += nonEvents + sent;
    stats.nonEvents += nonEvents;
    stats.eventRecords += sent;
    stats.events += sent;
  }

  /** After the input's last line: the state SyslogLines leaves (see its finish); the events not yet yielded. */
  finish(): DeliveryEvent[] {
    this.lines.finish();
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** Bytes the scanner of one input's chunks holds: a chunk as files are read (larger ones are scanned a part at a time). */
const CHUNK_SCAN_BYTES = READ_CHUNK_BYTES;

/** Bytes of a log read in order before its bodies are scanned on a worker (ReadOptions.prescanAfterBytes): a small log is read before a thread would start. */
const PRESCAN_AFTER_BYTES = 16 * READ_CHUNK_BYTES;
/** Bodies sent to the prescan worker and not read yet, at most, after each chunk. */
const PRESCAN_AHEAD = 2;

/**
 * A syslog input read in order from its chunks through a scanner (each input its own: its state
 * lives between chunks). The lines are cut as splitLines cuts them — a line across chunks joined,
 * one over MAX_LINE_BYTES cut there and counted, CRs before the LF dropped — and read as
 * syslogReader.read reads them. Lines end in LF (the caller reads bare-CR input by lines).
 */
export async function* readSyslogChunks(chunks: AsyncIterable<Buffer>, ctx: ReadContext, lineStats: LineStats): AsyncGenerator<DeliveryEvent[]> {
  // In the correlator's instance where it takes deliveries (its ledger then looks recipients up as they are scanned).
  const session = new ScanSession(new LineScanner(CHUNK_SCAN_BYTES, 0, ctx.deliveryLedger?.instance), ctx, lineStats);
  // analyze reading in order: past the first bytes, each body is scanned ahead on a worker (prescan.ts).
  const prescanFrom = ctx.onDelivered && ctx.deliveryLedger?.instance ? ctx.prescanAfterBytes ?? PRESCAN_AFTER_BYTES : Infinity;
  let prescanner: Prescanner | undefined;
  let seen = 0;
  /**
   * Pieces cut and not read yet, in order: a line decoded, a body of whole lines (read at the end of
   * its chunk's turn: the chunk is overwritten two chunks on), or a body sent to the worker (read
   * from the copy it hands back, so that the worker may be two bodies ahead).
   */
  const pending: ({ text: string } | { body: Buffer } | { prescan: Promise<Prescanned> })[] = [];
  let next = 1;
  /** Reads the pending pieces but the last `keep` bodies sent to the worker (which it may be scanning). */
  async function* readPending(keep: number): AsyncGenerator<DeliveryEvent[]> {
    while (pending.length) {
      const p = pending[0]!;
      if ('prescan' in p) {
        let inFlight = 0;
        for (const q of pending) if ('prescan' in q) inFlight++;
        if (inFlight <= keep) return;
      }
      pending.shift();
      if ('text' in p) yield* session.line(p.text, next++);
      else if ('body' in p) next += yield* session.body(p.body, next);
      else {
        const { scan, bytes } = await p.prescan;
        next += yield* session.body(bytes, next, scan);
        prescanner!.release(bytes);
      }
    }
  }
  try {
    for await (const cut of cutLines(chunks, lineStats, MAX_LINE_BYTES, 0x0a)) {
      if (cut.kind === 'line') {
        pending.push({ text: lineOf(cut.bytes, 0x0a, MAX_LINE_BYTES, lineStats) });
      } else {
        // Whole lines, their last newline included, a scanner's worth at a time.
        let body = cut.bytes;
        while (body.length > 0) {
          let end = body.length;
          if (end > CHUNK_SCAN_BYTES) {
            end = body.lastIndexOf(0x0a, CHUNK_SCAN_BYTES - 1) + 1;
            if (end === 0) {
              // One line longer than the scanner holds (and than MAX_LINE_BYTES): cut and counted by lineOf.
              const nl = body.indexOf(0x0a);
              pending.push({ text: lineOf(body.subarray(0, nl), 0x0a, MAX_LINE_BYTES, lineStats) });
              body = body.subarray(nl + 1);
              continue;
            }
          }
          const piece = body.subarray(0, end);
          seen += piece.length;
          // Started halfway there: the thread and its module take a tenth of a second to be ready.
          if (!prescanner && seen > prescanFrom / 2) prescanner = new Prescanner(CHUNK_SCAN_BYTES);
          pending.push(prescanner && seen > prescanFrom ? { prescan: prescanner.scan(piece, session.prescanFlags) } : { body: piece });
          body = body.subarray(end);
        }
      }
      // Two bodies left to the worker: it scans one while the other waits, and this thread seldom does.
      yield* readPending(PRESCAN_AHEAD);
      if (session.out.length) { yield session.out; session.out = []; }
    }
    yield* readPending(0);
  } finally {
    await prescanner?.close();
  }
  const out = session.finish();
  if (out.length) yield out;
}
