import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryTimesTable, orderByKey } from '../../src/correlate/deliveries.js';

test('DeliveryTimesTable: exact up to 16, bounded after, any order', () => {
  const table = new DeliveryTimesTable();
  for (const t of [50, 10, 30, 20, 40, 60, 70, 80, 90, 100, 110, 120, 130]) table.add(3, t);
  let d = table.history(3);
  assert.equal(d.exact, true);
  assert.equal(d.countBefore(95), 9);
  assert.equal(d.firstAfter(45), 50);
  assert.equal(d.first(), 10);
  for (let t = 200; t < 1200; t += 10) table.add(3, t);
  d = table.history(3);
  assert.equal(d.exact, false);
  assert.equal(d.count, 113);
  assert.equal(d.first(), 10);
  assert.equal(d.times().length, 16);
  assert.equal(d.firstAfter(55), 60, 'within the earliest kept');
  assert.equal(d.firstAfter(1185), 1190, 'within the latest kept');
  assert.ok(d.firstAfter(500)! >= 510, 'in the dropped middle: never earlier than the truth');
  assert.equal(table.count(0), 0, 'a number never given a time');
  assert.deepEqual(table.history(99_999).times(), [], 'a number beyond the table');
});

/**
 * Times added to many recipients in turns (blocks are freed, reused and pages grow while others hold
 * times), then each recipient's kept times compared with its 8 earliest and 8 latest.
 */
function assertKeepsEarliestAndLatest(time: (r: number, id: number, round: number) => number): DeliveryTimesTable {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 10_000;
  const table = new DeliveryTimesTable();
  const all: number[][] = [];
  const wanted = (id: number): number => 1 + (id % 60);
  for (let id = 0; id < 8000; id++) all.push([]); // ~110,000 slots: blocks on two pages
  for (let round = 0; round < 60; round++) {
    for (let id = 0; id < all.length; id++) {
      if (all[id]!.length >= wanted(id)) continue;
      const t = time(rand(), id, round);
      all[id]!.push(t);
      table.add(id, t);
    }
  }
  for (let id = 0; id < all.length; id++) {
    const sorted = [...all[id]!].sort((a, b) => a - b);
    const n = sorted.length;
    const want = n <= 16 ? sorted : [...sorted.slice(0, 8), ...sorted.slice(-8)];
    assert.deepEqual(table.history(id).times(), want, `recipient ${id}: ${n} times`);
    assert.equal(table.count(id), n);
  }
  return table;
}

test('DeliveryTimesTable keeps exactly the 8 earliest and 8 latest of any sequence, recipients interleaved', () => {
  // Whole milliseconds within days of each other, as logs give them: kept as 32-bit offsets.
  const day = Date.UTC(2024, 5, 3);
  assert.equal(assertKeepsEarliestAndLatest((r) => day + r * 1000).bytesPerTime, 4);
  // Fractions: kept as doubles from the first, never rounded.
  assert.equal(assertKeepsEarliestAndLatest((r, id) => r + (id % 7) / 8).bytesPerTime, 8);
  // A time 30 days away in the middle of the run: every page already filled turns into doubles.
  const far = assertKeepsEarliestAndLatest((r, id, round) => day + r * 1000 + (round === 30 && id === 4000 ? 30 * 86_400_000 : 0));
  assert.equal(far.bytesPerTime, 8);
});

test('orderByKey: indexes by key, equal keys in index order, keys of one to three passes', () => {
  let seed = 11;
  const rand = (m: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
  for (const range of [1, 2000, 3_000_000, 2 ** 31 - 1]) {
    const n = 5000;
    const keys = Int32Array.from({ length: n }, () => rand(range));
    const got = orderByKey(keys, n, new Int32Array(n), new Int32Array(n));
    const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
    assert.deepEqual([...got.subarray(0, n)], want, `keys below ${range}`);
  }
});

test('DeliveryTimesTable: times read back as added, whether their batch was applied or not', () => {
  const table = new DeliveryTimesTable();
  table.add(5, 300);
  table.add(2, 100);
  table.add(5, 200);
  // Read before any batch filled: the pending times count.
  assert.equal(table.count(5), 2);
  assert.deepEqual(table.history(5).times(), [200, 300]);
  table.add(2, 50);
  assert.deepEqual(table.history(2).times(), [50, 100]);
  assert.equal(table.count(7), 0);
});
