import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSyslogLine, SyslogClock } from '../../src/ingest/syslog.js';
import { parsePostfixMessage, parseRemoteReply, parseRelay } from '../../src/ingest/postfix.js';
import { assertGolden, collect, corpus, fixture, NO_SHARED, tempDir } from '../helpers/paths.js';

test('fixture relay.log: events pinned in relay.events.ndjson', async () => {
  const { events, stream } = await collect([fixture('postfix', 'relay.log')], { year: 2024 });
  assertGolden(events, fixture('postfix', 'relay.events.ndjson'));
  const s = stream.inputs[0]!;
  assert.equal(s.format, 'postfix');
  assert.equal(s.records, 25);
  assert.equal(s.unrecognised, 1, 'the status line cut at `status=bou` is unrecognised');
  assert.equal(s.firstUnrecognised, 25);
  assert.deepEqual(s.other, { dovecot: 1 });
  assert.equal(s.eventRecords + s.nonEvents + s.otherTotal + s.unrecognised + s.blank, s.records, 'every line is accounted for');
});

test('fixture relay.log: the year rolls over at December → January', async () => {
  const { events } = await collect([fixture('postfix', 'relay.log')], { year: 2024 });
  assert.equal(events[0]!.time, '2024-12-31T23:58:02.000Z');
  assert.equal(events.at(-1)!.time, '2025-01-01T00:25:02.000Z');
});

test('without --year, the year comes from the file time and rolls back for December lines', async () => {
  const dir = tempDir('bl-');
  const copy = path.join(dir, 'relay.log');
  copyFileSync(fixture('postfix', 'relay.log'), copy);
  const jan2025 = new Date('2025-01-02T08:00:00Z');
  utimesSync(copy, jan2025, jan2025);
  const { events, stream } = await collect([copy]);
  assert.equal(events[0]!.time, '2024-12-31T23:58:02.000Z');
  assert.match(stream.inputs[0]!.notices[0]!, /year 2024 assumed for its first line, from its modification time/);
});

test('gzip copy is read identically (detected by magic bytes)', async () => {
  const plain = await collect([fixture('postfix', 'relay.log')], { year: 2024 });
  const gz = await collect([fixture('postfix', 'relay.log.gz')], { year: 2024 });
  assert.deepEqual(gz.events.map((e) => ({ ...e, origin: e.origin.line })), plain.events.map((e) => ({ ...e, origin: e.origin.line })));
});

test('--tz converts syslog wall-clock time to UTC', async () => {
  const { events } = await collect([fixture('postfix', 'relay.log')], { year: 2024, tz: 'Europe/Berlin' });
  assert.equal(events[0]!.time, '2024-12-31T22:58:02.000Z');
});

test('rsyslog ISO, short-iso, RFC 5424 and journalctl JSON envelopes', async () => {
  const { events, stream } = await collect([fixture('postfix', 'rsyslog-iso.log')]);
  assert.deepEqual(events.map((e) => [e.time, e.recipient, e.outcome, e.class]), [
    ['2024-11-27T09:00:01.154Z', 'olga@example.com', 'rejected', 'user-unknown'],
    ['2024-11-27T09:00:03.000Z', 'pat@example.org', 'delivered', 'none'],
    ['2024-11-27T09:00:04.000Z', 'quinn@example.net', 'bounced', 'user-unknown'],
  ]);
  assert.equal(stream.inputs[0]!.unrecognised, 0);
  assert.deepEqual(events[2]!.answeredBy, { host: 'mx.example.net', ip: '192.0.2.40' });
});

test('status=bounced with `host … said:` gives remote host, code, status and reply', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events } = await collect([corpus('logs', 'postfix', 'lightmeter-controlcenter', 'individual_files', '1_bounce_simple.log')], { year: 2020 });
  const e = events.find((x) => x.outcome === 'bounced')!;
  assert.equal(e.recipient, 'invalid.email@example.com');
  assert.equal(e.smtpCode, '550');
  assert.equal(e.status, '5.1.1');
  assert.equal(e.diagnostic, '550 5.1.1 <invalid.email@example.com> User unknown');
  assert.equal(e.remoteHost, 'mx.example.com');
  assert.equal(e.remoteIp, '11.22.33.44');
  assert.deepEqual(e.answeredBy, { host: 'mx.example.com', ip: '11.22.33.44' });
  assert.equal(e.queueId, '776E41855DB2');
  assert.equal(e.messageId, 'ca10035e-2951-bfd5-ec7e-1a5773fce1cd@mail.sender.com');
  assert.equal(e.class, 'user-unknown');
  assert.equal(e.reporter, 'mail');
});

test('content-filter hop on loopback is not a delivery; the real delivery is', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events } = await collect([corpus('logs', 'postfix', 'lightmeter-controlcenter', 'individual_files', '2_multiple_recipients_some_bounces.log')], { year: 2020 });
  assert.equal(events.filter((e) => e.queueId === 'BA8F630001DA').length, 0);
  assert.deepEqual(events.map((e) => [e.recipient, e.outcome, e.class]), [
    ['recipient42@example.com', 'bounced', 'host-unknown'],
    ['recipient1@dst4.example.com', 'bounced', 'policy'],
    ['recipient1@dst3.example.com', 'bounced', 'user-unknown'],
    ['recipient1@dst1.example.com', 'delivered', 'none'],
    ['recipient1@dst2.example.com', 'delivered', 'none'],
    ['sender@mydomain.com', 'delivered', 'none'],
  ]);
  const gmail = events[2]!;
  assert.equal(gmail.status, '5.1.1');
  assert.equal(gmail.smtpCode, '550');
});

test('deferred then expired: qmgr expiry reports the recipients still deferred', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events, stream } = await collect([corpus('logs', 'postfix', 'lightmeter-controlcenter', 'individual_files', '18_expired.log')], { year: 2020 });
  const expired = events.filter((e) => e.outcome === 'expired');
  assert.equal(expired.length, 1);
  assert.equal(expired[0]!.class, 'mailbox-full', '452 4.1.1 … user is over quota is a full mailbox, not an unknown user');
  assert.ok(events.some((e) => e.outcome === 'deferred'));
  assert.equal(stream.inputs[0]!.unrecognised, 1, 'the continuation line `ir/)` is counted, not dropped');
});

test('NOQUEUE reject: outcome rejected, answered by this host, client as the remote end', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events } = await collect([corpus('logs', 'postfix', 'fail2ban-postfix.log')], { year: 2020 });
  const e = events.find((x) => x.recipient === 'sales@server.com')!;
  assert.equal(e.outcome, 'rejected');
  assert.equal(e.class, 'user-unknown');
  assert.equal(e.status, '5.1.1');
  assert.deepEqual(e.answeredBy, { host: 'server' });
  assert.equal(e.remoteHost, 'example.com');
  assert.equal(e.remoteIp, '192.0.2.1');
  assert.equal(e.sender, 'xxxxxx@example.com');
  assert.equal(e.queueId, '00ADB3C0899');
});

test('relay access denied is domain-not-accepted; ISO timestamps with offset', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events } = await collect([corpus('logs', 'postfix', 'crowdsec-hub-postfix-logs.log')]);
  const e = events.find((x) => x.diagnostic?.includes('Relay access denied'))!;
  assert.equal(e.class, 'domain-not-accepted');
  assert.equal(e.time, '2024-08-25T12:31:56.154Z');
  assert.equal(e.smtpCode, '454');
  assert.equal(e.status, '4.7.1');
});

test('multi-instance program names: the daemon is the last path element', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events } = await collect([corpus('logs', 'postfix', 'lightmeter-controlcenter', 'parser_test-lines.log')], { year: 2020 });
  const e = events.find((x) => x.reporter === 'smtpnode07' || x.queueId === '2A11C3D7E7')!;
  assert.ok(e, 'an event from the postfix-<ip>/smtp instance');
  assert.equal(e.source, 'postfix');
});

test('parsePostfixMessage on message-only lines (postfix-grok-patterns, logwatch)', (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const smtp = readFileSync(corpus('logs', 'postfix', 'postfix-grok-patterns', 'smtp.msg.log'), 'utf8').split('\n').filter(Boolean);
  const kinds = smtp.map((l) => parsePostfixMessage(l).kind);
  assert.ok(kinds.filter((k) => k === 'delivery').length >= 5, `deliveries parsed: ${kinds.join(',')}`);
  const local = parsePostfixMessage('3B7C71F4B1: to=user@hostname.example.com, orig_to=root@localhost, relay=local, delay=0.02, delays=0/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)');
  assert.equal(local.kind, 'delivery');
  if (local.kind === 'delivery') {
    assert.equal(local.to, 'user@hostname.example.com');
    assert.equal(local.origTo, 'root@localhost');
    assert.equal(local.relay, 'local');
    assert.equal(local.status, 'sent');
  }
  const r = parsePostfixMessage('NOQUEUE: reject: RCPT from [157.122.148.242]:47407: 550 5.7.1 Service unavailable; client [157.122.148.242] blocked using bl.spamcop.net; from=<kos@mafia.network>, to=<z13699753428@vip.163.com>, proto=ESMTP, helo=<XL-20160217QQJV>');
  assert.equal(r.kind, 'reject');
  if (r.kind === 'reject') {
    assert.equal(r.to, 'z13699753428@vip.163.com');
    assert.equal(r.client.ip, '157.122.148.242');
    assert.equal(r.reply, '550 5.7.1 Service unavailable; client [157.122.148.242] blocked using bl.spamcop.net');
  }
  assert.equal(parsePostfixMessage('A1B2C3D4E5: to=<x@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, dsn=5.1.1, status=bou').kind, 'delivery');
  assert.equal(parsePostfixMessage('A1B2C3D4E5: to=<x@example.com>, relay=mx.exa').kind, 'unrecognised');
  assert.equal(parsePostfixMessage('connect from unknown[192.0.2.9]').kind, 'info');
});

test('queue ids: 5 to 20 letters and digits, NOQUEUE, and the Q, Q2, N stand-ins; nothing else', () => {
  const idOf = (m: string): string | undefined => {
    const r = parsePostfixMessage(m);
    return r.kind === 'message-id' || r.kind === 'removed' ? r.queueId : undefined;
  };
  for (const id of ['A1B2C', '3B7C71F4B1', '4TTw1R5Kq3z9abCdEfGh', 'Q', 'Q2', 'N']) assert.equal(idOf(`${id}: removed`), id);
  assert.equal(idOf('4TTw1R5Kq3z9abCdEfGh: message-id=<a@b>'), '4TTw1R5Kq3z9abCdEfGh');
  for (const m of ['A1B2: removed', '4TTw1R5Kq3z9abCdEfGhX: removed', 'Q3: removed', 'A1B2C3D4E5 removed', 'A1B2C3D4E5:removed', 'A1-B2C3D4E5: removed']) {
    assert.equal(parsePostfixMessage(m).kind, 'info', m);
  }
  assert.equal(parsePostfixMessage('NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <a@b.example>: Recipient address rejected: User unknown; from=<s@example.org> to=<a@b.example> proto=ESMTP helo=<x>').kind, 'reject');
});

test('parseRemoteReply and parseRelay', () => {
  assert.deepEqual(parseRemoteReply('host mx.example.com[192.0.2.1] said: 550 5.1.1 nope (in reply to RCPT TO command)'), {
    remoteHost: 'mx.example.com', remoteIp: '192.0.2.1', reply: '550 5.1.1 nope', command: 'RCPT TO',
  });
  assert.deepEqual(parseRemoteReply('connect to mx1.old.example[192.0.2.10]:25: Connection refused'), {
    remoteHost: 'mx1.old.example', remoteIp: '192.0.2.10', reply: 'connect to mx1.old.example[192.0.2.10]:25: Connection refused',
  });
  assert.deepEqual(parseRelay('mail.sender.com[/var/run/dovecot/lmtp]'), { host: 'mail.sender.com', remote: false });
  assert.deepEqual(parseRelay('127.0.0.1[127.0.0.1]:10024'), { host: '127.0.0.1', ip: '127.0.0.1', remote: false });
  assert.deepEqual(parseRelay('gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b]:25'), { host: 'gmail-smtp-in.l.google.com', ip: '2607:f8b0:400e:c04::1b', remote: true });
  assert.deepEqual(parseRelay('none'), { remote: false });
});

test('syslog envelope: tags, programs without pid, empty messages, and lines that are not syslog', () => {
  const clock = new SyslogClock({ tz: 'UTC', year: 2024 });
  const env = (l: string): unknown => {
    const e = parseSyslogLine(l, clock, 'UTC');
    return e && { time: new Date(e.time).toISOString(), host: e.host, program: e.program, message: e.message };
  };
  assert.deepEqual(env('Nov 27 10:00:01 mx1 postfix/smtp[123]: 4A1B2C3D4E: removed'),
    { time: '2024-11-27T10:00:01.000Z', host: 'mx1', program: 'postfix/smtp', message: '4A1B2C3D4E: removed' });
  assert.deepEqual(env('Nov  3 10:00:01.250 <mail.notice> mx1 sm-mta[9]: x'),
    { time: '2024-11-03T10:00:01.250Z', host: 'mx1', program: 'sm-mta', message: 'x' });
  assert.deepEqual(env('2024-11-27T10:00:01+01:00 mx1 postfix/qmgr: A1B2C3D4E5: removed'),
    { time: '2024-11-27T09:00:01.000Z', host: 'mx1', program: 'postfix/qmgr', message: 'A1B2C3D4E5: removed' });
  assert.deepEqual(env('Nov 27 10:00:01 mx1 kernel:'), { time: '2024-11-27T10:00:01.000Z', host: 'mx1', program: 'kernel', message: '' });
  // A malformed stamp does not lend its minute to the next line.
  env('Nov 40 10:00:00 mx1 postfix/smtp[1]: x');
  assert.equal((env('Dec 08 10:00:00 mx1 postfix/smtp[1]: x') as { time: string }).time, '2024-12-08T10:00:00.000Z');
  for (const bad of ['Nov 27 10:00:01 mx1', 'Nov 27 10:00:01  postfix/smtp[1]: x', 'Nov 27 10:00:01 mx1 post fix[1]: x', 'Nov 27 10:00:01 mx1 [1]: x', 'Nov 27 1000:01 mx1 p: x']) {
    assert.equal(parseSyslogLine(bad, clock, 'UTC'), undefined, bad);
  }
});

test('one queue id on several hosts and instances: each joins its own sender, past 256 of them too', async () => {
  const dir = tempDir('bl-scope-');
  const file = path.join(dir, 'mail.log');
  const lines: string[] = [];
  const scopes: [string, string][] = [];
  for (let i = 0; i < 300; i++) scopes.push([`mx${i % 150}`, i < 150 ? 'postfix' : 'postfix-out']);
  for (const [host, inst] of scopes) lines.push(`Nov 27 10:00:01 ${host} ${inst}/qmgr[1]: 4A1B2C3D4E: from=<s-${host}-${inst}@example.org>, size=1, nrcpt=1 (queue active)`);
  for (const [host, inst] of scopes) lines.push(`Nov 27 10:00:02 ${host} ${inst}/smtp[2]: 4A1B2C3D4E: to=<u@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 unknown (in reply to RCPT TO command))`);
  writeFileSync(file, lines.join('\n') + '\n');
  const { events } = await collect([file], { year: 2024 });
  assert.equal(events.length, 300);
  events.forEach((e, i) => assert.equal(e.sender, `s-${scopes[i]![0]}-${scopes[i]![1]}@example.org`, `line ${e.origin.line}`));
});
