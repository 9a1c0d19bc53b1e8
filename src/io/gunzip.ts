/**
 * A gzip file inflated on a worker thread into a ring of shared memory (gunzip-worker.ts), its
 * bytes handed on in chunks that are views of the ring. Inflated here, every megabyte of output
 * was a fresh buffer, and the memory they held outside the heap made V8 run a full collection six
 * times as often as for the plain file (78 against 13 on a 1 GB log; bench/NOTES.md, session 12):
 * with the ring, this thread allocates nothing per chunk, and inflating runs beside the reading.
 */

import { Worker } from 'node:worker_threads';
import { READ_CHUNK_BYTES } from '../limits.js';

/** Slots of the ring: a chunk handed on stays valid until the chunk two after it is asked for (as readChunks' do), and the worker fills the rest meanwhile. */
const SLOTS = 6;

export interface GunzipSetup {
  path: string;
  ring: SharedArrayBuffer;
  slots: number;
  slotBytes: number;
}

/** From the worker: a slot filled, the end, or the error that ended it; `raw` is the compressed bytes read so far. */
export type FromGunzip =
  | { kind: 'slot'; slot: number; length: number; raw: number }
  | { kind: 'done'; raw: number }
  | { kind: 'failed'; raw: number; code?: string; message: string };

/**
 * The inflated bytes of the gzip file at `path`, in chunks of up to READ_CHUNK_BYTES. A chunk's
 * bytes are overwritten when the consumer asks for the chunk two after it. `onRaw` is told the
 * compressed bytes read, as they are. Errors come as the stream's would (with their `code`).
 */
export async function* inflateOnWorker(path: string, onRaw?: (bytes: number) => void): AsyncGenerator<Buffer> {
  const setup: GunzipSetup = { path, ring: new SharedArrayBuffer(SLOTS * READ_CHUNK_BYTES), slots: SLOTS, slotBytes: READ_CHUNK_BYTES };
  const data = Buffer.from(setup.ring);
  const worker = new Worker(new URL('./gunzip-worker.js', import.meta.url), { workerData: setup });
  const inbox: FromGunzip[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const woken = (): void => { wake?.(); wake = undefined; };
  worker.on('message', (m: FromGunzip) => { inbox.push(m); woken(); });
  worker.on('error', (err) => { failure = err; woken(); });
  worker.on('exit', (code) => { failure ??= new Error(`the gzip worker exited (${code}) before the end`); woken(); });
  /** Slots handed on and not yet given back (the last two). */
  const held: number[] = [];
  let raw = 0;
  try {
    for (;;) {
      while (!inbox.length && !failure) await new Promise<void>((resolve) => { wake = resolve; });
      const m = inbox.shift();
      if (!m) throw failure!;
      if (onRaw && m.raw > raw) onRaw(m.raw - raw);
      raw = Math.max(raw, m.raw);
      if (m.kind === 'done') return;
      if (m.kind === 'failed') throw Object.assign(new Error(m.message), { code: m.code });
      held.push(m.slot);
      if (held.length > 2) worker.postMessage(held.shift());
      yield data.subarray(m.slot * setup.slotBytes, m.slot * setup.slotBytes + m.length);
    }
  } finally {
    await worker.terminate();
  }
}
