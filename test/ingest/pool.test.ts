/**
 * Bounce files read on worker threads (src/ingest/pool.ts) give byte-identical output to the
 * single-thread path: the same events in the same order, the same counters and errors on stderr.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { POOL_MIN_FILES } from '../../src/ingest/pool.js';
import { CLI, fixture } from '../helpers/paths.js';
import { tmp } from '../hostile/helpers.js';

test(`a Maildir of ${POOL_MIN_FILES} files: pooled and single-thread output are identical`, () => {
  const dir = path.join(tmp(), 'cur');
  mkdirSync(dir);
  const sources = readdirSync(fixture('dsn')).filter((f) => f.endsWith('.eml')).map((f) => fixture('dsn', f));
  for (let i = 0; i < POOL_MIN_FILES; i++) copyFileSync(sources[i % sources.length]!, path.join(dir, `${String(i).padStart(5, '0')}.eml`));
  // Among them: a file that is not a bounce, an empty one, and a log line (read on the main thread).
  writeFileSync(path.join(dir, '00001.eml'), 'From: a@example.com\nTo: b@example.com\nSubject: lunch\n\nSee you at noon.\n');
  writeFileSync(path.join(dir, '00002.eml'), '');
  writeFileSync(path.join(dir, '00003.eml'), 'Nov 27 10:00:00 mx postfix/smtp[1]: ABC123: to=<x@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n');
  const runWith = (workers: string) => spawnSync(process.execPath, [CLI, 'events', '--year', '2024', dir], { env: { ...process.env, BOUNCELENS_WORKERS: workers }, encoding: 'utf8' });
  const single = runWith('0');
  const pooled = runWith('2');
  assert.equal(single.status, 0, single.stderr);
  const lines = single.stdout.trim().split('\n');
  assert.ok(lines.length >= POOL_MIN_FILES - 3, `${lines.length} events`);
  const files = lines.map((l) => (JSON.parse(l) as { origin: { file: string } }).origin.file);
  assert.deepEqual(files, [...files].sort(), 'events in input order');
  assert.ok(lines.some((l) => l.includes('"source":"postfix"') && l.includes('00003.eml')), 'the log file is read too');
  assert.equal(pooled.stdout, single.stdout);
  assert.equal(pooled.stderr, single.stderr);
  assert.equal(pooled.status, single.status);
});
