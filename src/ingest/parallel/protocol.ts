/** Messages between the main thread and the range workers (index.ts, worker.ts). */

import type { DeliveryEvent, HostRef } from '../../types.js';
import type { RangeFix, RangeQueueState } from '../range.js';
import type { InputStats } from '../reader.js';
import type { ClockState } from '../syslog.js';
import type { RangeClock } from './merge.js';

export type ToWorker =
  /** Read the range that starts at the line start at or after `from` and ends at the one at or after `to`. */
  | { type: 'range'; index: number; from: number; to: number; clockStart?: ClockState }
  /** The number of the range's first line (known once the ranges before it were counted). */
  | { type: 'first'; index: number; line: number }
  /** A piece of output the main thread has written: its buffer, to fill again (see ByteSink). */
  | { type: 'piece'; buffer: ArrayBuffer };

/**
 * A range's deliveries and events in line order (analyze). Strings the correlator looks up per
 * delivery come once per range: domains by index into `strings`, hosts into `hostTable`.
 */
export interface DeliveryRun {
  /** Per item in line order: 0 a delivery (the next of the columns below), 1 the next of `events`. */
  order: Uint8Array;
  /** Delivery columns, one entry per delivery. */
  times: Float64Array;
  recipients: string[];
  domains: Int32Array;
  hosts: Int32Array;
  legacy: Uint8Array;
  strings: string[];
  hostTable: HostRef[];
  events: (DeliveryEvent | RangeFix)[];
}

export interface RangeResult {
  /** The export's text as UTF-8 and, in line order between the pieces, the events the merge rebuilds (events). */
  items?: (Uint8Array | RangeFix)[];
  /** Deliveries and events (analyze). */
  deliveries?: DeliveryRun;
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
