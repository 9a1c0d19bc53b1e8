/**
 * Property tests (fast-check): the parsers never throw on any string, and events written as NDJSON
 * read back identically. `npm test` runs 300 cases per property; `npm run fuzz` runs FUZZ_RUNS
 * (default 20,000).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classify } from '../../src/classify/classify.js';
import { replyCodes } from '../../src/classify/status.js';
import { eventRow, eventsNdjson } from '../../src/report/events.js';
import { asDeliveryEvent } from '../../src/ingest/events.js';
import { buildEvent } from '../../src/ingest/event.js';
import { defaultClassifier } from '../../src/classify/classify.js';
import { parsePostfixMessage, parseRemoteReply } from '../../src/ingest/postfix.js';
import { parseEximMessage, parseEximError } from '../../src/ingest/exim.js';
import { parseSyslogLine, SyslogClock } from '../../src/ingest/syslog.js';
import { parseStatus, splitStatuses } from '../../src/ingest/exchange-status.js';
import { parseMessage } from '../../src/ingest/dsn/mime.js';
import { parseSimpleReport } from '../../src/ingest/dsn/simple.js';
import { parseDeliveryStatus } from '../../src/ingest/dsn/rfc3464.js';
import { comparable } from '../helpers/mime.js';
import { textRecipients, globalDiagnostic } from '../../src/ingest/dsn/vendors/text.js';
import { parseCultureTime } from '../../src/time.js';
import { OUTCOMES } from '../../src/types.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const params = { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261127) };

/** Strings built from pieces of real lines, so the generator reaches deep into the parsers. */
const piece = fc.constantFrom('to=<', '>', ', ', 'relay=', '[', ']', ':25', 'status=', 'bounced', 'sent', ' (', ')', 'said: ', '550 ', '5.1.1 ',
  'NOQUEUE: reject: RCPT from ', '; from=<', ' to=<', 'host ', '@', 'example.com', 'Q1A2B3C4D: ', 'orig_to=<', 'dsn=', '=', ';', '"', '\\', '\u0000', '\u001b[31m', 'é', ' ');
const linelike = fc.oneof(fc.string({ maxLength: 300 }), fc.array(piece, { maxLength: 40 }).map((a) => a.join('')), fc.string({ unit: 'grapheme', maxLength: 200 }));

test('Postfix, Exim and syslog parsers never throw', () => {
  const clock = new SyslogClock({ tz: 'UTC', year: 2024 });
  fc.assert(fc.property(linelike, (s) => {
    parsePostfixMessage(s);
    parseRemoteReply(s);
    parseEximMessage(s);
    parseEximError(s);
    parseSyslogLine(`Nov 27 10:00:00 mx postfix/smtp[1]: ${s}`, clock, 'UTC');
    parseSyslogLine(s, clock, 'UTC');
    replyCodes(s);
    classify({ text: s, recipient: s });
  }), params);
});

test('Exchange status and DSN field parsers never throw', () => {
  fc.assert(fc.property(linelike, fc.integer({ min: 0, max: 5 }), (s, n) => {
    splitStatuses(s, n);
    parseStatus(s);
    parseDeliveryStatus(s);
    parseDeliveryStatus(`Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; ${s}\nAction: failed\nStatus: ${s}\n`);
    textRecipients(s, s);
    globalDiagnostic(s);
    parseCultureTime(s, 'UTC');
  }), params);
});

const text = fc.string({ maxLength: 80 });
const event = fc.record({
  time: fc.integer({ min: 0, max: 4102444800000 }),
  recipient: text, diagnostic: fc.option(text, { nil: undefined }), sender: fc.option(text, { nil: undefined }),
  messageId: fc.option(text, { nil: undefined }), host: fc.option(text, { nil: undefined }),
  outcome: fc.constantFrom(...OUTCOMES),
}).map((r) => buildEvent({
  time: r.time, source: 'postfix', origin: { file: 'f.log', line: 1 }, recipient: r.recipient, diagnostic: r.diagnostic,
  sender: r.sender, messageId: r.messageId, outcome: r.outcome, answeredBy: { host: r.host },
}, defaultClassifier()));

test('events written as NDJSON read back identically; CSV cells always guarded', () => {
  fc.assert(fc.property(fc.array(event, { maxLength: 5 }), (events) => {
    const lines = eventsNdjson(events).split('\n').filter(Boolean);
    assert.equal(lines.length, events.length);
    lines.forEach((l, i) => assert.deepEqual(asDeliveryEvent(JSON.parse(l)), events[i]));
    for (const e of events) for (const cell of eventRow(e)) assert.ok(!/^[=+\-@\t\r]/.test(cell), cell);
  }), params);
});

// Bounces assembled from pieces that differ in the ways the fast path must notice: whatever it
// accepts reads as mailparser reads it.
const headerLine = fc.constantFrom(
  'From: MAILER-DAEMON@relay.example.org', 'From: Mail Delivery System <MAILER-DAEMON@relay.example.org>',
  'From: "Postmaster, Relay" <postmaster@relay.example.org>', 'From: mailer-daemon@relay.example.org (Mail Delivery System)',
  'From: MAILER-DAEMON', 'From: =?utf-8?Q?Syst=C3=A8me?= <postmaster@example.fr>', 'To: news@example.info', 'To: <news@example.info>',
  'To: news@example.info, other@example.info', 'To: news@example.info.', 'Subject: Undelivered Mail Returned to Sender',
  'Subject:', 'Subject: Delivery Status Notification\n (Failure)', 'Date: Wed, 27 Nov 2024 10:00:00 +0000', 'Date: 27 Nov 2024 10:00:01 -0000',
  'Date: not a date', 'X-Failed-Recipients: u@example.net', 'X-Failed-Recipients: v@example.net', 'Auto-Submitted: auto-replied',
  'X-Postfix-Sender: rfc822; news@example.info', 'MIME-Version: 1.0', 'MIME-Version: 1.0 (generated)', 'Content-Transfer-Encoding: 7bit',
  'X-Empty:', 'X-Tab:\tvalue', 'Received: from a\n\tby b', 'List-Id: <news.example.info>', 'Message-ID: <1@example.org>',
);
const partBody = fc.constantFrom('', 'Not delivered.', 'Not delivered.\n', '<u@example.net>: host mx[192.0.2.5] said: 550 5.1.1 unknown\n\n',
  'Reporting-MTA: dns; relay\n\nFinal-Recipient: rfc822; u@example.net\nAction: failed\nStatus: 5.1.1\n', 'From: news@example.info\nSubject: x\n\nbody\n',
  'line with trailing blanks  \n\tand a tab', '--not-the-boundary\n',
  // Returned messages: an embedded multipart, 8-bit text, folded and encoded headers, a CTE of its own.
  'From: news@example.info\nContent-Type: multipart/alternative; boundary="C"\n\n--C\nContent-Type: text/plain\n\nplain\n--C\nContent-Type: text/html\n\n<p>x</p>\n--C--\n',
  'From: news@example.info\nSubject: Grüße\n\nÄrger im Büro\n', 'Received: from a\n\tby b\nSubject: =?utf-8?B?w6k=?=\nFrom: news@example.info\n\nbody',
  'From: news@example.info\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n', 'From: news@example.info\n', 'Subject: no blank line after the headers');
const partHead = fc.constantFrom('Content-Type: text/plain', 'Content-Type: text/plain; charset="us-ascii"', 'Content-Type: text/plain; format=flowed',
  'Content-Type: message/delivery-status', 'Content-Type: text/rfc822-headers', 'Content-Type: message/rfc822', 'Content-Description: Notification\nContent-Type: text/plain',
  '', 'Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable', 'Content-Disposition: inline\nContent-Type: text/plain',
  'Content-Type: text/plain\nContent-Disposition: inline; filename="details.txt"', 'Content-Type: message/delivery-status\nContent-Disposition: INLINE',
  'Content-Type: message/rfc822\nContent-Disposition: attachment', 'Content-Disposition: inline', 'Content-Type: text/plain\nContent-Disposition: attachment');
const bounce = fc.record({
  headers: fc.array(headerLine, { maxLength: 10 }),
  parts: fc.array(fc.tuple(partHead, partBody), { minLength: 0, maxLength: 4 }),
  preamble: fc.constantFrom('', 'This is a MIME-encapsulated message.\n'),
  top: fc.constantFrom('multipart/report; report-type=delivery-status; boundary="B0"', 'multipart/report; boundary=B0', 'Multipart/Report;\n boundary = "B0"',
    'multipart/report; boundary="B0"; charset=us-ascii', 'multipart/mixed; boundary="B0"', 'multipart/report; boundary="B0" (comment)'),
  single: fc.option(partBody, { nil: undefined }),
  singleType: fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'TEXT/PLAIN; charset="US-ASCII"', 'text/html'),
  epilogue: fc.constantFrom('', 'epilogue\n'),
}).map(({ headers, parts, single, singleType, preamble, top, epilogue }) => {
  const head = headers.join('\n');
  if (single !== undefined || parts.length === 0) return `${head}\nContent-Type: ${singleType}\n\n${single ?? ''}`;
  const body = parts.map(([h, b]) => `--B0\n${h}${h ? '\n' : ''}\n${b}`).join('\n');
  return `${head}\nContent-Type: ${top}\n\n${preamble}${body}\n--B0--\n${epilogue}`;
});

test('the fast bounce reader agrees with mailparser on everything it accepts', async () => {
  let accepted = 0;
  await fc.assert(fc.asyncProperty(bounce, async (raw) => {
    if (!parseSimpleReport(raw)) return;
    accepted++;
    assert.deepEqual(comparable(await parseMessage(raw)), comparable(await parseMessage(raw, { simple: false })));
  }), params);
  assert.ok(accepted > RUNS / 10, `${accepted} of ${RUNS} accepted`);
});
