/**
 * Per-queue-id state of a Postfix log: sender (qmgr `from=`) and Message-ID (cleanup), and the
 * recipients last deferred (to report them when qmgr expires the message). Freed on `removed`;
 * capped at MAX_QUEUE_ENTRIES (oldest evicted, evictions counted) so memory stays bounded on a log
 * cut before its `removed` lines.
 */

import { MAX_DEFERRED_PER_QUEUE, MAX_QUEUE_ENTRIES } from '../limits.js';

export interface DeferredRecipient {
  recipient: string;
  originalRecipient?: string;
  relay?: string;
  text?: string;
  dsn?: string;
}

export interface QueueEntry {
  sender?: string;
  messageId?: string;
  deferred?: Map<string, DeferredRecipient>;
}

/**
 * A key's last four characters as a 16-bit number: a queue id's tail, which the line scanner gives
 * with a REMOVED record without a string made (queueIdTail: the same number for the same characters).
 */
function tailOf(key: string): number {
  const n = key.length;
  return mixTail(key.charCodeAt(n - 1), key.charCodeAt(n - 2), key.charCodeAt(n - 3), key.charCodeAt(n - 4));
}

/** The tail number of the queue id in bytes [start, end), -1 when shorter than a tail: what the line scanner gives (assembly/postfix-scan.ts qidTail). */
export function queueIdTail(bytes: Uint8Array, start: number, end: number): number {
  return end - start < 4 ? -1 : mixTail(bytes[end - 1]!, bytes[end - 2]!, bytes[end - 3]!, bytes[end - 4]!);
}

function mixTail(a: number, b: number, c: number, d: number): number {
  return Math.imul((a & 0xff) | (b & 0xff) << 8 | (c & 0xff) << 16 | (d & 0xff) << 24, 0x9e3779b1) >>> 16;
}

export class PostfixQueue {
  private readonly entries = new Map<string, QueueEntry>();
  /**
   * Entries by their key's tail (tailOf): none under a tail means no key ends so, and a message
   * the scanner read whole then has nothing to remove — no key made for it (see mayHold).
   */
  private readonly tails = new Uint16Array(1 << 16);
  /**
   * A bit per tail, set while its count is not 0: what mayHold reads, for every message read whole.
   * The counts (128 KiB) were out of the cache at most of those reads; the bits (8 KiB) seldom are.
   */
  private readonly held = new Int32Array(1 << 11);
  evicted = 0;

  constructor(private readonly cap = MAX_QUEUE_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): QueueEntry | undefined {
    return this.entries.get(key);
  }

  upsert(key: string): QueueEntry {
    let e = this.entries.get(key);
    if (!e) {
      if (this.entries.size >= this.cap) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
        this.untail(oldest);
        this.evicted++;
      }
      e = {};
      this.entries.set(key, e);
      this.tail(key);
    }
    return e;
  }

  remember(key: string, d: DeferredRecipient): void {
    const e = this.upsert(key);
    e.deferred ??= new Map();
    if (e.deferred.size < MAX_DEFERRED_PER_QUEUE || e.deferred.has(d.recipient)) e.deferred.set(d.recipient, d);
  }

  forget(key: string, recipient: string): void {
    this.entries.get(key)?.deferred?.delete(recipient);
  }

  /** The recipients still deferred (qmgr expired the message): returned and forgotten. */
  takeDeferred(key: string): DeferredRecipient[] {
    const e = this.entries.get(key);
    const pending = e?.deferred ? [...e.deferred.values()] : [];
    if (e) e.deferred = undefined;
    return pending;
  }

  remove(key: string): void {
    if (this.entries.delete(key)) this.untail(key);
  }

  /** An entry of `key` counted under its tail. */
  private tail(key: string): void {
    const t = tailOf(key);
    if (this.tails[t]!++ === 0) this.held[t >>> 5]! |= 1 << (t & 31);
  }

  /** An entry of `key` gone from its tail's count. */
  private untail(key: string): void {
    const t = tailOf(key);
    if (--this.tails[t]! === 0) this.held[t >>> 5]! &= ~(1 << (t & 31));
  }

  /**
   * False when no entry's key ends in the queue id of tail number `tail` (queueIdTail, as the line
   * scanner gives it): a message it read whole then has no entry to remove, and its key need not be
   * made. True when one may (or the id is shorter than a tail: -1).
   */
  mayHold(tail: number): boolean {
    return tail < 0 || (this.held[tail >>> 5]! & (1 << (tail & 31))) !== 0;
  }

  /**
   * A message read as a whole by the line scanner: what its lines would have done — open or change
   * the entry, forget deferred recipients, remove it — comes to removing it. The caller makes sure
   * that no entry would have been evicted meanwhile (hasRoom).
   */
  removeWhole(key: string): void {
    this.remove(key);
  }

  /** True when `n` more entries fit under the cap. */
  hasRoom(n: number): boolean {
    return this.entries.size + n < this.cap;
  }

  /** Every entry, oldest first. */
  all(): IterableIterator<[string, QueueEntry]> {
    return this.entries.entries();
  }

  /** Entries read before (resuming in the middle of a log), oldest first; nothing is evicted. */
  load(entries: Iterable<[string, QueueEntry]>): void {
    for (const [k, e] of entries) {
      if (!this.entries.has(k)) this.tail(k);
      this.entries.set(k, e);
    }
  }
}

/**
 * A change to a queue entry's deferred recipients: one remembered (the recipient's record), one
 * forgotten (its address), all taken when qmgr expired the message (`null`). No tuple per change:
 * a range logs one for every delivery of the messages it has not seen opened.
 */
export type DeferredOp = DeferredRecipient | string | null;

/** Apply `ops` to `entry` as PostfixQueue would have, in order. */
export function applyDeferredOps(entry: QueueEntry, ops: readonly DeferredOp[]): void {
  for (const op of ops) {
    if (typeof op === 'string') {
      entry.deferred?.delete(op);
    } else if (op) {
      entry.deferred ??= new Map();
      if (entry.deferred.size < MAX_DEFERRED_PER_QUEUE || entry.deferred.has(op.recipient)) entry.deferred.set(op.recipient, op);
    } else {
      entry.deferred = undefined;
    }
  }
}

/**
 * The queue of a byte range read apart from the lines before it (ingest/parallel): entries opened
 * before the range are unknown here. A key is `cleared` once removed in the range — what came
 * before no longer matters for it. For the other keys the queue records what the merge needs to
 * carry the state across: their first removal, and every change to their deferred recipients
 * (kept on the entry, so that a message whole within the range costs no map of its own).
 */
export class RangeQueue extends PostfixQueue {
  /** Keys removed in the range, in the order of their first removal. */
  private readonly cleared = new Set<string>();
  /** Changes to the deferred recipients of keys not cleared that had no entry then. */
  private readonly looseOps = new Map<string, DeferredOp[]>();
  /** Most entries held at once (the merge checks that the whole queue stayed under its cap). */
  private most = 0;
  /** 1 once a whole message was removed: reading its lines would have held its entry too, one at a time. */
  private wholeSlack = 0;

  /** At least the most entries reading every line of the range would have held at once. */
  get peak(): number {
    return this.most + this.wholeSlack;
  }

  /** True when the entry of `key` is entirely of this range. */
  known(key: string): boolean {
    return this.cleared.has(key);
  }

  /** Keys removed while not cleared, in order: they may have been opened before the range. */
  get removedOpen(): string[] {
    return [...this.cleared];
  }

  /** Changes to the deferred recipients of keys not cleared, per key in order. */
  get deferredOps(): Map<string, DeferredOp[]> {
    const all = new Map(this.looseOps);
    for (const [k, e] of this.all()) {
      const ops = (e as RangeEntryState).ops;
      if (ops) all.set(k, [...(all.get(k) ?? []), ...ops]);
    }
    return all;
  }

  override upsert(key: string): QueueEntry {
    const e = super.upsert(key) as RangeEntryState;
    // Marked once, when made: changes to an entry opened after its key's removal are not logged.
    if (e.fresh === undefined) e.fresh = this.cleared.has(key);
    if (this.size > this.most) this.most = this.size;
    return e;
  }

  override remember(key: string, d: DeferredRecipient): void {
    super.remember(key, d);
    this.log(key, d);
  }

  /** One lookup: this runs for every delivery. */
  override forget(key: string, recipient: string): void {
    const e = this.get(key) as RangeEntryState | undefined;
    if (!e) {
      if (!this.cleared.has(key)) this.logLoose(key, recipient);
      return;
    }
    e.deferred?.delete(recipient);
    if (!e.fresh) (e.ops ??= []).push(recipient);
  }

  override takeDeferred(key: string): DeferredRecipient[] {
    const pending = super.takeDeferred(key);
    this.log(key, null);
    return pending;
  }

  override removeWhole(key: string): void {
    super.removeWhole(key);
    this.wholeSlack = 1;
  }

  /** Always: a range records every key it removes (the merge reads them), entry or not. */
  override mayHold(_tail: number): boolean {
    return true;
  }

  override remove(key: string): void {
    super.remove(key);
    const before = this.cleared.size;
    this.cleared.add(key);
    if (this.cleared.size !== before && this.looseOps.size) this.looseOps.delete(key);
  }

  /** The changes so far to the deferred recipients of `key` (not cleared). */
  opsOf(key: string): DeferredOp[] {
    return [...(this.looseOps.get(key) ?? []), ...((this.get(key) as RangeEntryState | undefined)?.ops ?? [])];
  }

  private log(key: string, op: DeferredOp): void {
    const e = this.get(key) as RangeEntryState | undefined;
    if (e) {
      if (!e.fresh) (e.ops ??= []).push(op);
    } else if (!this.cleared.has(key)) {
      this.logLoose(key, op);
    }
  }

  private logLoose(key: string, op: DeferredOp): void {
    const ops = this.looseOps.get(key);
    if (ops) ops.push(op);
    else this.looseOps.set(key, [op]);
  }
}

/** A queue entry of a range: opened after its key's removal (`fresh`), or with its changes logged. */
interface RangeEntryState extends QueueEntry {
  fresh?: boolean;
  ops?: DeferredOp[];
}
