import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeliveryStatus } from '../../src/ingest/dsn/rfc3464.js';
import { textRecipients } from '../../src/ingest/dsn/vendors/text.js';
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
