/** isoUtc (src/time.ts), which writes every event's time. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoUtc } from '../../src/time.js';

test('isoUtc writes what Date#toISOString writes, across days, before 1970 and past year 9999', () => {
  const day = 86_400_000;
  const times = [0, -1, -1000, -day, -day - 1, day - 1, day, 1_732_579_199_999, 1_732_579_200_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001, 8.64e15, -8.64e15];
  for (let i = 0; i < 2000; i++) times.push(1.7e12 + i * 997_331, -3e13 + i * 7_919_999_999);
  for (const t of times) assert.equal(isoUtc(t), new Date(t).toISOString(), String(t));
});
