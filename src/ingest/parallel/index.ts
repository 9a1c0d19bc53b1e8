/**
 * A large plain Postfix syslog file read by worker threads, one byte range each (2 MiB, cut at
 * line starts), the results joined in order on this thread: the output is the same as reading the
 * file in order, byte for byte (test/ingest/parallel.test.ts).
 *
 * A range is read without the lines before it: it assumes a clock state at its start (the latest
 * joined range's end) and an empty Postfix queue. The merge carries the real state across
 * (merge.ts): the queue entries still open, the deferred recipients, the year; it rebuilds the
 * events that needed a sender or Message-ID logged before the range, and checks the clock. When a
 * range cannot be joined so — its first line would have had another year, an Exim line (whose
 * state is not carried), the queue near its cap, too many other programs to count, a line longer
 * than a range — the file is read in order from that range on, with the state carried so far.
 */

import { Worker } from 'node:worker_threads';
import { closeSync, openSync } from 'node:fs';
import type { Classifier } from '../../classify/classify.js';
import type { Signature } from '../../classify/compile.js';
import type { WrittenBytes } from '../../io/byte-sink.js';
import { splitLines, type LineStats } from '../../io/lines.js';
import { readChunks } from '../../io/open.js';
import { MAX_LINE_BYTES, MAX_SHARED_VALUES } from '../../limits.js';
import { eventRenderer, type EventRender } from '../../report/events.js';
import type { BounceClass, DeliveryEvent, HostRef } from '../../types.js';
import { syslogReader } from '../maillog.js';
import type { RangeFix } from '../range.js';
import { handOverNormalised, hostKey } from '../event.js';
import type { DeliveryLedger, DeliverySink, InputStats } from '../reader.js';
import type { ClockState } from '../syslog.js';
import { addStats, carryClock, carryQueue, queueStaysUnderCap, recountExpiry, resolveFix, statsAddUp, type CarriedState } from './merge.js';
import { DELIVERY_STRING, EVENT, type FromWorker, type RangeResult, type ToWorker } from './protocol.js';
import { lineStartAt } from './ranges.js';
import type { WorkerSetup } from './worker.js';

/**
 * Bytes per range: large enough that the few events crossing a border do not matter, small enough
 * that a range's buffer and its queue (the keys it removed, kept to the end of the range) stay in
 * the processor's cache. On the 1 GB log, 2 cores: 16 MiB → 2 MiB took the events export from
 * 9.3 to 8.0 s, `--class` from 6.7 to 5.7 s, peak RSS 353 → 207 MiB; 1 MiB was no faster.
 */
export const RANGE_BYTES = 2 << 20;
/**
 * Files from this size are read in ranges. Each thread compiles the readers afresh and runs its
 * first range at a third of its later speed: on 2 cores two threads lost at 100 MB (2.7 s against
 * 2.2 s), broke even at 250 MB and won at 1 GB (10.3 s against 14.8 s).
 */
export const PARALLEL_MIN_BYTES = 256 << 20;

export interface RangesReport {
  ranges: number;
  /** Index of the range from which the file was read in order, and why. */
  inOrderFrom?: number;
  why?: string;
}

/**
 * What the ranges give: the export's text (`events`), or events with the deliveries handed to a
 * sink in between (`analyze`, see ReadOptions.onDelivered).
 */
export type RangeOutput = { render: EventRender } | { onDelivered: DeliverySink };

export interface ParallelRead {
  path: string;
  /** The input's name in events and messages. */
  file: string;
  size: number;
  /** The input's counters, added up as ranges are joined. */
  stats: InputStats;
  /** The input's line counters (over-long lines). */
  lineStats: LineStats;
  tz: string;
  year?: number;
  referenceTime?: number;
  referenceFrom?: string;
  classifier: Classifier;
  /** The rows `classifier` was made from besides the built-in table (worker threads make their own). */
  userRows: readonly Signature[];
  keepClasses?: ReadonlySet<BounceClass>;
  threads: number;
  rangeBytes?: number;
  /** The clock state after the file's first line (from its head): what early ranges assume. */
  headClock?: ClockState;
  progress?: (bytes: number) => void;
  /** Told at the end how the file was read (tests, bench). */
  report?: (r: RangesReport) => void;
}

interface Pending {
  resolve: (r: RangeResult | string) => void;
  promise: Promise<RangeResult | string>;
  worker?: Worker;
  count?: number;
  start?: number;
  firstSent?: boolean;
}

/** The export's text of the file, in order (as strings and UTF-8 bytes); see the module comment. */
export function renderRangesApart(job: ParallelRead, render: EventRender): AsyncGenerator<string | Uint8Array> {
  const write = eventRenderer(render);
  return readRangesApart(job, { render }, function* (r, resolve, giveBack) {
    for (const item of r.items!) {
      if (item instanceof Uint8Array) {
        // Each piece has a buffer of its own (the worker's ByteSink ends a piece before a fix).
        (item as WrittenBytes).written = () => giveBack(item.buffer as ArrayBuffer);
        yield item;
      } else {
        const text = write(resolve(item));
        if (text) yield text;
      }
    }
  }, (batch) => write(batch) || undefined);
}

/**
 * The file's events in order, its deliveries handed to `ledger` (by their bytes) or `onDelivered`
 * between them as reading in order hands them over: a delivery only after the events of the lines
 * before it were taken.
 */
export function deliverRangesApart(job: ParallelRead, onDelivered: DeliverySink, ledger: DeliveryLedger | undefined): AsyncGenerator<DeliveryEvent[]> {
  /**
   * One host object per host for the whole file: a range's come as copies, and the correlator
   * finds the host of a delivery by the object first, then by comparing its strings (which
   * copies make long) — as the scanner on this thread hands one object per relay.
   */
  const sameHosts = new Map<string, HostRef>();
  const sameHost = (ref: HostRef): HostRef => {
    const key = hostKey(ref);
    let kept = sameHosts.get(key);
    if (!kept) {
      kept = ref;
      if (sameHosts.size < MAX_SHARED_VALUES) sameHosts.set(key, kept);
    }
    return kept;
  };
  /** Each thread's table of hosts (see DeliveryRun.newHosts). */
  const threadHosts = new Map<Worker, HostRef[]>();
  return readRangesApart(job, { onDelivered }, function* (r, resolve, _giveBack, thread) {
    const d = r.deliveries!;
    let hosts = threadHosts.get(thread);
    if (!hosts || d.hostsRestart) threadHosts.set(thread, (hosts = []));
    for (const h of d.newHosts) hosts.push(sameHost(h));
    const logged = Buffer.from(d.logged.buffer, d.logged.byteOffset, d.logged.length);
    let next = 0, k = 0, s = 0, b = 0;
    let events: DeliveryEvent[] = [];
    for (let i = 0; i < d.order.length; i++) {
      const kind = d.order[i]!;
      if (kind === EVENT) {
        const e = d.events[next++]!;
        if ('kind' in e) events.push(...resolve(e));
        else events.push(e);
        continue;
      }
      if (events.length) { yield events; events = []; }
      const time = d.times[k]!, host = hosts[d.hosts[k]!]!;
      if (kind === DELIVERY_STRING) {
        onDelivered(time, d.recipients[s]!, d.strings[d.domains[s]!]!, host, d.legacy[k] === 1);
        s++;
      } else {
        const start = b ? d.loggedEnds[b - 1]! : 0, end = d.loggedEnds[b]!;
        b++;
        // As the scanner on this thread would: the ledger numbers the bytes, or leaves them as a string.
        if (!ledger?.logged(time, logged, start, end - start, host)) handOverNormalised(onDelivered, time, logged.latin1Slice(start, end), host, undefined);
      }
      k++;
    }
    if (events.length) yield events;
  }, (batch) => batch);
}

/**
 * Reads the ranges on worker threads and joins them in order: `join` gives a range's output, with
 * `resolve` to rebuild its fixes; from a range that must be read in order, `inOrder` gives the
 * output of each batch of events read so.
 */
async function* readRangesApart<T>(
  job: ParallelRead, output: RangeOutput,
  join: (r: RangeResult, resolve: (fix: RangeFix) => DeliveryEvent[], giveBack: (buffer: ArrayBuffer) => void, thread: Worker) => Iterable<T>,
  inOrder: (batch: DeliveryEvent[]) => T | undefined,
): AsyncGenerator<T> {
  const rangeBytes = job.rangeBytes ?? RANGE_BYTES;
  const n = Math.ceil(job.size / rangeBytes);
  const setup: WorkerSetup = {
    path: job.path, file: job.file, size: job.size, tz: job.tz, year: job.year, referenceTime: job.referenceTime,
    referenceFrom: job.referenceFrom, userRows: [...job.userRows],
    keepClasses: job.keepClasses ? [...job.keepClasses] : undefined, render: 'render' in output ? output.render : undefined,
    maxRangeBytes: rangeBytes + 4 * MAX_LINE_BYTES,
  };
  const threads = Math.max(1, Math.min(job.threads, n));
  const workers: Worker[] = [];
  /** Threads that exited (or were stopped). */
  const stopped = new Set<Worker>();
  /** Free places: each thread holds the range it reads and the next one, so it never waits to be handed work. */
  const idle: Worker[] = [];
  const pending: (Pending | undefined)[] = [];
  let dispatched = 0;
  let joined = 0;
  let linesKnown = 0;
  let nextFirst = 1;
  /** First line of the range being joined. */
  let joinedLine = 1;
  const state: CarriedState = { queue: new Map() };

  const pendingOf = (k: number): Pending => {
    let p = pending[k];
    if (!p) {
      let resolve!: Pending['resolve'];
      const promise = new Promise<RangeResult | string>((r) => { resolve = r; });
      p = pending[k] = { resolve, promise };
    }
    return p;
  };
  /** Each handed-out range's first line number, as soon as the ranges before it are counted. */
  const sendFirsts = (): void => {
    while (linesKnown < dispatched) {
      const p = pending[linesKnown]!;
      if (!p.firstSent) {
        p.firstSent = true;
        p.worker!.postMessage({ type: 'first', index: linesKnown, line: nextFirst } satisfies ToWorker);
      }
      if (p.count === undefined) return;
      nextFirst += p.count;
      linesKnown++;
    }
  };
  let clockHint = job.headClock;
  /** Ranges handed out at most this far ahead of the one being joined: their output waits in memory. */
  const ahead = 2 * threads + 1;
  const dispatch = (): void => {
    while (idle.length && dispatched < n && dispatched < joined + ahead) {
      const w = idle.shift()!;
      const k = dispatched++;
      pendingOf(k).worker = w;
      const clockStart = k === 0 ? undefined : clockHint;
      w.postMessage({ type: 'range', index: k, from: k * rangeBytes, to: Math.min(job.size, (k + 1) * rangeBytes), clockStart } satisfies ToWorker);
    }
    sendFirsts();
  };

  for (let i = 0; i < threads; i++) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
    w.on('message', (m: FromWorker) => {
      const p = pendingOf(m.index);
      if (m.type === 'lines') {
        p.start = m.start;
        if (m.tooLong) { p.resolve(`a line longer than a range near byte ${m.start}`); idle.push(w); dispatch(); return; }
        p.count = m.count;
        sendFirsts();
      } else {
        p.resolve(m.type === 'done' ? m.result : `a worker failed: ${m.message}`);
        idle.push(w);
        dispatch();
      }
    });
    // A thread that dies fails the ranges it holds (the join then reads in order from the first)
    // and is handed no more.
    const died = (why: string): void => {
      stopped.add(w);
      for (let i = idle.indexOf(w); i >= 0; i = idle.indexOf(w)) idle.splice(i, 1);
      for (const p of pending) if (p?.worker === w) p.resolve(`a worker failed: ${why}`);
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(`it exited (${code})`));
    workers.push(w);
    idle.push(w, w);
  }

  let why: string | undefined;
  try {
    dispatch();
    for (; joined < n; joined++) {
      const r = await pendingOf(joined).promise;
      if (typeof r === 'string') { why = r; break; }
      if (r.anomaly) { why = r.anomaly; break; }
      if (!statsAddUp(r.stats)) { why = 'too many other programs to count apart'; break; }
      const clock = carryClock(state.clock, r.clock);
      if (!clock.ok) { why = 'the year at its start was not the one assumed'; break; }
      if (!queueStaysUnderCap(state, r.queue)) { why = 'the Postfix queue near its cap'; break; }
      const resolve = (fix: RangeFix): DeliveryEvent[] => {
        const events = resolveFix(fix, state.queue, job.file, job.classifier);
        if (fix.kind === 'expired') recountExpiry(r.stats, events.length);
        return events;
      };
      // A written piece's buffer goes back to the thread that filled it, unless it has stopped.
      const from = pending[joined]!.worker!;
      const giveBack = (buffer: ArrayBuffer): void => {
        if (!stopped.has(from)) from.postMessage({ type: 'piece', buffer } satisfies ToWorker, [buffer]);
      };
      yield* join(r, resolve, giveBack, from);
      addStats(job.stats, r.stats);
      job.lineStats.overlong += r.stats.overlong;
      carryQueue(state.queue, r.queue);
      state.clock = clock.after;
      if (state.clock) clockHint = state.clock;
      job.progress?.(r.bytes);
      joinedLine += pending[joined]!.count!;
      pending[joined] = undefined;
      dispatch();
    }
  } finally {
    for (const w of workers) stopped.add(w);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  job.report?.({ ranges: n, inOrderFrom: why === undefined ? undefined : joined, why });
  if (why === undefined) return;
  // Not a property of the log but a fault here: said (one line), and the rest still read.
  if (why.startsWith('a worker failed')) job.stats.notices.push(`read in order from line ${joinedLine} on: ${why.split('\n')[0]}`);

  // Read in order from range `joined` on, with the state carried so far.
  let start = pending[joined]?.start;
  if (start === undefined) {
    const fd = openSync(job.path, 'r');
    try { start = lineStartAt(fd, joined * rangeBytes, job.size); } finally { closeSync(fd); }
  }
  const ctx = {
    file: job.file, run: { shared: new Map<string, unknown>() }, stats: job.stats, tz: job.tz, year: job.year,
    referenceTime: job.referenceTime, referenceFrom: job.referenceFrom, classifier: job.classifier, keepClasses: job.keepClasses,
    resume: { clock: state.clock, queue: state.queue }, onDelivered: 'onDelivered' in output ? output.onDelivered : undefined,
  };
  const lines = splitLines(readChunks(job.path, start), job.lineStats, MAX_LINE_BYTES, { first: joinedLine, sep: 0x0a });
  for await (const batch of syslogReader.read(lines, ctx)) {
    const out = inOrder(batch);
    if (out !== undefined) yield out;
  }
  job.progress?.(job.size - start);
}
