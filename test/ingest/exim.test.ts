import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEximError, parseEximMessage } from '../../src/ingest/exim.js';
import { assertGolden, collect, corpus, fixture, NO_SHARED } from '../helpers/paths.js';

test('fixture mainlog: events pinned in mainlog.events.ndjson', async () => {
  const { events, stream } = await collect([fixture('exim', 'mainlog')]);
  assertGolden(events, fixture('exim', 'mainlog.events.ndjson'));
  const s = stream.inputs[0]!;
  assert.equal(s.format, 'exim');
  assert.equal(s.events, 6);
  assert.equal(s.unrecognised, 0);
  assert.equal(s.eventRecords + s.nonEvents + s.unrecognised + s.blank, s.records);
});

test('Exim ** with remote SMTP error: host, code and reply', () => {
  const r = parseEximMessage('10HmaX-000000005vi-0000 ** c@test.ex R=client T=send_to_server H=127.0.0.1 [127.0.0.1] : SMTP error from remote mail server after RCPT TO:<c@test.ex>: 550 Perm error');
  assert.equal(r.kind, 'delivery');
  if (r.kind !== 'delivery') return;
  assert.equal(r.flag, '**');
  assert.equal(r.address, 'c@test.ex');
  assert.equal(r.ip, '127.0.0.1');
  assert.deepEqual(parseEximError(r.text!), { reply: '550 Perm error', host: undefined, ip: undefined, command: 'RCPT TO:<c@test.ex>' });
  const old = parseEximError('SMTP error from remote mail server after RCPT TO:<kijitora@example.jp>: host mx.example.jp [192.0.2.222]: 550 5.1.1 <kijitora@example.jp>... User Unknown');
  assert.equal(old.host, 'mx.example.jp');
  assert.equal(old.ip, '192.0.2.222');
  assert.equal(old.reply, '550 5.1.1 <kijitora@example.jp>... User Unknown');
});

test('Exim rejected RCPT without angle brackets and with pid', () => {
  const r = parseEximMessage('H=(yakult.com.tw) [202.132.70.178]:3755 I=[1.2.3.4]:25 F=menacedsj04@listserv.eurasia.org rejected RCPT dir@ml3.ru: relay not permitted');
  assert.deepEqual(r, { kind: 'reject', address: 'dir@ml3.ru', sender: 'menacedsj04@listserv.eurasia.org', ip: '202.132.70.178', host: '(yakult.com.tw)', text: 'relay not permitted' });
});

test('every Exim corpus file is read without error, syslog-wrapped lines included', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events, stream } = await collect([corpus('logs', 'exim')]);
  assert.deepEqual(stream.errors.map((e) => e.message), []);
  assert.ok(events.length > 500);
  const wrapped = events.filter((e) => e.origin.file.endsWith('crowdsec-hub-exim-syslog-logs.log'));
  assert.ok(wrapped.some((e) => e.recipient === 'sales@toto.com.au' && e.class === 'user-unknown' && e.answeredBy.host === 'server'));
  const unrouteable = events.find((e) => e.origin.file.endsWith('log-0051.log') && e.diagnostic === 'Unrouteable address');
  assert.equal(unrouteable?.class, 'user-unknown');
});
