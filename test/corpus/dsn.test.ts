import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreCorpus } from '../../bench/corpus-score.js';
import { corpus, NO_SHARED } from '../helpers/paths.js';

/**
 * REGRESSION FLOOR, not the bar. Issue 3 sets 0.97 / 0.97 / 0.98; the reader does not reach them
 * yet (see `npm run corpus`). These floors sit just under today's figures so a change that makes
 * the reader worse fails here; raise them as the reader improves, until they are the bars.
 */
const FLOOR = { userUnknownRecall: 0.83, userUnknownPrecision: 0.94, recipientExtraction: 0.87 };

test('DSN corpus scored against Sisimai labels stays at or above the floor', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const s = await scoreCorpus(corpus('dsn'));
  assert.equal(s.files, 468);
  assert.ok(s.userUnknownRecall >= FLOOR.userUnknownRecall, `recall ${s.userUnknownRecall}`);
  assert.ok(s.userUnknownPrecision >= FLOOR.userUnknownPrecision, `precision ${s.userUnknownPrecision}`);
  assert.ok(s.recipientExtraction >= FLOOR.recipientExtraction, `extraction ${s.recipientExtraction}`);
});
