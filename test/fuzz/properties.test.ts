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
import { parseDeliveryStatus } from '../../src/ingest/dsn/rfc3464.js';
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
