/**
 * A gzip file over PREFETCH_MAX_BYTES is inflated on a worker thread into a shared ring
 * (src/io/gunzip.ts): the bytes, the errors, the progress and the early stop must be those of
 * inflating on this thread (smaller files and stdin still are).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';
import { InputError, LimitError } from '../../src/errors.js';
import { openInput, PREFETCH_MAX_BYTES } from '../../src/io/open.js';
import { READ_CHUNK_BYTES } from '../../src/limits.js';
import { tempDir } from '../helpers/paths.js';

/** Syslog-like lines that compress poorly (random hex), from a fixed seed: `lines` of them. */
function noisyLog(lines: number): Buffer {
  let seed = 11;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`Nov 27 08:00:${String(i % 60).padStart(2, '0')} relay1 postfix/smtp[71]: ${rand().toString(16)}${rand().toString(16)}: to=<u${rand().toString(36)}@example.com>, status=sent`);
  return Buffer.from(out.join('\n') + '\n');
}

/** What inflating `gz` on this thread gives before it stops, and whether it failed. */
async function inflateHere(gz: Buffer): Promise<{ bytes: Buffer; failed: boolean }> {
  const gunzip = createGunzip();
  const parts: Buffer[] = [];
  const done = new Promise<boolean>((resolve) => {
    gunzip.on('data', (b: Buffer) => parts.push(b));
    gunzip.on('end', () => resolve(false));
    gunzip.on('error', () => resolve(true));
  });
  gunzip.end(gz);
  const failed = await done;
  return { bytes: Buffer.concat(parts), failed };
}

async function readAll(file: string, maxBytes = Number.MAX_SAFE_INTEGER, onBytes?: (n: number) => void): Promise<{ bytes: Buffer; error?: unknown }> {
  const opened = await openInput({ name: file, path: file, explicit: true }, maxBytes, undefined, onBytes);
  assert.equal(opened.compressed, true);
  const parts: Buffer[] = [];
  try {
    // Copied: a chunk's bytes are the ring's, overwritten two chunks later.
    for await (const chunk of opened.chunks) parts.push(Buffer.from(chunk));
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
  return { bytes: Buffer.concat(parts) };
}

test('a large gzip file inflated on a worker: the same bytes, every compressed byte counted once', async () => {
  const dir = tempDir('bl-gunzip-');
  const text = noisyLog(140_000);
  const file = path.join(dir, 'mail.log.gz');
  // Two members, as `cat a.gz b.gz` makes: both are read.
  writeFileSync(file, Buffer.concat([gzipSync(text.subarray(0, 5_000_000)), gzipSync(text.subarray(5_000_000))]));
  assert.ok(statSync(file).size > 2 * PREFETCH_MAX_BYTES, 'over what is read whole');
  let counted = 0;
  const { bytes, error } = await readAll(file, undefined, (n) => { counted += n; });
  assert.equal(error, undefined);
  assert.ok(bytes.length > 10 * READ_CHUNK_BYTES, `${bytes.length} bytes: many chunks, round the ring`);
  assert.ok(bytes.equals(text), 'the bytes as written');
  assert.equal(counted, statSync(file).size);
});

test('a large gzip file cut short or damaged: the bytes before the damage, then the one-line error', async () => {
  const dir = tempDir('bl-gunzip-');
  const text = noisyLog(60_000);
  const whole = gzipSync(text);
  const cut = path.join(dir, 'cut.log.gz');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.7)));
  const damaged = path.join(dir, 'damaged.log.gz');
  const bad = Buffer.from(whole);
  bad.fill(0xa5, Math.floor(bad.length * 0.6), Math.floor(bad.length * 0.6) + 64);
  writeFileSync(damaged, bad);
  for (const [file, gz] of [[cut, whole.subarray(0, Math.floor(whole.length * 0.7))], [damaged, bad]] as const) {
    const { bytes, error } = await readAll(file);
    assert.ok(error instanceof InputError, `${file}: ${String(error)}`);
    assert.equal(error.message, `${file}: gzip data is truncated or corrupt; events before the damage were read`);
    assert.ok(bytes.length > 2 * READ_CHUNK_BYTES, `${file}: ${bytes.length} bytes before the damage`);
    // The start of what inflating on this thread gives before it fails: a stream read as an
    // iterator (as the worker's, and this thread's for a file read in chunks) stops at its error,
    // leaving what it had inflated and not yet handed on.
    const here = await inflateHere(gz);
    assert.equal(here.failed, true);
    assert.ok(here.bytes.subarray(0, bytes.length).equals(bytes), `${file}: ${bytes.length} bytes, the start of the ${here.bytes.length} inflated here`);
  }
});

test('a large gzip file stopped at --max-input-bytes: the bytes up to the cap', async () => {
  const dir = tempDir('bl-gunzip-');
  const text = noisyLog(60_000);
  const file = path.join(dir, 'mail.log.gz');
  writeFileSync(file, gzipSync(text));
  const cap = 3 * READ_CHUNK_BYTES + 12_345;
  // (A worker not let go would keep this file's process from ending: not asserted, the run would hang.)
  const { bytes, error } = await readAll(file, cap);
  assert.ok(error instanceof LimitError, String(error));
  assert.ok(text.subarray(0, cap).equals(bytes));
});

test('a chunk from the ring stays as it was until the chunk two after it is asked for', async () => {
  // The contract of readChunks, which the line splitter and `peek` rely on: here the worker has
  // every other slot to fill meanwhile, and a slot given back too early would be filled again.
  const dir = tempDir('bl-gunzip-');
  const file = path.join(dir, 'mail.log.gz');
  writeFileSync(file, gzipSync(noisyLog(120_000)));
  const opened = await openInput({ name: file, path: file, explicit: true }, Number.MAX_SAFE_INTEGER);
  const it = opened.chunks[Symbol.asyncIterator]();
  const first = (await it.next()).value as Buffer;
  const kept = Buffer.from(first);
  await it.next();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(first.equals(kept), 'the first chunk, while the second is read');
  await it.return?.();
});
