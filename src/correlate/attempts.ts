/**
 * Records → attempts (DESIGN.md § One attempt, several records). The same refusal often shows in
 * several inputs: the relay's `status=bounced`, the receiving server's NOQUEUE line, the DSN the
 * sender got. Records of one recipient with the same Message-ID or queue id and the same status
 * within 10 minutes are one attempt. A record without either id (a NOQUEUE line) joins an attempt
 * of the same sender and status in the window: the receiving side never saw the sender's ids.
 */

import type { BounceClass, HostRef, Outcome } from '../types.js';

export const ATTEMPT_WINDOW_MS = 10 * 60_000;

/** A refusal record as the correlator keeps it: small, and only for refusal classes. */
export interface Refusal {
  time: number;
  class: BounceClass;
  outcome: Outcome;
  status?: string;
  smtpCode?: string;
  host: HostRef;
  messageId?: string;
  queueId?: string;
  sender?: string;
  diagnostic?: string;
  /** Where it was read (see sourceOf): the file name shared by the records of one input. */
  file: string;
  line: number;
  legacyDn: boolean;
}

export interface Attempt {
  first: number;
  last: number;
  records: Refusal[];
}

/** `file:line`, as findings name their sources. */
export function sourceOf(r: Refusal): string {
  return `${r.file}:${r.line}`;
}

function statusKey(r: Refusal): string {
  return r.status ?? r.smtpCode ?? r.class;
}

function shareId(a: Refusal, b: Refusal): boolean {
  if (a.messageId && b.messageId) return a.messageId === b.messageId;
  if (a.queueId && b.queueId && a.queueId === b.queueId) return true;
  const aIds = a.messageId !== undefined || a.queueId !== undefined;
  const bIds = b.messageId !== undefined || b.queueId !== undefined;
  // Only a record without ids joins by sender: two records that both carry ids and differ are two attempts.
  return (!aIds || !bIds) && a.sender !== undefined && a.sender === b.sender;
}

/** Merge one recipient's refusals (any order) into attempts, in time order. */
export function mergeAttempts(refusals: readonly Refusal[]): Attempt[] {
  const sorted = [...refusals].sort((a, b) => a.time - b.time || sourceOf(a).localeCompare(sourceOf(b)));
  const attempts: Attempt[] = [];
  for (const r of sorted) {
    let target: Attempt | undefined;
    for (let i = attempts.length - 1; i >= 0; i--) {
      const a = attempts[i]!;
      if (r.time - a.first > ATTEMPT_WINDOW_MS) break;
      if (a.records.some((x) => statusKey(x) === statusKey(r) && shareId(x, r))) { target = a; break; }
    }
    if (target) {
      target.records.push(r);
      target.last = r.time;
    } else {
      attempts.push({ first: r.time, last: r.time, records: [r] });
    }
  }
  return attempts;
}
