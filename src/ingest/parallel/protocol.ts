/** Messages between the main thread and the range workers (index.ts, worker.ts). */

import type { RangeFix, RangeQueueState } from '../range.js';
import type { InputStats } from '../reader.js';
import type { ClockState } from '../syslog.js';
import type { RangeClock } from './merge.js';

export type ToWorker =
  /** Read the range that starts at the line start at or after `from` and ends at the one at or after `to`. */
  | { type: 'range'; index: number; from: number; to: number; clockStart?: ClockState }
  /** The number of the range's first line (known once the ranges before it were counted). */
  | { type: 'first'; index: number; line: number }
  | { type: 'close' };

export interface RangeResult {
  /** The export's text as UTF-8 and, in line order between the pieces, the events the merge rebuilds. */
  items: (Uint8Array | RangeFix)[];
  stats: InputStats;
  /** Why the range must be read in order instead. */
  anomaly?: string;
  bytes: number;
  clock: RangeClock;
  queue?: RangeQueueState;
}

export type FromWorker =
  | { type: 'lines'; index: number; count: number; start: number; end: number; tooLong?: boolean }
  | { type: 'done'; index: number; result: RangeResult }
  | { type: 'failed'; index: number; message: string };
