/**
 * A worker thread inflating one gzip file into the slots of a shared ring (see gunzip.ts): a slot
 * at a time, each handed to the main thread with a message, and filled again when it comes back.
 */

import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { READ_CHUNK_BYTES } from '../limits.js';
import type { FromGunzip, GunzipSetup } from './gunzip.js';

const { path, ring, slots, slotBytes } = workerData as GunzipSetup;
const port = parentPort!;
const data = Buffer.from(ring);
const free: number[] = Array.from({ length: slots }, (_, i) => i);
let wake: (() => void) | undefined;
port.on('message', (slot: number) => {
  free.push(slot);
  wake?.();
  wake = undefined;
});

async function freeSlot(): Promise<number> {
  while (!free.length) await new Promise<void>((resolve) => { wake = resolve; });
  return free.shift()!;
}

const post = (m: FromGunzip): void => port.postMessage(m);

async function inflate(): Promise<void> {
  let raw = 0;
  let slot = await freeSlot();
  let filled = 0;
  const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
  input.on('data', (chunk) => { raw += chunk.length; });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const out of gunzip as AsyncIterable<Buffer>) {
      for (let at = 0; at < out.length;) {
        const n = Math.min(out.length - at, slotBytes - filled);
        out.copy(data, slot * slotBytes + filled, at, at + n);
        filled += n;
        at += n;
        if (filled === slotBytes) {
          post({ kind: 'slot', slot, length: filled, raw });
          slot = await freeSlot();
          filled = 0;
        }
      }
    }
    if (filled) post({ kind: 'slot', slot, length: filled, raw });
    post({ kind: 'done', raw });
  } catch (err) {
    // What was inflated before the damage goes first, as the stream gave it.
    if (filled) post({ kind: 'slot', slot, length: filled, raw });
    const e = err as NodeJS.ErrnoException;
    post({ kind: 'failed', raw, code: e.code, message: String(e.message ?? err) });
  } finally {
    input.destroy();
  }
}

await inflate();
port.close();
