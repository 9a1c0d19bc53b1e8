/** Raw flag values → validated settings. The one place bad flags die (UsageError, exit 2). */

import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import { createClassifier, type Classifier } from '../classify/classify.js';
import { createProgress } from './progress.js';
import { loadUserSignatures } from '../classify/user-table.js';
import type { ReadEventsOptions } from '../ingest/index.js';
import { DEFAULT_MAX_INPUT_BYTES } from '../limits.js';
import { checkTimeZone, parseFlagTime } from '../time.js';
import { BOUNCE_CLASSES, INPUT_FORMATS, type BounceClass, type InputFormat } from '../types.js';

/** Threads of `events` by default (`--threads`): past four, joining the ranges in order is the limit. */
const MAX_DEFAULT_THREADS = 4;

/**
 * `events` reads a large log on every core by default; `analyze` in order unless asked: its
 * correlator runs on the main thread, and on two cores the ranges saved a tenth of the time for
 * 1.7× the memory (bench/NOTES.md).
 */
export type ThreadsDefault = 'cores' | 'one';

/** Reading flags shared by `analyze` and `events`, as commander hands them over. */
export interface RawReadingFlags {
  inputFormat?: string;
  tz?: string;
  year?: string;
  since?: string;
  until?: string;
  signatures?: string;
  maxInputBytes?: string;
  dateOrder?: string;
  quiet?: boolean;
  threads?: string;
}

export interface ReadingSettings {
  read: ReadEventsOptions & { classifier: Classifier };
  since?: number;
  until?: number;
  tzGiven: boolean;
  quiet: boolean;
}

/** `a,b` and repeated flags → one flat list, blanks dropped. */
export function splitList(values: string | string[] | undefined): string[] {
  if (values === undefined) return [];
  const list = Array.isArray(values) ? values : [values];
  return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parsePositiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: '${text}' is not a whole number`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag}: '${text}' is out of range`);
  return n;
}

/** `--max-input-bytes 64G`, `500M`, `1048576`. */
export function parseByteSize(flag: string, text: string): number {
  const m = /^(\d+)\s*([kmgt]i?b?)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: '${text}' is not a size (e.g. 500M, 64G, 1048576)`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : unit === 't' ? 1024 ** 4 : 1;
  return parsePositiveInt(flag, m[1]!) * mult;
}

export async function resolveReading(raw: RawReadingFlags, threadsDefault: ThreadsDefault = 'one'): Promise<ReadingSettings> {
  let inputFormat: InputFormat | undefined;
  if (raw.inputFormat !== undefined) {
    if (!(INPUT_FORMATS as readonly string[]).includes(raw.inputFormat)) {
      throw new UsageError(`--input-format: '${raw.inputFormat}' is not one of ${INPUT_FORMATS.join(', ')}`);
    }
    inputFormat = raw.inputFormat as InputFormat;
  }
  const tz = raw.tz === undefined ? 'UTC' : checkTimeZone(raw.tz);
  let year: number | undefined;
  if (raw.year !== undefined) {
    if (!/^\d{4}$/.test(raw.year) || Number(raw.year) < 1970 || Number(raw.year) > 2200) throw new UsageError(`--year: '${raw.year}' is not a year (YYYY)`);
    year = Number(raw.year);
  }
  let dateOrder: 'dmy' | 'mdy' | undefined;
  if (raw.dateOrder !== undefined) {
    if (raw.dateOrder !== 'dmy' && raw.dateOrder !== 'mdy') throw new UsageError(`--date-order: '${raw.dateOrder}' is not dmy or mdy`);
    dateOrder = raw.dateOrder;
  }
  const since = raw.since === undefined ? undefined : parseFlagTime('--since', raw.since);
  const until = raw.until === undefined ? undefined : parseFlagTime('--until', raw.until);
  if (since !== undefined && until !== undefined && since > until) throw new UsageError('--since is after --until');
  const maxInputBytes = raw.maxInputBytes === undefined ? DEFAULT_MAX_INPUT_BYTES : parseByteSize('--max-input-bytes', raw.maxInputBytes);
  let threads = threadsDefault === 'cores' ? Math.min(availableParallelism(), MAX_DEFAULT_THREADS) : 1;
  if (raw.threads !== undefined) {
    if (!/^\d{1,2}$/.test(raw.threads) || Number(raw.threads) < 1 || Number(raw.threads) > 64) throw new UsageError(`--threads: '${raw.threads}' is not a number from 1 to 64`);
    threads = Number(raw.threads);
  }
  const userRows = raw.signatures === undefined ? [] : await loadUserSignatures(raw.signatures);
  const classifier = createClassifier(userRows, `--signatures ${raw.signatures ?? ''}`.trim());
  return {
    read: { tz, year, dateOrder, inputFormat, maxInputBytes, classifier, threads, progress: createProgress(process.stderr, raw.quiet === true) },
    since, until, tzGiven: raw.tz !== undefined, quiet: raw.quiet === true,
  };
}

export function parseClasses(values: string[] | undefined): Set<BounceClass> | undefined {
  const list = splitList(values);
  if (list.length === 0) return undefined;
  for (const c of list) {
    if (!(BOUNCE_CLASSES as readonly string[]).includes(c)) throw new UsageError(`--class: '${c}' is not one of ${BOUNCE_CLASSES.join(', ')}`);
  }
  return new Set(list as BounceClass[]);
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag}: '${value}' is not one of ${choices.join(', ')}`);
  return value as T;
}
