import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newAnswerLog, recordAnswer } from '../../src/correlate/cutover.js';
import { CUT, H, NEW, OLD, UNKNOWN, context, correlate, event } from './helpers.js';

function traffic(): ReturnType<typeof event>[] {
  const out = [];
  for (let h = -30; h < 0; h += 3) out.push(event('a@example.com', CUT + h * H, OLD));
  out.push(event('a@example.com', CUT - 2 * H + 60_000, NEW)); // one early probe of the new host, then old again
  out.push(event('a@example.com', CUT - H, OLD));
  for (let h = 0; h < 30; h += 3) out.push(event('a@example.com', CUT + h * H + 5 * 60_000, NEW));
  out.push(event('b@example.com', CUT + 4 * H, NEW, UNKNOWN('b@example.com')));
  return out;
}

test('inferred with host lists: the first new-host answer after which new hosts answer most attempts', () => {
  const a = correlate(traffic(), context({ cutover: '' }));
  const d = a.domains[0]!;
  assert.equal(d.cutover.how, 'inferred');
  assert.equal(d.cutover.confidence, 'medium');
  assert.equal(d.cutover.time, new Date(CUT - 2 * H + 60_000).toISOString(),
    'the early new answer counts: from it on, new hosts answer 11 of 12 listed answers');
  assert.equal(a.findings[0]!.cause, 'unprovisioned-user');
  assert.equal(a.findings[0]!.confidence, 'medium');
});

test('inferred without host lists: the lasting change of provider, at low confidence', () => {
  const a = correlate(traffic(), context({ cutover: '', lists: false }));
  const d = a.domains[0]!;
  assert.equal(d.cutover.how, 'inferred');
  assert.equal(d.cutover.confidence, 'low');
  assert.match(d.cutover.evidence, /answers moved from old\.example to new\.example/);
  assert.equal(a.findings[0]!.confidence, 'low');
});

test('nothing to infer: undetermined, with the missing input named', () => {
  const a = correlate([event('b@example.com', CUT, OLD, UNKNOWN('b@example.com')), event('a@example.com', CUT, OLD)], context({ cutover: '' }));
  assert.equal(a.domains[0]!.cutover.how, 'unknown');
  assert.equal(a.findings[0]!.cause, 'undetermined');
  assert.match(a.findings[0]!.evidence, /no lasting answer by a listed new host: give --cutover/);
});

test('recordAnswer finds a host by name and address among the first few and through the map past them', () => {
  const log = newAnswerLog();
  // Fresh strings each time, as each log line gives.
  const ref = (i: number): { host: string; ip: string } => ({ host: `mx${i}.example.net`.slice(0), ip: ['192.0.2.', String(i)].join('') });
  const entries = Array.from({ length: 12 }, (_, i) => recordAnswer(log, ref(i), 1_000 + i));
  for (let round = 0; round < 3; round++) {
    for (let i = 11; i >= 0; i--) assert.equal(recordAnswer(log, ref(i), 2_000 + round), entries[i], `host ${i}, round ${round}`);
  }
  assert.equal(log.hosts.size, 12);
  assert.deepEqual(entries.map((h) => [h.first, h.last]), entries.map((_, i) => [1_000 + i, 2_002]));
  // A name and address whose key equals another's are the same host, as they always were in the map.
  for (const l of [log, newAnswerLog()]) {
    // One name, two addresses: two hosts (an old A record beside the new one).
    const a = recordAnswer(l, { host: 'mx.example.org', ip: '203.0.113.1' }, 3_000);
    assert.notEqual(recordAnswer(l, { host: 'mx.example.org', ip: '203.0.113.2' }, 3_000), a);
    assert.equal(recordAnswer(l, { host: 'mx.example.org', ip: '203.0.113.1' }, 3_000), a);
    const odd = recordAnswer(l, { host: 'a|b', ip: 'c' }, 3_000);
    assert.equal(recordAnswer(l, { host: 'a', ip: 'b|c' }, 3_001), odd);
  }
  assert.equal(recordAnswer(log, { ip: '198.51.100.7' }, 3_002), recordAnswer(log, { host: '', ip: '198.51.100.7' }, 3_003));
});
