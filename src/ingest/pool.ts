/**
 * Worker threads for bounce files: each job is one small file (already read into memory) that the
 * main thread detected as a bounce message; the worker runs the same `readInput` on it and sends
 * back its events, counters and errors. Jobs go to the least-loaded worker; results come back as
 * promises the caller takes in input order.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InputSource } from '../io/inputs.js';
import type { Prefetched } from '../io/open.js';
import type { Signature } from '../classify/compile.js';
import type { DeliveryEvent } from '../types.js';
import type { ReadEnv, ReadEventsOptions } from './index.js';
import type { InputStats } from './reader.js';

/**
 * Below this many inputs, starting workers (each loads the MIME parser, ~0.4 s of CPU) costs more
 * than it saves: on 2 cores the 468-file corpus took 1.9 s pooled against 1.4 s without.
 */
export const POOL_MIN_FILES = 1000;
/** Jobs in flight ahead of the one the caller waits for: bounds memory, keeps workers busy. */
export const POOL_WINDOW = 64;

const JOBS_PER_WORKER = 8;

export interface PoolResult {
  stats?: InputStats;
  events: DeliveryEvent[];
  errors: { file: string; reason: string }[];
  skipped: string[];
}

export interface WorkerSetup {
  options: Omit<ReadEventsOptions, 'classifier' | 'progress'>;
  userRows: readonly Signature[];
  where: string;
}

export interface Job { id: number; source: InputSource; prefetched: Prefetched }

interface Pool {
  read(source: InputSource, prefetched: Prefetched): Promise<PoolResult>;
  close(): Promise<void>;
}

/**
 * Workers to start: `BOUNCELENS_WORKERS` (0 turns the pool off), else one per core but one, as the
 * main thread reads the files and writes the output (on 2 cores, 5,000 messages: 1 worker 4.1 s,
 * 2 workers 4.3 s, none 4.6 s).
 */
function workerCount(): number {
  const set = process.env.BOUNCELENS_WORKERS;
  if (set !== undefined && /^\d+$/.test(set)) return Number(set);
  return Math.max(1, availableParallelism() - 1);
}

export function openPool(env: ReadEnv): Pool | undefined {
  const size = workerCount();
  if (size < 1) return undefined;
  // Functions do not cross to a worker; the main thread reports the progress of pooled files.
  const { classifier: _classifier, progress: _progress, ...options } = env.options;
  const setup: WorkerSetup = { options, userRows: env.classifier.userRows, where: '--signatures' };
  const workers: Worker[] = [];
  const load = new Map<Worker, number>();
  const queue: Job[] = [];
  const waiting = new Map<number, { resolve: (r: PoolResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;

  // Each worker holds a few jobs at once: waiting for one round trip per message left the
  // workers idle a third of the time (profiled on a 5,000-message Maildir).
  const dispatch = (): void => {
    while (queue.length) {
      let best: Worker | undefined;
      for (const w of workers) if (load.get(w)! < JOBS_PER_WORKER && (!best || load.get(w)! < load.get(best)!)) best = w;
      if (!best) return;
      load.set(best, load.get(best)! + 1);
      best.postMessage(queue.shift());
    }
  };
  for (let i = 0; i < size; i++) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
    w.on('message', (msg: { id: number; result: PoolResult }) => {
      const job = waiting.get(msg.id);
      waiting.delete(msg.id);
      job?.resolve(msg.result);
      load.set(w, load.get(w)! - 1);
      dispatch();
    });
    w.on('error', (err) => {
      for (const j of waiting.values()) j.reject(err);
      waiting.clear();
    });
    workers.push(w);
    load.set(w, 0);
  }
  return {
    read(source, prefetched) {
      const id = nextId++;
      return new Promise<PoolResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        queue.push({ id, source, prefetched });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
