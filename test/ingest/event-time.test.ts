/** isoUtc (src/time.ts), which writes every event's time, and parseEventTime, which reads it back. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoUtc, parseEventTime } from '../../src/time.js';

test('isoUtc writes what Date#toISOString writes, across days, before 1970 and past year 9999', () => {
  const day = 86_400_000;
  const times = [0, -1, -1000, -day, -day - 1, day - 1, day, 1_732_579_199_999, 1_732_579_200_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001, 8.64e15, -8.64e15];
  for (let i = 0; i < 2000; i++) times.push(1.7e12 + i * 997_331, -3e13 + i * 7_919_999_999);
  for (const t of times) assert.equal(isoUtc(t), new Date(t).toISOString(), String(t));
  // Two times in turn, and a third between (the two strings kept, each found again after the other).
  for (const t of [1.7e12, 1.7e12 + 61_001, 1.7e12, 1.7e12 + 61_001, 86_399_999, 1.7e12 + 61_001, 1.7e12]) assert.equal(isoUtc(t), new Date(t).toISOString(), String(t));
});

test('parseEventTime reads back what isoUtc wrote last, and any other time as Date.parse does', () => {
  const times = [0, -1, 1_732_579_199_999, 1_732_579_200_000, 253_402_300_799_999];
  for (let i = 0; i < 500; i++) times.push(1.7e12 + i * 997_331);
  let before = new Date(times[0]!).toISOString();
  for (const t of times) {
    const written = isoUtc(t);
    assert.equal(parseEventTime(written), t, written);
    // A time written before (not the last): parsed.
    assert.equal(parseEventTime(before), Date.parse(before), before);
    assert.equal(parseEventTime(written), t, `${written} again, after another`);
    before = written;
  }
  for (const other of ['2024-11-27T09:00:00.000+01:00', 'not a time', '']) assert.deepEqual(parseEventTime(other), Date.parse(other), other);
});
