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

export class PostfixQueue {
  private readonly entries = new Map<string, QueueEntry>();
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
        this.evicted++;
      }
      e = {};
      this.entries.set(key, e);
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

  remove(key: string): void {
    this.entries.delete(key);
  }
}
