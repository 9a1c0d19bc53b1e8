/** A pool worker (pool.ts): reads the bounce files it is sent with the same `readInput` as the main thread. */

import { parentPort, workerData } from 'node:worker_threads';
import { createClassifier } from '../classify/classify.js';
import { errorMessage, InputError } from '../errors.js';
import type { DeliveryEvent } from '../types.js';
import { readInput, type ReadEnv } from './index.js';
import type { Job, PoolResult, WorkerSetup } from './pool.js';

const setup = workerData as WorkerSetup;
const classifier = createClassifier(setup.userRows, setup.where);

parentPort?.on('message', (job: Job) => {
  void (async () => {
    const env: ReadEnv = { options: setup.options, classifier, run: { shared: new Map() }, inputs: [], errors: [], skipped: [] };
    const events: DeliveryEvent[] = [];
    // A Buffer arrives as a plain Uint8Array.
    const { bytes } = job.prefetched;
    const prefetched = { ...job.prefetched, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    try {
      for await (const batch of readInput(job.source, prefetched, env)) events.push(...batch);
    } catch (err) {
      env.errors.push(new InputError(job.source.name, errorMessage(err)));
    }
    const result: PoolResult = {
      stats: env.inputs[0], events, skipped: env.skipped,
      errors: env.errors.map((e) => ({ file: e.file, reason: e.message.slice(e.file.length + 2) })),
    };
    parentPort!.postMessage({ id: job.id, result });
  })();
});
