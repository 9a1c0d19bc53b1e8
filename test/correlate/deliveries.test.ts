import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryTimes } from '../../src/correlate/deliveries.js';

test('DeliveryTimes: exact up to 16, bounded after, any order', () => {
  const d = new DeliveryTimes();
  for (const t of [50, 10, 30, 20, 40, 60, 70, 80, 90, 100, 110, 120, 130]) d.add(t);
  assert.equal(d.exact, true);
  assert.equal(d.countBefore(95), 9);
  assert.equal(d.firstAfter(45), 50);
  assert.equal(d.first(), 10);
  for (let t = 200; t < 1200; t += 10) d.add(t);
  assert.equal(d.exact, false);
  assert.equal(d.count, 113);
  assert.equal(d.first(), 10);
  assert.equal(d.times().length, 16);
  assert.equal(d.firstAfter(55), 60, 'within the earliest kept');
  assert.equal(d.firstAfter(1185), 1190, 'within the latest kept');
  assert.ok(d.firstAfter(500)! >= 510, 'in the dropped middle: never earlier than the truth');
});

test('DeliveryTimes keeps exactly the 8 earliest and 8 latest of any sequence', () => {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 10_000;
  for (let run = 0; run < 200; run++) {
    const d = new DeliveryTimes();
    const all: number[] = [];
    const n = 1 + (run % 60);
    for (let i = 0; i < n; i++) { const t = rand(); all.push(t); d.add(t); }
    const sorted = [...all].sort((a, b) => a - b);
    const want = n <= 16 ? sorted : [...sorted.slice(0, 8), ...sorted.slice(-8)];
    assert.deepEqual(d.times(), want, `run ${run}: ${n} times`);
    assert.equal(d.count, n);
  }
});
