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
  /** Keys removed in the range (they may have been opened before it): the merge deletes them. */
  removed: KeySet;
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

/**
 * Keys as the merge looks them up: their UTF-8 bytes, each between newlines (`\nk1\nk2\n`; a key,
 * of one log line, has none), and a hash of each. A range removes some 2,400 keys, of which the
 * queue carried to it holds a few: sent as strings they were most of the main thread's work
 * (collecting them), so the merge tests the carried keys against the hashes and confirms a hit in
 * the bytes.
 */
export interface KeySet {
  bytes: Uint8Array;
  hashes: Int32Array;
}

/** FNV-1a over a key's UTF-16 code units. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}

export function keySet(keys: readonly string[]): KeySet {
  const hashes = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) hashes[i] = keyHash(keys[i]!);
  return { bytes: Buffer.from(keys.length ? `\n${keys.join('\n')}\n` : ''), hashes };
}

/** The keys of a set, in order. */
export function keysOf(set: KeySet): string[] {
  if (set.hashes.length === 0) return [];
  const text = Buffer.from(set.bytes.buffer, set.bytes.byteOffset, set.bytes.length).toString('utf8');
  return text.slice(1, -1).split('\n');
}

/** Deletes from `map` every key of `set`, looking up whichever of the two is smaller. */
export function deleteKeys(map: Map<string, unknown>, set: KeySet): void {
  const n = set.hashes.length;
  if (n === 0) return;
  if (map.size > n) {
    for (const key of keysOf(set)) map.delete(key);
    return;
  }
  const hashes = new Set(set.hashes);
  const bytes = Buffer.from(set.bytes.buffer, set.bytes.byteOffset, set.bytes.length);
  for (const key of map.keys()) if (hashes.has(keyHash(key)) && bytes.includes(`\n${key}\n`)) map.delete(key);
}

