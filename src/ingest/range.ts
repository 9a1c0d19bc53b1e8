/**
 * Reading one byte range of a log apart from the lines before it (ingest/parallel): what a reader
 * is told about the state at the range's start, and what it leaves for the merge, which carries
 * the state across and rebuilds the few events that depended on lines before the range.
 */

import type { DeliveryEvent } from '../types.js';
import type { EventParts } from './event.js';
import type { DeferredOp, DeferredRecipient, QueueEntry } from './postfix-queue.js';
import type { ClockState } from './syslog.js';

/** An event built with the queue entry of the range alone; the merge fills in what was missing. */
export interface EventFix {
  kind: 'event';
  /** The queue key, spelled out (`host|instance|queueId`). */
  key: string;
  parts: EventParts;
  needSender: boolean;
  needMessageId: boolean;
}

/** qmgr expired a message whose deferred recipients may have been logged before the range. */
export interface ExpiryFix {
  kind: 'expired';
  key: string;
  /** Changes to its deferred recipients in the range, up to this line. */
  ops: DeferredOp[];
  time: number;
  host: string;
  line: number;
  queueId: string;
  from: string;
  /** The Message-ID logged in the range, if any. */
  messageId?: string;
}

export type RangeFix = EventFix | ExpiryFix;

/** A queue entry as the range left it (see RangeQueue). */
export interface RangeEntry {
  key: string;
  /** Removed and opened again in the range: what came before does not matter. */
  fresh: boolean;
  sender?: string;
  messageId?: string;
  /** Fresh entries only: their deferred recipients. */
  deferred?: DeferredRecipient[];
}

/** The Postfix queue at a range's end, for the merge. */
export interface RangeQueueState {
  /** Keys removed in the range before any removal of them there (they may have been opened before). */
  removedOpen: string[];
  entries: RangeEntry[];
  /** Changes to the deferred recipients of keys not removed in the range. */
  deferredOps: [string, DeferredOp[]][];
  peak: number;
}

export interface RangeRead {
  /** The clock state assumed at the start: the latest merged range's end (absent: as a file's first line). */
  clockStart?: ClockState;
  /** Events built with missing state, by identity: the merge rebuilds them. */
  fixes: Map<DeliveryEvent, RangeFix>;
  /** Set when the range cannot be read apart (an Exim line: its message state is not carried). */
  anomaly?: string;
  /** Filled at the end of the range. */
  clockFirst?: { month: number; year: number; state: ClockState };
  clockEnd?: ClockState;
  queue?: RangeQueueState;
}

/** Where a reader resumes in the middle of a log, with the state the lines before left. */
export interface ResumeState {
  clock?: ClockState;
  /** Postfix queue entries by spelled-out key, oldest first. */
  queue: Map<string, QueueEntry>;
}
