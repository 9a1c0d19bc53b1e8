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
