import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryStatusInText, parseDeliveryStatus } from '../../src/ingest/dsn/rfc3464.js';
import { amazonSesNotification } from '../../src/ingest/dsn/vendors/amazonses.js';
import { notesRecipients } from '../../src/ingest/dsn/vendors/notes.js';
import { globalDiagnostic, textRecipients } from '../../src/ingest/dsn/vendors/text.js';
import { assertGolden, collect, corpus, fixture, NO_SHARED } from '../helpers/paths.js';

test('fixtures/dsn: a Postfix DSN, a qmail bounce, an mbox (Gmail, Microsoft 365 IMCEAEX NDR, an auto-reply)', async () => {
  const inputs = ['bounces.mbox', 'postfix-dsn.eml', 'qmail.eml'].map((f) => fixture('dsn', f));
  const { events, stream } = await collect(inputs);
  assertGolden(events, fixture('dsn', 'dsn.events.ndjson'));
  assert.deepEqual(stream.errors, []);
  const mbox = stream.inputs.find((s) => s.file.endsWith('bounces.mbox'))!;
  assert.equal(mbox.format, 'dsn');
  assert.equal(mbox.records, 3, 'three messages in the mbox');
  assert.equal(mbox.events, 2);
  assert.deepEqual(mbox.nonEventKinds, { 'auto-reply': 1 }, 'the out-of-office reply is recognised, not counted');
});

test('Postfix DSN: fields from the report, sender and Message-ID from the returned headers', async () => {
  const { events } = await collect([fixture('dsn', 'postfix-dsn.eml')]);
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.equal(e.recipient, 'bob@example.com');
  assert.equal(e.originalRecipient, 'robert@example.com');
  assert.equal(e.time, '2024-12-31T23:58:02.000Z', 'Last-Attempt-Date wins over Arrival-Date and Date');
  assert.equal(e.status, '5.1.1');
  assert.equal(e.smtpCode, '550');
  assert.equal(e.diagnostic, '550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table');
  assert.equal(e.remoteHost, 'mx1.old.example');
  assert.equal(e.reporter, 'relay1.example.net');
  assert.deepEqual(e.answeredBy, { host: 'mx1.old.example' });
  assert.equal(e.sender, 'billing@example.net');
  assert.equal(e.messageId, '20241231235801.A1@app1.example.net');
  assert.equal(e.class, 'user-unknown');
});

test('NDRs reported by *.outlook.com are answered by the exchange-online identity', async () => {
  const { events } = await collect([fixture('dsn', 'bounces.mbox')]);
  const ndr = events.find((e) => e.recipient.startsWith('IMCEAEX-'))!;
  assert.deepEqual(ndr.answeredBy, { host: 'exchange-online' });
  assert.equal(ndr.signature, 'exchange-imceaex');
  assert.equal(ndr.origin.message, 2);
  assert.equal(events[0]!.origin.message, 1, 'the first message of an mbox is numbered too');
});

test('parseDeliveryStatus: folded lines, type prefixes, several recipients', () => {
  const r = parseDeliveryStatus('Reporting-MTA: dns; mx.example.net\nArrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nFinal-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1 (bad mailbox)\nDiagnostic-Code: smtp; 550 5.1.1\n  no such user\n\nFinal-Recipient: rfc822;b@example.com\nAction: delayed\nStatus: 4.4.1\n');
  assert.equal(r.message.reportingMta, 'mx.example.net');
  assert.equal(r.recipients.length, 2);
  assert.deepEqual(r.recipients[0], {
    finalRecipient: 'a@example.com', originalRecipient: undefined, action: 'failed', status: '5.1.1', remoteMta: undefined,
    diagnosticCode: '550 5.1.1 no such user', diagnosticType: 'smtp', lastAttemptDate: undefined,
  });
  assert.equal(r.recipients[1]!.action, 'delayed');
});

test('textRecipients: qmail, Exim-style indented, mailto and X-Failed-Recipients', () => {
  const got = textRecipients('<a@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n  b@example.org\n    SMTP error from remote mail server after RCPT TO:<b@example.org>: 550 5.1.1 unknown\nc@example.net<mailto:c@example.net>\nRemote Server returned \'550 5.1.10 RESOLVER.ADR.RecipientNotFound\'\ne@example.jp on Thu, 29 Apr 2007 16:51:51 -0500\n    The recipient name is not recognized\n', 'd@example.edu');
  assert.deepEqual(got.map((r) => r.address), ['a@example.com', 'b@example.org', 'c@example.net', 'e@example.jp', 'd@example.edu']);
  assert.match(got[3]!.diagnostic!, /recipient name is not recognized/, 'Exchange 2000/2003 NDR');
  assert.match(got[0]!.diagnostic!, /no mailbox here/);
  assert.match(got[1]!.diagnostic!, /550 5\.1\.1 unknown/);
});

test('textRecipients: the shapes of appliances and older MTAs (each line modelled on a corpus bounce)', () => {
  const cases: [string, string, RegExp][] = [
    ['kijitora@example.org [User unknown]', 'kijitora@example.org', /^User unknown$/], // lhost-x1-03
    ['>>> neko@example.org <neko@example.org>', 'neko@example.org', /^$/], // lhost-activehunter-01
    ['"shiro@example.jp":\n5.2.2 <shiro@example.jp>... Mailbox Full', 'shiro@example.jp', /Mailbox Full/], // lhost-gmx-01
    ['554 <tora@example.net>... 550 Host unknown (Authoritative answer from name server)', 'tora@example.net', /Host unknown/], // lhost-v5sendmail-02
    ['Invalid final delivery userid: mike@example.co.jp', 'mike@example.co.jp', /^Invalid final delivery userid/], // lhost-imailserver-03
    ['     Could not be delivered to: <kuro@example.ne.jp>\n     As their mailbox is full.', 'kuro@example.ne.jp', /mailbox is full/], // lhost-kddi-02
    ['Unable to deliver message to <sabi@example.jp> (and other recipients in the same domain).', 'sabi@example.jp', /^Unable to deliver message to <sabi@example\.jp>/], // lhost-trendmicro-02
    ["Your message wasn't delivered to hachi@example.it because the address couldn't be found.", 'hachi@example.it', /address couldn't be found/], // rfc3464-65
    ['[Status: Error, Address: <mame@example.co.jp>, ResponseCode 421, , Host not reachable.]', 'mame@example.co.jp', /Host not reachable/], // lhost-zoho-04
  ];
  for (const [text, address, diagnostic] of cases) {
    const got = textRecipients(text);
    assert.deepEqual(got.map((r) => r.address), [address], text);
    assert.match(got[0]!.diagnostic ?? '', diagnostic, text);
  }
  // Not recipients: the returned message's headers and a sentence naming an address with no failure.
  assert.deepEqual(textRecipients('From: "Neko" <neko@example.jp>\nTo: tora@example.jp\nPlease write to help@example.net: we answer.'), []);
});

test('globalDiagnostic: a Sendmail transcript reply without an enhanced status', () => {
  assert.equal(globalDiagnostic('  ----- Transcript of session follows -----\n550 sorry, no mailbox here by that name (#5.1.1 - chkusr)\n'), '550 sorry, no mailbox here by that name (#5.1.1 - chkusr)');
});

test('parseDeliveryStatus: recipient blocks with no blank line between them, ISO-2022-JP in a diagnostic', () => {
  const r = parseDeliveryStatus('Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; a@example.jp\nAction: failed\nStatus: 5.2.2\nFinal-Recipient: rfc822; b@example.jp\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: X-Notes; \x1b$B%f!<%6!<\x1b(B Neko\n');
  assert.deepEqual(r.recipients.map((x) => [x.finalRecipient, x.status]), [['a@example.jp', '5.2.2'], ['b@example.jp', '5.1.1']]);
  assert.equal(r.recipients[1]!.diagnosticCode, 'ユーザー Neko');
});

test('deliveryStatusInText: a report in the plain body is found; header blocks are not', () => {
  const raw = 'From: MAILER-DAEMON@example.org\nSubject: Delivery has failed\n\nYour message cannot be delivered.\n\nReporting-MTA: dns; mx.example.org\n\nAction: failed\nStatus: 5.0.0 (rejected)\nFinal-recipient: rfc822;sabi@example.org\nRemote-MTA: dns; mx.example.org\n (TCP|192.0.2.225|25)\n\nReturn-path: tora@example.com\nTo: sabi@example.org\n';
  const found = deliveryStatusInText(raw)!;
  const r = parseDeliveryStatus(found);
  assert.equal(r.message.reportingMta, 'mx.example.org');
  assert.deepEqual(r.recipients.map((x) => [x.finalRecipient, x.action, x.status]), [['sabi@example.org', 'failed', '5.0.0']]);
  assert.doesNotMatch(found, /Return-path/);
  assert.equal(deliveryStatusInText('From: a@example.org\n\nNo report here.\n'), undefined);
});

test('notesRecipients: Lotus Notes gives the reason before the address', () => {
  const got = notesRecipients('------- Failure Reasons  --------\n\nUser  not listed in public Name & Address Book\nneko@example.com\n\n------- Returned Message --------\nTo: other@example.com\n');
  assert.deepEqual(got, [{ address: 'neko@example.com', diagnostic: 'User not listed in public Name & Address Book' }]);
  assert.equal(notesRecipients('no such block'), undefined);
});

test('amazonSesNotification: bounces, deliveries, complaints, and the raw SNS envelope', () => {
  const bounce = '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"sim@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2016-10-21T00:06:40.502Z","reportingMTA":"dsn; a1.smtp-out.example.com"},"mail":{"headers":[{"name":"!\n Content-Type","value":"x"}]}}\n--\nIf you wish to stop receiving notifications…';
  const b = amazonSesNotification(bounce);
  assert.deepEqual(b, { kind: 'report', report: { message: { reportingMta: 'a1.smtp-out.example.com' }, recipients: [{
    finalRecipient: 'sim@example.com', action: 'failed', status: '5.1.1', diagnosticCode: '550 5.1.1 user unknown', diagnosticType: 'smtp', lastAttemptDate: '2016-10-21T00:06:40.502Z',
  }] } });
  const delivery = amazonSesNotification('{"notificationType":"Delivery","delivery":{"timestamp":"2016-11-23T12:01:03.512Z","recipients":["ok@example.com"],"smtpResponse":"250 2.6.0 Message received","reportingMTA":"a2.example.com"}}');
  assert.equal(delivery?.kind === 'report' && delivery.report.recipients[0]!.action, 'delivered');
  assert.deepEqual(amazonSesNotification('{"notificationType":"Complaint","complaint":{}}'), { kind: 'complaint' });
  const envelope = JSON.stringify({ Type: 'Notification', Message: JSON.stringify({ notificationType: 'Bounce', bounce: { bouncedRecipients: [{ emailAddress: 'x@example.com', status: '5.1.1' }] } }) });
  const e = amazonSesNotification(envelope);
  assert.equal(e?.kind === 'report' && e.report.recipients[0]!.finalRecipient, 'x@example.com');
  assert.equal(amazonSesNotification('plain text'), undefined);
});

test('a bare-CR copy reads like its CRLF twin (maildir/mac vs maildir/dos)', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  for (const name of ['lhost-sendmail-01.eml', 'lhost-qmail-01.eml', 'lhost-exim-01.eml']) {
    const dos = await collect([corpus('dsn', 'emails', 'maildir', 'dos', name)]);
    const mac = await collect([corpus('dsn', 'emails', 'maildir', 'mac', name)]);
    assert.ok(dos.events.length > 0, name);
    assert.deepEqual(mac.events.map((e) => [e.recipient, e.status, e.class]), dos.events.map((e) => [e.recipient, e.status, e.class]), name);
  }
});

test('nothing lost: every message of an mbox is an event, a recognised non-bounce, or unrecognised', async () => {
  const { stream } = await collect([fixture('dsn', 'bounces.mbox'), fixture('dsn', 'qmail.eml')]);
  for (const s of stream.inputs) assert.equal(s.eventRecords + s.nonEvents + s.unrecognised + s.blank, s.records, s.file);
});

test('a folder of bounces read many at a time gives the events and counters of reading each file alone, in order', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const dir = corpus('dsn', 'emails', 'maildir', 'bsd');
  const together = await collect([dir]);
  const files = together.stream.inputs.map((s) => s.file);
  assert.ok(files.length > 300, `${files.length} files`);
  assert.deepEqual(files, [...files].sort(), 'inputs in order');
  const alone: unknown[] = [];
  const stats: unknown[] = [];
  for (const f of files) {
    const one = await collect([f]);
    alone.push(...one.events);
    stats.push(...one.stream.inputs);
  }
  assert.deepEqual(together.events, alone);
  assert.deepEqual(together.stream.inputs, stats);
});
