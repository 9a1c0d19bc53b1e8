/** The interface every input format implements, and the per-input counters it fills. */

import type { Classifier } from '../classify/classify.js';
import type { LineBatch, LineStats } from '../io/lines.js';
import type { BounceClass, DeliveryEvent, HostRef, InputFormat } from '../types.js';
import type { RangeRead, ResumeState } from './range.js';

export interface InputStats {
  file: string;
  format?: InputFormat;
  /** Records read: lines for logs, messages for mailboxes. */
  records: number;
  /** Records that produced at least one event. */
  eventRecords: number;
  events: number;
  /** Records of a known program that carry no outcome (connect lines, qmgr lines, probes…). */
  nonEvents: number;
  /** Why records gave no event, where a reader says (`auto-reply`, `not a bounce`…). */
  nonEventKinds: Record<string, number>;
  /** Blank lines. */
  blank: number;
  /** Lines of programs other than the mail system (dovecot, amavis, opendkim…), per program. */
  other: Record<string, number>;
  otherTotal: number;
  /** Records of a known program that failed to parse. */
  unrecognised: number;
  firstUnrecognised?: number;
  /** Lines cut at MAX_LINE_BYTES. */
  overlong: number;
  /** Human-readable notes for stderr (year assumed, caps hit, arrays exported as System.String[]…). */
  notices: string[];
  /** Named caps that were hit, with counts. */
  capped: Record<string, number>;
}

export function newStats(file: string): InputStats {
  return {
    file, records: 0, eventRecords: 0, events: 0, nonEvents: 0, nonEventKinds: {}, blank: 0, other: {}, otherTotal: 0,
    unrecognised: 0, overlong: 0, notices: [], capped: {},
  };
}

export function countUnrecognised(stats: InputStats, line: number): void {
  stats.unrecognised++;
  if (stats.firstUnrecognised === undefined) stats.firstUnrecognised = line;
}

/** Programs counted by name; the lines of later ones are counted together. */
export const MAX_OTHER_PROGRAMS = 200;
export const MORE_PROGRAMS = '(more programs)';

export function countOther(stats: InputStats, program: string): void {
  addOther(stats, program.length > 40 ? program.slice(0, 40) : program, 1);
}

/** `n` lines of program `name` (already cut to 40 characters). */
export function addOther(stats: InputStats, name: string, n: number): void {
  stats.otherTotal += n;
  if (name in stats.other || Object.keys(stats.other).length < MAX_OTHER_PROGRAMS) {
    stats.other[name] = (stats.other[name] ?? 0) + n;
  } else {
    stats.other[MORE_PROGRAMS] = (stats.other[MORE_PROGRAMS] ?? 0) + n;
  }
}

export function countCap(stats: InputStats, cap: string): void {
  stats.capped[cap] = (stats.capped[cap] ?? 0) + 1;
}

export interface ReadOptions {
  /** IANA zone for timestamps without an offset. */
  tz: string;
  /** Year of each file's first line, for syslog timestamps without a year. */
  year?: number;
  /** Date order for culture-formatted dates that cannot be inferred from the file. */
  dateOrder?: 'dmy' | 'mdy';
  classifier: Classifier;
  /**
   * The classes the consumer will keep (`events --class`). A reader may leave out building an
   * event whose class it knows is not among them — a delivery is always `none` — and counts it as
   * read all the same (`OMITTED`), so the counters do not depend on the filter.
   */
  keepClasses?: ReadonlySet<BounceClass>;
  /**
   * Where a reader may hand a delivery instead of building its event (`analyze`): the correlator
   * keeps of a delivery only its time, recipient and answering host, and nine in ten log events are
   * deliveries. Counted as read all the same (`OMITTED`). Called in input order.
   */
  onDelivered?: DeliverySink;
  /** Where a Postfix reader reading in order may find a delivery's recipient itself, before onDelivered (see DeliveryLedger). */
  deliveryLedger?: DeliveryLedger;
  /**
   * Where the Postfix line scanner reading in order (with onDelivered) hands the events of the lines
   * before a delivery, instead of yielding them: in a gigabyte of log that is a hundred thousand
   * batches of one or two events, and each yield went through every generator between the reader
   * and the consumer (bench/NOTES.md, session 15). Called in input order, as the yields would be.
   */
  onEvents?: (events: DeliveryEvent[]) => void;
  /** Bytes of a Postfix log read in order with a ledger before the rest is scanned ahead on a worker thread (ingest/prescan.ts); tests set 0. */
  prescanAfterBytes?: number;
}

/**
 * A delivery, normalised as its event would have been (see `handOverDelivery` in event.ts): the
 * recipient and its domain, the answering host, and whether its recipient or reply names a
 * legacyExchangeDN. See ReadOptions.onDelivered.
 */
export type DeliverySink = (time: number, recipient: string, domain: string, answeredBy: HostRef, legacyDn: boolean) => void;

/**
 * Deliveries to the ledger's recipient numbers, as columns: the i-th of `length` was at `times[i]`
 * to recipient `recipients[i]` of domain number `domains[i]`, answered by `hosts[i]`. Handed over
 * together, between the events of the lines around them: one at a time, each waited on memory the
 * scanner had pushed out of the cache (bench/NOTES.md, session 14).
 */
export interface NumberedRun {
  readonly times: Float64Array;
  readonly recipients: Int32Array;
  readonly domains: Int32Array;
  readonly hosts: HostRef[];
  length: number;
}

/**
 * The correlator's recipient ledger (correlate/ledger.ts), for a Postfix line scanner: it hands
 * each delivery's recipient over as the bytes of its line, or by number where the scanner runs in
 * the ledger's WebAssembly instance (wasm.ts) and looked the recipient up as it scanned. For
 * deliveries whose reply names nothing of a legacy DN; the answering host normalised.
 */
export interface DeliveryLedger {
  /**
   * The instance the ledger lives in: a scanner running in it looks recipients up as it scans.
   * Absent: a ledger on another thread (a range's worker, parallel/worker.ts, which hands the
   * bytes on), and every delivery comes to `logged`.
   */
  readonly instance?: WebAssembly.Instance;
  /** Deliveries to recipients the ledger numbered (found when scanned), in line order. */
  numbered(run: NumberedRun): void;
  /**
   * A delivery to bytes [start, start + length) of `bytes` (inside `to=<…>`), a recipient not
   * looked up yet: numbered now. False when the ledger leaves it to DeliverySink, with the
   * recipient as a string (see ledger.ts `logged`).
   */
  logged(time: number, bytes: Uint8Array, start: number, length: number, answeredBy: HostRef): boolean;
}

/** State shared by all inputs of one run, per reader (e.g. trace rows waiting for their detail rows). */
export interface RunState {
  shared: Map<string, unknown>;
}

export interface ReadContext extends ReadOptions {
  file: string;
  run: RunState;
  stats: InputStats;
  /** Reference time for the year of syslog lines (file mtime or gzip header). */
  referenceTime?: number;
  referenceFrom?: string;
  /** Reading one byte range apart from the lines before it (syslog logs only; see ingest/parallel). */
  range?: RangeRead;
  /** Resuming in the middle of a log with the state the lines before left (syslog logs only). */
  resume?: ResumeState;
}

export interface Reader {
  format: InputFormat;
  /** Cheap check on the first bytes of an input (decoded as UTF-8). */
  detect(head: string): boolean;
  /** Lines in, batches of events out. Fills `ctx.stats` as it goes. */
  read(lines: AsyncIterable<LineBatch>, ctx: ReadContext): AsyncGenerator<DeliveryEvent[]>;
  /**
   * The same from the input's bytes, for a reader that splits them itself (the syslog reader's
   * line scanner); counts over-long lines and the line separator into `lineStats` as splitLines does.
   */
  readBytes?(chunks: AsyncIterable<Buffer>, ctx: ReadContext, lineStats: LineStats): AsyncGenerator<DeliveryEvent[]>;
  /** After every input: events held back to join records across files (each keeps its own origin). */
  finish?(run: RunState): DeliveryEvent[];
}

/** One event read but not built, because the consumer will not keep its class (ReadOptions.keepClasses). */
export const OMITTED = Symbol('omitted event');

/** What a reader makes of one record: events, a known non-event (`null`), unrecognised (`undefined`), or OMITTED. */
export type RecordResult = DeliveryEvent[] | null | undefined | typeof OMITTED;

/** True when events of class `cls` need not be built. */
export function omits(ctx: ReadOptions, cls: BounceClass): boolean {
  return ctx.keepClasses !== undefined && !ctx.keepClasses.has(cls);
}

/** Count one record's result and collect its events into `out`. */
export function tally(stats: InputStats, result: RecordResult, line: number, out: DeliveryEvent[]): void {
  if (result === undefined) countUnrecognised(stats, line);
  else if (result === OMITTED) { stats.eventRecords++; stats.events++; }
  else if (result === null || result.length === 0) stats.nonEvents++;
  else { stats.eventRecords++; stats.events += result.length; for (const e of result) out.push(e); }
}
