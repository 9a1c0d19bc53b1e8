/**
 * readEvents(): named inputs in, one stream of DeliveryEvent out. Inputs are read one after the
 * other, each streamed; per-input counters and errors are collected on the returned object.
 */

import { defaultClassifier, type Classifier } from '../classify/classify.js';
import { InputError, errorMessage } from '../errors.js';
import { detectFormat, readerFor } from '../io/detect.js';
import { expandInputs, type InputSource } from '../io/inputs.js';
import { splitLines, type LineStats } from '../io/lines.js';
import { openInput, peek, prefetchSmall, type Prefetched } from '../io/open.js';
import { DEFAULT_MAX_INPUT_BYTES, DETECT_BYTES } from '../limits.js';
import type { DeliveryEvent, InputFormat } from '../types.js';
import { eventsReader } from './events.js';
import { eximReader } from './exim.js';
import { syslogReader } from './maillog.js';
import { dsnReader } from './dsn/index.js';
import { exchangeTrackingReader } from './exchange-tracking.js';
import { exchangeTraceReader } from './exchange-trace.js';
import { newStats, type InputStats, type Reader, type RunState } from './reader.js';

/** Readers in detection order: the most specific signatures first. */
export const READERS: readonly Reader[] = [eventsReader, syslogReader, eximReader, exchangeTrackingReader, exchangeTraceReader, dsnReader];

export interface ReadEventsOptions {
  tz?: string;
  year?: number;
  dateOrder?: 'dmy' | 'mdy';
  inputFormat?: InputFormat;
  maxInputBytes?: number;
  classifier?: Classifier;
}

export interface EventStream extends AsyncIterable<DeliveryEvent[]> {
  /** Per-input counters, filled as inputs are read. */
  readonly inputs: InputStats[];
  /** Inputs that could not be read or recognised (exit code 2 when any was named explicitly). */
  readonly errors: InputError[];
  /** Files found while recursing directories whose format is unknown (one summary line, not errors). */
  readonly skipped: string[];
}

/** Batches of events from all inputs; see `readEvents` for one event at a time. */
export function readEventBatches(names: readonly string[], options: ReadEventsOptions = {}): EventStream {
  const inputs: InputStats[] = [];
  const errors: InputError[] = [];
  const skipped: string[] = [];
  const tz = options.tz ?? 'UTC';
  const classifier = options.classifier ?? defaultClassifier();
  const maxBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const run: RunState = { shared: new Map() };

  async function* readOne(source: InputSource, prefetched?: Prefetched): AsyncGenerator<DeliveryEvent[]> {
    const stats = newStats(source.name);
    let opened;
    try {
      opened = await openInput(source, maxBytes, prefetched);
    } catch (err) {
      errors.push(err instanceof InputError ? err : new InputError(source.name, errorMessage(err)));
      return;
    }
    let head: Buffer, rest: AsyncIterable<Buffer>;
    try {
      ({ head, rest } = await peek(opened.chunks, DETECT_BYTES));
    } catch (err) {
      errors.push(err instanceof InputError ? err : new InputError(source.name, errorMessage(err)));
      return;
    }
    let reader: Reader | undefined;
    if (options.inputFormat) reader = readerFor(options.inputFormat, READERS);
    else reader = detectFormat(head.toString('utf8'), READERS);
    if (!reader) {
      if (source.explicit) {
        const why = head.length === 0 ? 'empty input' : 'format not recognised (not a Postfix/Exim log, Exchange export, bounce message or bouncelens NDJSON); use --input-format to force one';
        errors.push(new InputError(source.name, why));
      } else {
        skipped.push(source.name);
      }
      return;
    }
    stats.format = reader.format;
    inputs.push(stats);
    const lineStats: LineStats = { overlong: 0, bareCr: false };
    try {
      yield* reader.read(splitLines(rest, lineStats), {
        file: source.name, run, stats, tz, year: options.year, dateOrder: options.dateOrder, classifier,
        referenceTime: opened.referenceTime, referenceFrom: opened.referenceFrom,
      });
    } catch (err) {
      errors.push(err instanceof InputError ? err : new InputError(source.name, errorMessage(err)));
    } finally {
      stats.overlong = lineStats.overlong;
      if (lineStats.overlong) stats.capped['over-long lines cut'] = lineStats.overlong;
    }
  }

  async function* all(): AsyncGenerator<DeliveryEvent[]> {
    const expanded = await expandInputs(names.length ? names : ['-']);
    errors.push(...expanded.errors);
    for (const source of expanded.sources) yield* readOne(source, prefetchSmall(source));
    for (const reader of READERS) {
      const held = reader.finish?.(run);
      if (held?.length) yield held;
    }
  }

  const gen = all();
  return {
    inputs, errors, skipped,
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
