/**
 * readEvents(): named inputs in, one stream of DeliveryEvent out. Inputs are read one after the
 * other, each streamed; per-input counters and errors are collected on the returned object.
 */

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { defaultClassifier, userRowsOf, type Classifier } from '../classify/classify.js';
import type { Signature } from '../classify/compile.js';
import { InputError, errorMessage } from '../errors.js';
import { detectFormat, readerFor } from '../io/detect.js';
import { expandInputs, type InputSource } from '../io/inputs.js';
import { splitLines, type LineStats } from '../io/lines.js';
import { openInput, peek, plainBytes, prefetchSmall, type Prefetched } from '../io/open.js';
import { DEFAULT_MAX_INPUT_BYTES, DETECT_BYTES, READ_CHUNK_BYTES } from '../limits.js';
import { ByteSink } from '../io/byte-sink.js';
import { eventEncoder, eventRenderer, type EventRender } from '../report/events.js';
import { deliverRangesApart, PARALLEL_MIN_BYTES, renderRangesApart, type ParallelRead, type RangesReport } from './parallel/index.js';
import { firstYear, parseBsdStamp, type ClockOptions, type ClockState } from './syslog.js';
import type { BounceClass, DeliveryEvent, InputFormat } from '../types.js';
import { eventsReader } from './events.js';
import { eximReader } from './exim.js';
import { syslogReader } from './maillog.js';
import { dsnReader, readMessages } from './dsn/index.js';
import { wholeMessage } from './dsn/mailbox.js';
import { exchangeTrackingReader } from './exchange-tracking.js';
import { exchangeTraceReader } from './exchange-trace.js';
import { newStats, type DeliveryLedger, type DeliverySink, type InputStats, type ReadContext, type Reader, type RunState } from './reader.js';

/** Readers in detection order: the most specific signatures first. */
export const READERS: readonly Reader[] = [eventsReader, syslogReader, eximReader, exchangeTrackingReader, exchangeTraceReader, dsnReader];

/** Receives bytes read as inputs are read (the CLI's progress line). */
export interface ProgressSink {
  /** Bytes of all inputs (files only; stdin adds nothing). */
  total(bytes: number): void;
  advance(bytes: number): void;
  /** All inputs read. */
  done(): void;
}

export interface ReadEventsOptions {
  tz?: string;
  year?: number;
  dateOrder?: 'dmy' | 'mdy';
  inputFormat?: InputFormat;
  maxInputBytes?: number;
  classifier?: Classifier;
  progress?: ProgressSink;
  /** Classes the caller keeps; events of others may be left unbuilt (see ReadOptions.keepClasses). */
  keepClasses?: ReadonlySet<BounceClass>;
  /** Deliveries handed over instead of built as events (see ReadOptions.onDelivered). */
  onDelivered?: DeliverySink;
  /** The correlator's ledger, where a reader reading in order finds deliveries' recipients itself (see ReadOptions.deliveryLedger). */
  deliveryLedger?: DeliveryLedger;
  /** Events handed over instead of yielded where a reader reads in order with `onDelivered` (see ReadOptions.onEvents). */
  onEvents?: (events: DeliveryEvent[]) => void;
  /** See ReadOptions.prescanAfterBytes. */
  prescanAfterBytes?: number;
  /** Threads reading a large plain Postfix log in ranges (`readRenderedEvents`, and with `onDelivered`); 1: in order. */
  threads?: number;
  /** Range size and the file size from which ranges are read (tests); how each file was read (tests, bench). */
  ranges?: { bytes?: number; minBytes?: number; report?: (file: string, r: RangesReport) => void };
}

export interface EventStream extends AsyncIterable<DeliveryEvent[]> {
  /** Per-input counters, filled as inputs are read. */
  readonly inputs: InputStats[];
  /** Inputs that could not be read or recognised (exit code 2 when any was named explicitly). */
  readonly errors: InputError[];
  /** Files found while recursing directories whose format is unknown (one summary line, not errors). */
  readonly skipped: string[];
}

/** What one input's reading needs and where it reports. */
interface ReadEnv {
  options: ReadEventsOptions;
  classifier: Classifier;
  run: RunState;
  inputs: InputStats[];
  errors: InputError[];
  skipped: string[];
}

/** The input's over-long lines, counted by splitLines, into its counters (and its caps hit). */
function countOverlong(stats: InputStats, lineStats: LineStats): void {
  stats.overlong = lineStats.overlong;
  if (lineStats.overlong) stats.capped['over-long lines cut'] = lineStats.overlong;
}

/** An error while reading `source`, as the one-line input error the CLI reports. */
function inputError(source: InputSource, err: unknown): InputError {
  return err instanceof InputError ? err : new InputError(source.name, errorMessage(err));
}

/**
 * One input: open, detect its format (unless the caller already did: `known`), read it with its
 * reader. Errors and counters go to `env`.
 */
async function* readInput(source: InputSource, prefetched: Prefetched | undefined, env: ReadEnv, known?: Reader): AsyncGenerator<DeliveryEvent[]> {
  const { options, errors } = env;
  const stats = newStats(source.name);
  let opened;
  try {
    const { progress } = options;
    opened = await openInput(source, options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, prefetched, progress && ((n) => progress.advance(n)));
  } catch (err) {
    errors.push(inputError(source, err));
    return;
  }
  let head: Buffer, rest: AsyncIterableIterator<Buffer>;
  try {
    ({ head, rest } = await peek(opened.chunks, DETECT_BYTES));
  } catch (err) {
    errors.push(inputError(source, err));
    return;
  }
  const reader = known ?? (options.inputFormat ? readerFor(options.inputFormat, READERS) : detectFormat(head.toString('utf8'), READERS));
  if (!reader) {
    await rest.return?.(); // not read: its file is closed now
    if (source.explicit) {
      const why = head.length === 0 ? 'empty input' : 'format not recognised (not a Postfix/Exim log, Exchange export, bounce message or bouncelens NDJSON); use --input-format to force one';
      errors.push(new InputError(source.name, why));
    } else {
      env.skipped.push(source.name);
    }
    return;
  }
  stats.format = reader.format;
  env.inputs.push(stats);
  const lineStats: LineStats = { overlong: 0, bareCr: false };
  try {
    const ctx = readContext(source, env, stats, opened);
    yield* reader.readBytes ? reader.readBytes(rest, ctx, lineStats) : reader.read(splitLines(rest, lineStats), ctx);
  } catch (err) {
    errors.push(inputError(source, err));
  } finally {
    countOverlong(stats, lineStats);
  }
}

/** The context a reader reads one input in. */
function readContext(source: InputSource, env: ReadEnv, stats: InputStats, reference: Pick<ReadContext, 'referenceTime' | 'referenceFrom'>): ReadContext {
  const { options } = env;
  return {
    file: source.name, run: env.run, stats, tz: options.tz ?? 'UTC', year: options.year, dateOrder: options.dateOrder,
    classifier: env.classifier, keepClasses: options.keepClasses, onDelivered: options.onDelivered, deliveryLedger: options.deliveryLedger, onEvents: options.onEvents, prescanAfterBytes: options.prescanAfterBytes, referenceTime: reference.referenceTime, referenceFrom: reference.referenceFrom,
  };
}

/**
 * The plan for reading `source` in ranges on worker threads, or undefined when it must be read in
 * order: only a regular file of plain UTF-8 (no gzip, BOM or UTF-16), large enough, under the input
 * cap, detected (or named) as a syslog mail log, with newline line ends.
 */
function rangePlan(source: InputSource, prefetched: Prefetched | undefined, env: ReadEnv): RangePlan | undefined {
  const { options } = env;
  const minBytes = options.ranges?.minBytes ?? PARALLEL_MIN_BYTES;
  if ((options.threads ?? 1) < 2 || source.path === undefined || (prefetched && prefetched.bytes.length < minBytes)) return undefined;
  // Worker threads classify with a classifier of their own, made from the same rows.
  const userRows = userRowsOf(env.classifier);
  if (!userRows) return undefined;
  let fd: number | undefined;
  try {
    const info = statSync(source.path);
    if (!info.isFile() || info.size < minBytes || info.size > (options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES)) return undefined;
    fd = openSync(source.path, 'r');
    const head = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, info.size));
    const b = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    if (!plainBytes(b)) return undefined;
    if (b.subarray(0, DETECT_BYTES).indexOf(0x0a) < 0) return undefined;
    const reader = options.inputFormat ? readerFor(options.inputFormat, READERS) : detectFormat(b.toString('utf8'), READERS);
    if (reader !== syslogReader) return undefined;
    return { path: source.path, size: info.size, mtimeMs: info.mtimeMs, head: b, userRows };
  } catch {
    return undefined; // read in order, where any error is reported
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface RangePlan {
  path: string;
  size: number;
  mtimeMs: number;
  head: Buffer;
  userRows: readonly Signature[];
}

/**
 * One input read in ranges (see ingest/parallel): `read` gives the output from the job; the input's
 * counters and errors go to `env` as reading in order fills them.
 */
async function* readInRanges<T>(source: InputSource, plan: RangePlan, env: ReadEnv, read: (job: ParallelRead) => AsyncGenerator<T>): AsyncGenerator<T> {
  const { options } = env;
  const stats = newStats(source.name);
  stats.format = syslogReader.format;
  env.inputs.push(stats);
  const lineStats: LineStats = { overlong: 0, bareCr: false };
  const tz = options.tz ?? 'UTC';
  const { progress, ranges } = options;
  try {
    yield* read({
      path: plan.path, file: source.name, size: plan.size, stats, lineStats, tz, year: options.year,
      referenceTime: plan.mtimeMs, referenceFrom: 'modification time', classifier: env.classifier, userRows: plan.userRows, keepClasses: options.keepClasses,
      threads: options.threads ?? 1, rangeBytes: ranges?.bytes, headClock: headClock(plan.head, { tz, year: options.year, referenceTime: plan.mtimeMs }),
      progress: progress && ((n) => progress.advance(n)),
      report: ranges?.report && ((r) => ranges.report!(source.name, r)),
    });
  } catch (err) {
    env.errors.push(inputError(source, err));
  } finally {
    countOverlong(stats, lineStats);
  }
}

/** The clock state after the first BSD-stamped line of a file's head (what ranges assume before any is joined). */
function headClock(head: Buffer, opts: ClockOptions): ClockState | undefined {
  const text = head.toString('latin1', 0, Math.min(head.length, DETECT_BYTES));
  for (const line of text.split('\n', 50)) {
    const b = parseBsdStamp(line);
    if (b) return { year: firstYear(opts, b.month), lastMonth: b.month };
  }
  return undefined;
}

/**
 * A small file that is a bounce message can be read beside others: messages share no state (a
 * log's queue-id joins and syslog year do, so logs are always read one after the other).
 */
function independent(prefetched: Prefetched | undefined, options: ReadEventsOptions): prefetched is Prefetched {
  if (!prefetched || (options.inputFormat && options.inputFormat !== 'dsn')) return false;
  return options.inputFormat === 'dsn' || detectFormat(prefetched.bytes.subarray(0, DETECT_BYTES).toString('utf8'), READERS) === dsnReader;
}

function totalBytes(sources: readonly InputSource[]): number {
  let sum = 0;
  for (const s of sources) {
    if (s.path === undefined) continue;
    try { sum += statSync(s.path).size; } catch { /* reported when it is opened */ }
  }
  return sum;
}

/** Bounce files parsed at a time (5,000-message Maildir, 2 cores: 1 → 4.5 s, 16 → 3.4 s, 64 → 3.4 s). */
const CONCURRENT_MESSAGES = 16;

/** A file read on its own: its events, counters, errors, to be merged in input order. */
interface AloneResult {
  stats?: InputStats;
  events: DeliveryEvent[];
  errors: InputError[];
  skipped: string[];
}

/**
 * One bounce file read on its own (fresh state, its own counters); `independent` has already
 * recognised it. Progress is counted by the caller.
 */
async function readAlone(source: InputSource, prefetched: Prefetched, options: ReadEventsOptions, classifier: Classifier): Promise<AloneResult> {
  const env: ReadEnv = { options: { ...options, progress: undefined, onDelivered: undefined, deliveryLedger: undefined, onEvents: undefined }, classifier, run: { shared: new Map() }, inputs: [], errors: [], skipped: [] };
  const events: DeliveryEvent[] = [];
  // Most bounce files are one message, read here without the chunk, line and message streams.
  const whole = prefetched.bytes.length <= (options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES) ? wholeMessage(prefetched.bytes) : undefined;
  try {
    if (whole) {
      const stats = newStats(source.name);
      stats.format = dsnReader.format;
      env.inputs.push(stats);
      const ctx = readContext(source, env, stats, { referenceTime: prefetched.mtimeMs, referenceFrom: 'modification time' });
      for await (const batch of readMessages([whole], ctx)) events.push(...batch);
    } else {
      for await (const batch of readInput(source, prefetched, env, dsnReader)) events.push(...batch);
    }
  } catch (err) {
    env.errors.push(inputError(source, err));
  }
  return { stats: env.inputs[0], events, errors: env.errors, skipped: env.skipped };
}

/** Batches of events from all inputs; see `readEvents` for one event at a time. */
export function readEventBatches(names: readonly string[], options: ReadEventsOptions = {}): EventStream {
  const { onDelivered } = options;
  return readAll<DeliveryEvent[]>(names, options, (events) => events, (source, prefetched, env) => {
    // In ranges only where deliveries are handed over (analyze): events alone would cross threads as objects.
    const plan = onDelivered && rangePlan(source, prefetched, env);
    return plan ? readInRanges(source, plan, env, (job) => deliverRangesApart(job, onDelivered, options.deliveryLedger)) : readInput(source, prefetched, env);
  });
}

/** Text of the export: strings, and UTF-8 bytes where worker threads rendered it. */
export interface RenderedStream extends Omit<EventStream, typeof Symbol.asyncIterator>, AsyncIterable<string | Uint8Array> {}

/** Bytes of each buffer an export read in order is encoded into (its batches are views into them). */
const RENDERED_BUFFER_BYTES = 1 << 20;

/**
 * The export (`bouncelens events`) of all inputs, as text in order: the events `render` keeps, as
 * NDJSON or CSV rows (no header). A large plain Postfix log is read in ranges by `options.threads`
 * worker threads, with the same text as reading it in order.
 */
export function readRenderedEvents(names: readonly string[], readOptions: ReadEventsOptions, render: EventRender): RenderedStream {
  const write = eventRenderer(render);
  // Events of other classes need not be built (see ReadOptions.keepClasses).
  const { classes } = render.select;
  const options = classes && !readOptions.keepClasses ? { ...readOptions, keepClasses: new Set(classes) } : readOptions;
  return readAll<string | Uint8Array>(names, options, write, async function* (source, prefetched, env) {
    const plan = rangePlan(source, prefetched, env);
    if (plan) {
      yield* readInRanges(source, plan, env, (job) => renderRangesApart(job, render));
      return;
    }
    // Encoded as bytes here, line by line (see ByteSink); each batch's bytes go out when it is
    // read, as its text did before, not when a buffer fills.
    const pieces: Uint8Array[] = [];
    const sink = new ByteSink((piece) => pieces.push(piece), RENDERED_BUFFER_BYTES);
    const encode = eventEncoder(render, sink);
    for await (const batch of readInput(source, prefetched, env)) {
      encode(batch);
      sink.flush();
      if (pieces.length) yield* pieces.splice(0);
    }
    sink.end();
    yield* pieces;
  });
}

/** The inputs read one after the other (bounce files several at a time), each as `readOne` gives it. */
function readAll<T>(
  names: readonly string[], options: ReadEventsOptions, fromEvents: (events: DeliveryEvent[]) => T,
  readOne: (source: InputSource, prefetched: Prefetched | undefined, env: ReadEnv) => AsyncGenerator<T>,
): Omit<EventStream, typeof Symbol.asyncIterator> & AsyncIterable<T> {
  const env: ReadEnv = {
    options, classifier: options.classifier ?? defaultClassifier(), run: { shared: new Map() },
    inputs: [], errors: [], skipped: [],
  };

  async function* all(): AsyncGenerator<T> {
    const expanded = await expandInputs(names.length ? names : ['-']);
    env.errors.push(...expanded.errors);
    if (options.progress) options.progress.total(totalBytes(expanded.sources));
    // Bounce files are independent: several are parsed at a time (the MIME parser waits on
    // setImmediate between steps, which left this thread idle a quarter of the time) and their
    // results taken in input order, so the output is the same as reading them one by one. Worker
    // threads were tried and lost on 2 cores: each loads the MIME parser again (bench/NOTES.md).
    const pending: Promise<AloneResult>[] = [];
    async function* takeOne(): AsyncGenerator<T> {
      const r = await pending.shift()!;
      if (r.stats) env.inputs.push(r.stats);
      env.errors.push(...r.errors);
      env.skipped.push(...r.skipped);
      if (r.events.length) yield fromEvents(r.events);
    }
    try {
      for (const source of expanded.sources) {
        const prefetched = prefetchSmall(source);
        if (independent(prefetched, options)) {
          pending.push(readAlone(source, prefetched, options, env.classifier));
          options.progress?.advance(prefetched.bytes.length);
          if (pending.length >= CONCURRENT_MESSAGES) yield* takeOne();
          continue;
        }
        while (pending.length) yield* takeOne();
        yield* readOne(source, prefetched, env);
      }
      while (pending.length) yield* takeOne();
    } finally {
      options.progress?.done();
    }
    for (const reader of READERS) {
      const held = reader.finish?.(env.run);
      if (held?.length) yield fromEvents(held);
    }
  }

  const gen = all();
  return {
    inputs: env.inputs, errors: env.errors, skipped: env.skipped,
    [Symbol.asyncIterator]: () => gen,
  };
}

/** All events of the named inputs, one at a time. Counters and errors are on `.inputs` / `.errors`. */
export function readEvents(names: readonly string[], options: ReadEventsOptions = {}): AsyncIterable<DeliveryEvent> & Omit<EventStream, typeof Symbol.asyncIterator> {
  const batches = readEventBatches(names, options);
  return {
    inputs: batches.inputs, errors: batches.errors, skipped: batches.skipped,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches) yield* batch;
    },
  };
}
