/**
 * The Postfix queue's count of keys by their last four characters (PostfixQueue.mayHold): a
 * message the line scanner read whole is removed without a key made only when no entry can end in
 * its queue id.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostfixQueue, queueIdTail, RangeQueue } from '../../src/ingest/postfix-queue.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { collect, tempDir } from '../helpers/paths.js';

/** The tail number of `qid` in the bytes of its line (amid other bytes). */
function qidTail(qid: string): number {
  const bytes = Buffer.from(`Nov 26 00:00:01 relay1 postfix/qmgr[2]: ${qid}: removed\n`, 'latin1');
  const start = bytes.indexOf(qid);
  return queueIdTail(bytes, start, start + qid.length);
}

test('PostfixQueue.mayHold: true while an entry ends in the queue id, false once none does', () => {
  const q = new PostfixQueue(2);
  const holds = (qid: string): boolean => q.mayHold(qidTail(qid));
  assert.equal(holds('4BCD21A0F3'), false, 'empty');
  q.upsert('relay1 postfix/4BCD21A0F3');
  assert.equal(holds('4BCD21A0F3'), true, 'opened');
  assert.equal(holds('4BCD21A0F4'), false, 'another tail');
  q.upsert('relay2 postfix/4BCD21A0F3');
  q.remove('relay1 postfix/4BCD21A0F3');
  assert.equal(holds('4BCD21A0F3'), true, 'another scope still holds one');
  q.remove('relay2 postfix/4BCD21A0F3');
  q.remove('relay2 postfix/4BCD21A0F3');
  assert.equal(holds('4BCD21A0F3'), false, 'both removed (the second removal of a key counts nothing)');
  // Evicted at the cap of two.
  q.upsert('h A0000001');
  q.upsert('h A0000002');
  q.upsert('h A0000003');
  assert.equal(q.evicted, 1);
  assert.equal(holds('A0000001'), false, 'evicted');
  assert.equal(holds('A0000003'), true);
  q.load([['h A0000003', {}], ['h B0000009', {}]]);
  q.remove('h A0000003');
  assert.equal(holds('A0000003'), false, 'loaded over an entry of the same key: counted once');
  assert.equal(holds('B0000009'), true, 'loaded');
  assert.equal(holds('Q12'), true, 'shorter than a tail: cannot tell');
  // A range's queue records every removal.
  assert.equal(new RangeQueue().mayHold(qidTail('4BCD21A0F3')), true);
});

test('in order: a message read whole removes the entry its queue id had before it', async () => {
  const at = (stamp: string, program: string, rest: string): string => `Nov 26 ${stamp} relay1 postfix/${program}: ${rest}`;
  const qid = '0000100000';
  const lines = [
    at('00:00:00', 'qmgr[2]', `${qid}: from=<early@app.example>, size=1, nrcpt=1 (queue active)`),
    // The same queue id again, every line of its message close together: the scanner reads it whole.
    at('00:00:01', 'cleanup[1]', `${qid}: message-id=<${qid}@app.example>`),
    at('00:00:01', 'qmgr[2]', `${qid}: from=<s@app.example>, size=1, nrcpt=1 (queue active)`),
    at('00:00:01', 'smtp[3]', `${qid}: to=<a@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=2.0.0, status=sent (250 ok)`),
    at('00:00:01', 'qmgr[2]', `${qid}: removed`),
    ...Array.from({ length: 40 }, (_, i) => at('00:00:02', 'smtpd[9]', `connect from x${i}[192.0.2.1]`)),
    // Its entry gone, a late line of the queue id has no sender.
    at('00:00:03', 'smtp[3]', `${qid}: to=<u@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)`),
  ];
  const file = path.join(tempDir('bouncelens-queue-'), 'mail.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  // As `--class user-unknown` reads: the scanner leaves out the lines of a message it reads whole.
  const { events } = await collect([file], { year: 2024, keepClasses: new Set(['user-unknown']) });
  assert.equal(events.length, 1);
  const bounce = events[0]!;
  assert.equal(bounce.recipient, 'u@d.example');
  assert.equal(bounce.sender, undefined, 'the entry opened before the whole message was removed with it');
});
