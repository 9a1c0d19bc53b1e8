/**
 * Joining the ranges of a log read apart (see index.ts), in order: the clock and queue state
 * carried from one range to the next, the events rebuilt that needed it, the counters added up.
 * Each function says when a range's own reading was not what reading in order would have given;
 * the caller then reads from that range on in order.
 */

import type { Classifier } from '../../classify/classify.js';
import type { DeliveryEvent } from '../../types.js';
import { buildEvent } from '../event.js';
import { expiredEvents } from '../postfix.js';
import { applyDeferredOps, type QueueEntry } from '../postfix-queue.js';
import { deleteKeys, type RangeFix, type RangeQueueState } from '../range.js';
import { addOther, MAX_OTHER_PROGRAMS, MORE_PROGRAMS, type InputStats } from '../reader.js';
import { clockStep, type ClockState } from '../syslog.js';
import { MAX_QUEUE_ENTRIES } from '../../limits.js';

/** The state reading in order has at a range's start. */
export interface CarriedState {
  clock?: ClockState;
  /** Postfix queue entries by spelled-out key, oldest first. */
  queue: Map<string, QueueEntry>;
}

/** What a range's clock did, as its reader reports it (see RangeRead). */
export interface RangeClock {
  start?: ClockState;
  first?: { month: number; year: number; state: ClockState };
  end?: ClockState;
}

/**
 * The clock state after the range, and whether the range's years are those of reading in order
 * (not `ok`: it assumed a state at its start, and its first line would have had another year or
 * left another state). A range that read no BSD timestamp leaves the state as it found it.
 */
export function carryClock(before: ClockState | undefined, range: RangeClock): { ok: boolean; after: ClockState | undefined } {
  if (!range.first) return { ok: true, after: before };
  if (before === undefined) return { ok: range.start === undefined, after: range.end };
  if (range.start === undefined) return { ok: false, after: undefined };
  const step = clockStep(before, range.first.month);
  const ok = step.year === range.first.year && step.next.year === range.first.state.year && step.next.lastMonth === range.first.state.lastMonth;
  return { ok, after: range.end };
}

/** False when the queue might have reached its cap (evicting entries) had the range been read in order. */
export function queueStaysUnderCap(before: CarriedState, range: RangeQueueState | undefined, cap = MAX_QUEUE_ENTRIES): boolean {
  return range === undefined || before.queue.size + range.peak < cap;
}

/** The queue after the range: `before` changed as reading the range in order would have changed it. */
export function carryQueue(queue: Map<string, QueueEntry>, range: RangeQueueState | undefined): void {
  if (!range) return;
  deleteKeys(queue, range.removed);
  for (const e of range.entries) {
    // A fresh entry replaces the one before (removed above) at the end; another adds to it in its
    // place, or is new at the end (Map#set keeps an existing key's place).
    const entry: QueueEntry = (!e.fresh && queue.get(e.key)) || {};
    if (e.sender !== undefined) entry.sender = e.sender;
    if (e.messageId !== undefined) entry.messageId = e.messageId;
    if (e.deferred) entry.deferred = new Map(e.deferred.map((d) => [d.recipient, d]));
    queue.set(e.key, entry);
  }
  for (const [key, ops] of range.deferredOps) {
    const entry = queue.get(key);
    if (entry) applyDeferredOps(entry, ops);
  }
}

/**
 * The events of a fix, with the queue as it was at the range's start (the fix's line saw it
 * through the range's own changes, which the fix carries).
 */
export function resolveFix(fix: RangeFix, queue: ReadonlyMap<string, QueueEntry>, file: string, classifier: Classifier): DeliveryEvent[] {
  const before = queue.get(fix.key);
  if (fix.kind === 'event') {
    const parts = { ...fix.parts };
    if (fix.needSender) parts.sender = before?.sender;
    if (fix.needMessageId) parts.messageId = before?.messageId;
    return [buildEvent(parts, classifier)];
  }
  const entry: QueueEntry = { deferred: before?.deferred ? new Map(before.deferred) : undefined };
  applyDeferredOps(entry, fix.ops);
  const pending = entry.deferred ? [...entry.deferred.values()] : [];
  return expiredEvents(pending, {
    time: fix.time, host: fix.host, file, line: fix.line, queueId: fix.queueId, from: fix.from, messageId: fix.messageId ?? before?.messageId,
  }, classifier);
}

/** Counters of an expiry fix: the range counted its stand-in as one event; the fix has `n`. */
export function recountExpiry(stats: InputStats, n: number): void {
  stats.eventRecords--;
  stats.events--;
  if (n === 0) stats.nonEvents++;
  else { stats.eventRecords++; stats.events += n; }
}

/** False when a range's counters cannot be added up as reading in order would have counted them. */
export function statsAddUp(range: InputStats): boolean {
  return !(MORE_PROGRAMS in range.other) && Object.keys(range.other).length < MAX_OTHER_PROGRAMS;
}

/** Add a range's counters to the input's, in order (over-long lines are counted with the input's line counters). */
export function addStats(total: InputStats, range: InputStats): void {
  total.records += range.records;
  total.eventRecords += range.eventRecords;
  total.events += range.events;
  total.nonEvents += range.nonEvents;
  for (const [k, n] of Object.entries(range.nonEventKinds)) total.nonEventKinds[k] = (total.nonEventKinds[k] ?? 0) + n;
  total.blank += range.blank;
  for (const [k, n] of Object.entries(range.other)) addOther(total, k, n);
  total.unrecognised += range.unrecognised;
  if (total.firstUnrecognised === undefined) total.firstUnrecognised = range.firstUnrecognised;
  total.notices.push(...range.notices);
  for (const [k, n] of Object.entries(range.capped)) total.capped[k] = (total.capped[k] ?? 0) + n;
}
