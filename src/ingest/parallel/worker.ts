/**
 * A worker thread reading byte ranges of one Postfix syslog file (see index.ts): each range with
 * its own clock, queue and counters, its events rendered to the export's text here, except those
 * that need the lines before the range (RangeFix), which it hands back for the merge.
 */

import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createClassifier } from '../../classify/classify.js';
import type { Signature } from '../../classify/compile.js';
import type { LineStats } from '../../io/lines.js';
import { ByteSink } from '../../io/byte-sink.js';
import { eventEncoder, type EventRender } from '../../report/events.js';
import type { BounceClass, DeliveryEvent, HostRef } from '../../types.js';
import { hostKey } from '../event.js';
import { LineScanner } from '../postfix-fast.js';
import type { RangeFix, RangeRead } from '../range.js';
import { newStats, type ReadContext } from '../reader.js';
import { MAX_SHARED_VALUES } from '../../limits.js';
import type { ClockState } from '../syslog.js';
import { lineStartAt, readRange } from './ranges.js';
import { DELIVERY_BYTES, DELIVERY_STRING, EVENT, type DeliveryRun, type FromWorker, type RangeResult, type ToWorker } from './protocol.js';

export interface WorkerSetup {
  path: string;
  /** The input's name in events and messages. */
  file: string;
  size: number;
  tz: string;
  year?: number;
  referenceTime?: number;
  referenceFrom?: string;
  userRows: Signature[];
  keepClasses?: BounceClass[];
  /** The export to render; absent: deliveries and events for analyze (DeliveryRun). */
  render?: EventRender;
  /** A range longer than this after its borders moved to line starts is read in order instead. */
  maxRangeBytes: number;
}

const setup = workerData as WorkerSetup;
const port = parentPort!;
const classifier = createClassifier(setup.userRows);
const keepClasses = setup.keepClasses ? new Set(setup.keepClasses) : undefined;
/** Ranges a thread holds at once in its scanner's memory (read ahead, waiting, scanned); more are read into buffers and copied. */
const SLOTS = 3;
const scanner = new LineScanner(setup.maxRangeBytes, SLOTS);
/**
 * Buffers for the ranges this thread holds (the one it reads and the next), used again: fresh
 * memory per range cost a tenth of the time in page faults. The first are the scanner's slots,
 * where a range is read and scanned without a copy.
 */
const freeBuffers: Buffer[] = Array.from({ length: SLOTS }, (_, i) => scanner.slot(i));
/** Output buffers the main thread has written and given back, to fill again (see WrittenBytes). */
const writtenPieces: Buffer[] = [];
/** Bytes of each piece of rendered output (at least: a longer event gets a piece of its own size). */
const PIECE_BYTES = 4 << 20;
const pieceBuffer = (bytes: number): Buffer => {
  const b = writtenPieces.pop();
  return b && b.length >= bytes ? b : Buffer.allocUnsafeSlow(bytes);
};

/** First line numbers sent by the main thread, by range, and the range waiting for its own. */
const firstLines = new Map<number, number>();
const waiting = new Map<number, (line: number) => void>();
/** Ranges are read one after the other: a thread is handed the next before it finishes one. */
let queue: Promise<void> = Promise.resolve();

const post = (m: FromWorker): void => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'piece') {
    writtenPieces.push(Buffer.from(m.buffer));
  } else if (m.type === 'first') {
    const resolve = waiting.get(m.index);
    if (resolve) { waiting.delete(m.index); resolve(m.line); } else firstLines.set(m.index, m.line);
  } else if (m.type === 'range') {
    // Read (on the thread pool) and counted at once, so that the next ranges' line numbers are known
    // early; parsed after the range before it.
    const loaded = load(m.index, m.from, m.to);
    loaded.catch(() => undefined); // reported where it is awaited, below
    queue = queue.then(async () => {
      const range = await loaded;
      if (!range) return;
      try {
        await readOne(m.index, range, m.clockStart);
      } finally {
        freeBuffers.push(range.buffer);
      }
    }).catch((err: unknown) => post({ type: 'failed', index: m.index, message: String(err instanceof Error ? err.stack ?? err.message : err) }));
  }
});

interface LoadedRange {
  start: number;
  end: number;
  bytes: Buffer;
  /** The buffer `bytes` lies in, to use again. */
  buffer: Buffer;
}

/** A range's bytes from its first line start to the line start after it; undefined when too long to read apart. */
async function load(index: number, from: number, to: number): Promise<LoadedRange | undefined> {
  // Opened per range: a thread may be stopped at any time, and would leave a file open for good.
  const fd = openSync(setup.path, 'r');
  try {
    const start = lineStartAt(fd, from, setup.size);
    const end = Math.max(start, lineStartAt(fd, to, setup.size));
    if (end - start > setup.maxRangeBytes) {
      post({ type: 'lines', index, count: 0, start, end, tooLong: true });
      return undefined;
    }
    let buffer = freeBuffers.pop();
    if (!buffer || buffer.length < end - start) buffer = Buffer.allocUnsafeSlow(setup.maxRangeBytes);
    const bytes = await readRange(fd, start, end, buffer);
    post({ type: 'lines', index, count: scanner.countLines(bytes), start, end });
    return { start, end, bytes, buffer };
  } finally {
    closeSync(fd);
  }
}

async function readOne(index: number, { start, end, bytes }: LoadedRange, clockStart: ClockState | undefined): Promise<void> {
  const known = firstLines.get(index);
  firstLines.delete(index);
  const line = known ?? (await new Promise<number>((resolve) => waiting.set(index, resolve)));

  const stats = newStats(setup.file);
  stats.format = 'postfix';
  const lineStats: LineStats = { overlong: 0, bareCr: false };
  const range: RangeRead = { clockStart, fixes: new Map() };
  const ctx: ReadContext = {
    file: setup.file, run: { shared: new Map<string, unknown>() }, stats, tz: setup.tz, year: setup.year,
    referenceTime: setup.referenceTime, referenceFrom: setup.referenceFrom, classifier, keepClasses, range,
  };
  const read = (): Iterable<DeliveryEvent[]> => scanner.read(bytes, line, ctx, lineStats);
  const output = setup.render ? renderedItems(setup.render, read, ctx, range) : deliveryRun(read, ctx, range);
  stats.overlong = lineStats.overlong;
  const result: RangeResult = {
    ...output.part, stats, bytes: end - start, anomaly: range.anomaly,
    clock: { start: clockStart, first: range.clockFirst, end: range.clockEnd }, queue: range.queue,
  };
  port.postMessage({ type: 'done', index, result } satisfies FromWorker, output.transfer);
}

/** What a range gives besides its state, and the buffers to move to the main thread with it. */
interface RangeOutputPart {
  part: Pick<RangeResult, 'items' | 'deliveries'>;
  transfer: ArrayBuffer[];
}

/** The export's text of a range as UTF-8 pieces, with the fixes in their places. */
function renderedItems(render: EventRender, read: () => Iterable<DeliveryEvent[]>, ctx: ReadContext, range: RangeRead): RangeOutputPart {
  const items: (Uint8Array | RangeFix)[] = [];
  // The strings die young (a range's text kept as strings until its end was promoted, and
  // collecting it took a fifth of the time); the pieces go to the main thread without a copy.
  const out = new ByteSink((piece) => items.push(piece), PIECE_BYTES, pieceBuffer);
  const encode = eventEncoder(render, out);
  for (const batch of read()) {
    let from = 0;
    for (let i = 0; i < batch.length; i++) {
      const fix = range.fixes.get(batch[i]!);
      if (!fix) continue;
      encode(batch.slice(from, i));
      out.end();
      items.push(fix);
      from = i + 1;
    }
    encode(from ? batch.slice(from) : batch);
  }
  out.end();
  const pieces = items.filter((i): i is Uint8Array => i instanceof Uint8Array);
  return { part: { items }, transfer: pieces.map((b) => b.buffer as ArrayBuffer) };
}

/** A range's deliveries (handed over, as analyze takes them) and events, in line order. */
function deliveryRun(read: () => Iterable<DeliveryEvent[]>, ctx: ReadContext, range: RangeRead): RangeOutputPart {
  const run = new DeliveryRunBuilder(threadHosts);
  ctx.onDelivered = (t, recipient, domain, host, legacy) => run.delivery(t, recipient, domain, host, legacy);
  // No instance: the scanner hands every delivery of a whole line over as its bytes (the ledger is the main thread's).
  ctx.deliveryLedger = {
    numbered: () => { throw new Error('a range\'s deliveries are numbered on the main thread'); },
    logged: (t, bytes, start, length, host) => { run.logged(t, bytes, start, length, host); return true; },
  };
  for (const batch of read()) {
    for (const e of batch) run.event(range.fixes.get(e) ?? e);
  }
  const d = run.done();
  const transfer = [d.order, d.times, d.hosts, d.legacy, d.domains, d.logged, d.loggedEnds].map((a) => a.buffer as ArrayBuffer);
  return { part: { deliveries: d }, transfer };
}

/** The hosts this thread's ranges handed over, numbered (see DeliveryRun.newHosts). */
interface ThreadHosts {
  table: HostRef[];
  index: Map<string, number>;
}
const threadHosts: ThreadHosts = { table: [], index: new Map() };

/** A range's deliveries and events in line order, as columns (see DeliveryRun). */
class DeliveryRunBuilder {
  private readonly order: number[] = [];
  private readonly times: number[] = [];
  private readonly hosts: number[] = [];
  private readonly legacy: number[] = [];
  private readonly recipients: string[] = [];
  private readonly domains: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private bytes = new Uint8Array(64 << 10);
  private used = 0;
  private readonly loggedEnds: number[] = [];
  /** This range's hosts by the object (a scanner's answering hosts are one object per relay). */
  private readonly hostOf = new Map<HostRef, number>();
  private readonly hostsRestart: boolean;
  private readonly firstNewHost: number;
  private readonly events: (DeliveryEvent | RangeFix)[] = [];

  constructor(private readonly thread: ThreadHosts) {
    // Bounded: past MAX_SHARED_VALUES hosts the table starts afresh (and the main thread's with it).
    this.hostsRestart = thread.table.length >= MAX_SHARED_VALUES;
    if (this.hostsRestart) { thread.table.length = 0; thread.index.clear(); }
    this.firstNewHost = thread.table.length;
  }

  delivery(t: number, recipient: string, domain: string, host: HostRef, legacy: boolean): void {
    this.order.push(DELIVERY_STRING);
    this.common(t, host, legacy);
    this.recipients.push(recipient);
    let d = this.stringIndex.get(domain);
    if (d === undefined) { this.stringIndex.set(domain, (d = this.strings.length)); this.strings.push(domain); }
    this.domains.push(d);
  }

  logged(t: number, from: Uint8Array, start: number, length: number, host: HostRef): void {
    this.order.push(DELIVERY_BYTES);
    this.common(t, host, false);
    if (this.used + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.used + length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    // A loop: a few dozen bytes, where a copy's own checks would cost more.
    const to = this.bytes;
    for (let i = 0, at = this.used; i < length; i++) to[at + i] = from[start + i]!;
    this.used += length;
    this.loggedEnds.push(this.used);
  }

  event(e: DeliveryEvent | RangeFix): void {
    this.order.push(EVENT);
    this.events.push(e);
  }

  done(): DeliveryRun {
    return {
      order: Uint8Array.from(this.order), times: Float64Array.from(this.times), hosts: Int32Array.from(this.hosts), legacy: Uint8Array.from(this.legacy),
      recipients: this.recipients, domains: Int32Array.from(this.domains), strings: this.strings,
      logged: this.bytes.slice(0, this.used), loggedEnds: Int32Array.from(this.loggedEnds),
      newHosts: this.thread.table.slice(this.firstNewHost), hostsRestart: this.hostsRestart, events: this.events,
    };
  }

  private common(t: number, host: HostRef, legacy: boolean): void {
    this.times.push(t);
    let h = this.hostOf.get(host);
    if (h === undefined) {
      const key = hostKey(host), { index, table } = this.thread;
      h = index.get(key);
      if (h === undefined) { index.set(key, (h = table.length)); table.push(host); }
      this.hostOf.set(host, h);
    }
    this.hosts.push(h);
    this.legacy.push(legacy ? 1 : 0);
  }
}
