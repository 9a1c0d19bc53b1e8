import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, formatBytes, progressLine } from '../../src/cli/progress.js';

test('progressLine: bytes of the total, rate and time left', () => {
  assert.equal(progressLine(312e6, 1e9, 6500), 'reading 312 MB / 1.0 GB (31 %)  48.0 MB/s  ETA 0:14');
  assert.equal(progressLine(5e6, 0, 1000), 'reading 5.0 MB  5.0 MB/s', 'stdin: no total, no ETA');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1536e6), '1.5 GB');
});

test('createProgress: nothing when stderr is not a terminal or with --quiet; on a terminal, redrawn in place and cleared', () => {
  const writes: string[] = [];
  const pipe = { isTTY: false, write: (t: string) => writes.push(t) };
  assert.equal(createProgress(pipe, false), undefined);
  assert.equal(createProgress({ ...pipe, isTTY: true }, true), undefined);
  let clock = 0;
  const p = createProgress({ isTTY: true, columns: 100, write: (t: string) => writes.push(t) }, false, () => clock)!;
  p.total(1e9);
  p.advance(1e6);
  assert.deepEqual(writes, [], 'nothing in the first second');
  clock = 2000;
  p.advance(99e6);
  clock = 2100;
  p.advance(1e6);
  assert.equal(writes.length, 1, 'at most five redraws a second');
  assert.equal(writes[0], '\rreading 100 MB / 1.0 GB (10 %)  50.0 MB/s  ETA 0:18\x1b[K');
  p.done();
  assert.equal(writes[1], '\r\x1b[K', 'the line is cleared before the report');
});
