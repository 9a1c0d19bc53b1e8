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
 * A range's deliveries and events in line order (analyze). Most deliveries come as the bytes of
 * their `to=<…>`, which the main thread's ledger numbers (DeliveryLedger.logged); those the parser
 * read come as strings. Strings the correlator looks up per delivery come once: domains once per
 * range, by index into `strings`, hosts once per thread (`newHosts`).
 */
export interface DeliveryRun {
  /** Per item in line order: a delivery (DELIVERY_BYTES, DELIVERY_STRING) or the next of `events` (EVENT). */
  order: Uint8Array;
  /** Per delivery of either kind: its time, its host (into the thread's table, see newHosts), its legacy DN (1) or not. */
  times: Float64Array;
  hosts: Int32Array;
  legacy: Uint8Array;
  /** Per delivery by string: its recipient, and its domain (into strings). */
  recipients: string[];
  domains: Int32Array;
  strings: string[];
  /** The `to=<…>` bytes of the deliveries by bytes, one after the other: the i-th ends at loggedEnds[i]. */
  logged: Uint8Array;
  loggedEnds: Int32Array;
  /**
   * The hosts first seen in this range, numbered on from the thread's earlier ranges' (`hosts`
   * indexes the thread's whole table); with `hostsRestart` the table starts afresh here.
   */
  newHosts: HostRef[];
  hostsRestart: boolean;
  events: (DeliveryEvent | RangeFix)[];
}

/** What an item of DeliveryRun.order is. */
export const DELIVERY_BYTES = 0, DELIVERY_STRING = 1, EVENT = 2;

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
