import { test } from 'node:test';
import assert from 'node:assert/strict';
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
