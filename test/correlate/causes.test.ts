/** Each cause: a positive case and the near miss that must not trigger it (DESIGN.md § Causes). */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CUT, H, NEW, OLD, STALE_A, RELAY_DENIED, UNKNOWN, causes, context, correlate, event } from './helpers.js';

const IMCEAEX = 'IMCEAEX-_o=ExampleOrg_ou=Exchange+20Administrative+20Group_cn=Recipients_cn=fred@example.com';

test('legacy-dn: an IMCEAEX recipient, with the X500 proxy decoded; an ordinary address with the same text is not', () => {
  const a = correlate([
    event(IMCEAEX, CUT + H, NEW, '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found'),
    event('amy@example.com', CUT + H, NEW, '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found'),
    event('bea@example.com', CUT + 2 * H, NEW),
  ]);
  assert.deepEqual(causes(a), { [IMCEAEX]: 'legacy-dn', 'amy@example.com': 'unprovisioned-user' });
  const f = a.findings.find((x) => x.cause === 'legacy-dn')!;
  assert.equal(f.x500, 'X500:/o=ExampleOrg/ou=Exchange Administrative Group/cn=Recipients/cn=fred');
  assert.equal(f.confidence, 'high');
});

test('pre-existing: unknown at the old host two days before, never delivered; near miss: a new host an hour before', () => {
  const a = correlate([
    event('jonh@example.com', CUT - 49 * H, OLD, UNKNOWN('jonh@example.com')),
    event('john@example.com', CUT - 40 * H, OLD),
    event('rita@example.com', CUT - H, NEW, UNKNOWN('rita@example.com')),
    event('bea@example.com', CUT + 2 * H, NEW),
  ]);
  assert.deepEqual(causes(a), { 'jonh@example.com': 'pre-existing', 'rita@example.com': 'unprovisioned-user' });
  assert.equal(a.findings.find((f) => f.cause === 'pre-existing')!.suggestion, 'john@example.com');
  assert.equal(a.findings.find((f) => f.cause === 'pre-existing')!.offsetFirst, 'T-2d1h');
});

test('pre-existing needs "never delivered": a recipient delivered later is not a bad address', () => {
  const a = correlate([
    event('ivy@example.com', CUT - 30 * H, OLD, UNKNOWN('ivy@example.com')),
    event('ivy@example.com', CUT + 3 * H, NEW),
  ]);
  assert.equal(causes(a)['ivy@example.com'], 'undetermined');
  assert.match(a.findings[0]!.evidence, /delivered to at some point/);
});

test('stale-a-record: a new MX name answering from an old IP after the cutover; before it, not', () => {
  const a = correlate([
    event('gail@example.com', CUT + 2 * H, STALE_A, UNKNOWN('gail@example.com')),
    event('hal@example.com', CUT - 2 * H, STALE_A, UNKNOWN('hal@example.com')),
  ]);
  assert.deepEqual(causes(a), { 'gail@example.com': 'stale-a-record', 'hal@example.com': 'undetermined' });
});

test('stale-mx: relay denied by an OLD host after cutover is stale-mx, by a NEW host it is domain-not-accepted', () => {
  const a = correlate([
    event('dave@example.com', CUT + 10 * 60_000, OLD, RELAY_DENIED('dave@example.com')),
    event('erin@example.com', CUT + 30 * 60_000, OLD, UNKNOWN('erin@example.com')),
    event('ned@example.edu', CUT + 50 * 60_000, NEW, RELAY_DENIED('ned@example.edu')),
  ]);
  assert.deepEqual(causes(a), { 'dave@example.com': 'stale-mx', 'erin@example.com': 'stale-mx', 'ned@example.edu': 'domain-not-accepted' });
  assert.equal(a.findings.find((f) => f.recipient === 'ned@example.edu')!.confidence, 'high');
  assert.equal(a.findings.find((f) => f.recipient === 'dave@example.com')!.evidence,
    '1 refusal by mx1.old.example [192.0.2.10] at T+10m; the old host answered for example.com until T+30m');
});

test('domain-not-accepted: two recipients unknown at the new host of a domain that gets no mail there', () => {
  const a = correlate([
    event('jack@example.net', CUT + H, NEW, UNKNOWN('jack@example.net')),
    event('kate@example.net', CUT + 2 * H, NEW, UNKNOWN('kate@example.net')),
  ]);
  assert.deepEqual(causes(a), { 'jack@example.net': 'domain-not-accepted', 'kate@example.net': 'domain-not-accepted' });
  assert.equal(a.findings[0]!.confidence, 'medium');
  assert.match(a.findings[0]!.evidence, /check the directory sync/);
  assert.equal(a.domains[0]!.looksNotAccepted, true);
});

test('near miss: the same two refusals in a domain that does get mail at the new host are unprovisioned users', () => {
  const a = correlate([
    event('jack@example.net', CUT + H, NEW, UNKNOWN('jack@example.net')),
    event('kate@example.net', CUT + 2 * H, NEW, UNKNOWN('kate@example.net')),
    event('lou@example.net', CUT + 3 * H, NEW),
  ]);
  assert.deepEqual(causes(a), { 'jack@example.net': 'unprovisioned-user', 'kate@example.net': 'unprovisioned-user' });
});

test('near miss: ONE recipient unknown at the new host of a domain with no mail there is an unprovisioned user', () => {
  const a = correlate([event('jack@example.net', CUT + H, NEW, UNKNOWN('jack@example.net'))]);
  assert.deepEqual(causes(a), { 'jack@example.net': 'unprovisioned-user' });
});

test('unprovisioned-user: high when delivered before cutover or in --old-users but not --new-users; resolved_at', () => {
  const a = correlate([
    event('leo@example.com', CUT - 20 * H, OLD),
    event('leo@example.com', CUT + H, NEW, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient leo@example.com not found by SMTP address lookup'),
    event('leo@example.com', CUT + 26 * H, NEW),
    event('max@example.com', CUT + H, NEW, UNKNOWN('max@example.com')),
    event('ola@example.com', CUT + H, NEW, UNKNOWN('ola@example.com')),
  ], context({ oldUsers: ['ola@example.com'], newUsers: ['leo@example.com'] }));
  const by = Object.fromEntries(a.findings.map((f) => [f.recipient, f]));
  assert.equal(by['leo@example.com']!.confidence, 'high');
  assert.equal(by['leo@example.com']!.resolvedAt, '2024-11-28T11:00:00.000Z');
  assert.equal(by['max@example.com']!.confidence, 'medium');
  assert.equal(by['ola@example.com']!.confidence, 'high');
  assert.match(by['ola@example.com']!.evidence, /in --old-users but not in --new-users/);
});

test('a 4xx user-unknown (soft_bounce) makes a finding at low confidence', () => {
  const a = correlate([event('sam@example.com', CUT + H, NEW, '450 4.1.1 <sam@example.com>: Recipient address rejected: User unknown in local recipient table')]);
  assert.equal(a.findings[0]!.cause, 'unprovisioned-user');
  assert.equal(a.findings[0]!.confidence, 'low');
});

test('undetermined names the missing input: no cutover and no host lists', () => {
  const a = correlate([event('zoe@example.com', CUT, OLD, UNKNOWN('zoe@example.com'))], context({ cutover: '', lists: false }));
  assert.equal(a.findings[0]!.cause, 'undetermined');
  assert.match(a.findings[0]!.evidence, /cutover unknown \(.*give --cutover/);
  assert.equal(a.scope, 'all seen');
});

test('mailbox full, greylisting and spam blocks make no finding but are counted', () => {
  const a = correlate([
    event('pam@example.com', CUT + H, NEW, '452 4.2.2 <pam@example.com>: Mailbox full'),
    event('pam@example.com', CUT + 2 * H, NEW, '450 4.7.1 <pam@example.com>: Recipient address rejected: Greylisted'),
    event('pam@example.com', CUT + 3 * H, NEW, '550 5.7.1 Message rejected as spam'),
  ]);
  assert.deepEqual(a.findings, []);
  assert.deepEqual(a.domains[0]!.byClass, { 'mailbox-full': 1, other: 1, policy: 1 });
});

test('the result does not depend on input order', () => {
  const events = [
    event('jonh@example.com', CUT - 49 * H, OLD, UNKNOWN('jonh@example.com')),
    event('john@example.com', CUT - 40 * H, OLD),
    event('dave@example.com', CUT + 10 * 60_000, OLD, RELAY_DENIED('dave@example.com')),
    event('jack@example.net', CUT + H, NEW, UNKNOWN('jack@example.net')),
    event('kate@example.net', CUT + 2 * H, NEW, UNKNOWN('kate@example.net')),
    event('leo@example.com', CUT + H, NEW, UNKNOWN('leo@example.com')),
    event('leo@example.com', CUT + 5 * H, NEW),
  ];
  const forward = correlate(events);
  const backward = correlate([...events].reverse());
  assert.deepEqual(backward, forward);
});
