/**
 * The line scan of a log read in order, up to two bodies ahead on a worker thread. `analyze` reads
 * a log in order on one thread, and the WebAssembly scan of its lines was a third of that thread's
 * time; the scan of a body depends only on its bytes (ScanSession.body resets the scanner before
 * each), so a worker scans the next bodies while this thread applies the records of one before. What
 * stays here: the ledger's lookups of the deliveries' recipients (the ledger is this thread's,
 * `resolveSent`), and the whole scan of a body whenever the queue might be too full for its
 * whole messages to be left out (ELIDE; ScanSession.body checks).
 */

import { Worker } from 'node:worker_threads';
import type { Prescan } from './postfix-fast.js';

export interface PrescanRequest {
  id: number;
  /** The body in the first `length` bytes of `buffer` (handed back with the reply, for the next body). */
  buffer: ArrayBuffer;
  length: number;
  flags: number;
  maxBytes: number;
}

export type PrescanReply = { id: number; buffer: ArrayBuffer } & ({ scan: Prescan; error?: undefined } | { error: string; scan?: undefined });

/**
 * A body's scan, and the body's bytes as the worker handed them back: the caller reads the body
 * from these (the chunk it was cut from may be overwritten by then, two chunks on) and gives them
 * back with `release`.
 */
export interface Prescanned {
  scan: Prescan;
  bytes: Buffer;
}

export class Prescanner {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { length: number; resolve: (p: Prescanned) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;
  /**
   * Buffers the worker handed back: a body is copied into one and moved there, not cloned (a fresh
   * megabyte a body, zeroed and freed, was most of this thread's cost of the prescan).
   */
  private readonly buffers: ArrayBuffer[] = [];

  constructor(private readonly maxBytes: number) {
    this.worker = new Worker(new URL('./prescan-worker.js', import.meta.url));
    this.worker.on('message', (m: PrescanReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) {
        this.buffers.push(m.buffer);
        w.reject(new Error(`line scan worker: ${m.error}`));
      } else {
        w.resolve({ scan: m.scan, bytes: Buffer.from(m.buffer, 0, w.length) });
      }
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the line scan worker exited (${code})`)));
  }

  /** The scan of `bytes` (at most maxBytes; a copy is sent, the caller keeps its buffer) with `flags`. */
  scan(bytes: Uint8Array, flags: number): Promise<Prescanned> {
    const id = this.next++;
    const buffer = this.buffers.pop() ?? new ArrayBuffer(this.maxBytes);
    new Uint8Array(buffer, 0, bytes.length).set(bytes);
    const request: PrescanRequest = { id, buffer, length: bytes.length, flags, maxBytes: this.maxBytes };
    const answer = new Promise<Prescanned>((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.waiting.set(id, { length: bytes.length, resolve, reject });
    });
    if (!this.failure) this.worker.postMessage(request, [buffer]);
    // A scan nobody waits for any more (reading stopped) must not fail the process when the worker goes.
    answer.catch(() => undefined);
    return answer;
  }

  /** The bytes of a Prescanned, read: their buffer carries the next body. */
  release(bytes: Buffer): void {
    this.buffers.push(bytes.buffer as ArrayBuffer);
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the line scan worker was closed');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
