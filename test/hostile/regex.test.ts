/**
 * Regex safety: the parsers run on adversarial strings (long runs of the characters their patterns
 * repeat on, 100,000 characters) inside a time budget. A pattern that backtracks would blow it.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/classify.js';
import { checkSafeRegex } from '../../src/classify/compile.js';
import { SIGNATURES } from '../../src/classify/signatures.js';
import { replyCodes } from '../../src/classify/status.js';
import { parsePostfixMessage, parseRemoteReply } from '../../src/ingest/postfix.js';
import { parseEximError, parseEximMessage } from '../../src/ingest/exim.js';
import { parseSyslogLine, SyslogClock } from '../../src/ingest/syslog.js';
import { parseStatus, splitStatuses } from '../../src/ingest/exchange-status.js';
import { parseDeliveryStatus } from '../../src/ingest/dsn/rfc3464.js';
import { parseSimpleReport } from '../../src/ingest/dsn/simple.js';
import { globalDiagnostic, textRecipients } from '../../src/ingest/dsn/vendors/text.js';
import { parseCultureTime, parseIsoTime } from '../../src/time.js';
import { normaliseAddress, decodeImceaex } from '../../src/address.js';
import { cleanText, detach } from '../../src/text.js';

const N = 100_000;
const ADVERSARIAL = [
  'a'.repeat(N), ' '.repeat(N) + 'x', 'a' + ' '.repeat(N) + '!', '<'.repeat(N), '@'.repeat(N), '.'.repeat(N), '5'.repeat(N), '550 5.1.1 '.repeat(N / 10),
  'a@'.repeat(N / 2), 'a.'.repeat(N / 2) + '@', '[{LED='.repeat(N / 6), ';'.repeat(N), 'to=<'.repeat(N / 4), 'H=a ['.repeat(N / 5),
  '(' .repeat(N), 'host a[' .repeat(N / 7), '"'.repeat(N), '\\'.repeat(N), '-'.repeat(N), 'IMCEAEX-'.repeat(N / 8) + '+2',
  '1/1/'.repeat(N / 4), '2024-11-27T'.repeat(N / 11), 'From: '.repeat(N / 6), 'x@y.zz '.repeat(N / 7) + '!',
];

function budget(name: string, fn: () => unknown, ms = 1500): void {
  const start = process.hrtime.bigint();
  fn();
  const took = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(took < ms, `${name} took ${took.toFixed(0)} ms on an adversarial string`);
}

test('every parser and the signature table run in linear time on adversarial strings', () => {
  const clock = new SyslogClock({ tz: 'UTC', year: 2024 });
  for (const s of ADVERSARIAL) {
    const label = `${JSON.stringify(s.slice(0, 12))}…`;
    budget(`parsePostfixMessage ${label}`, () => { parsePostfixMessage(s); parsePostfixMessage(`Q1A2B3C4D: to=<${s}`); parsePostfixMessage(`NOQUEUE: reject: RCPT from a[1.2.3.4]: ${s}`); });
    budget(`parseRemoteReply ${label}`, () => parseRemoteReply(`host ${s}`));
    budget(`exim ${label}`, () => { parseEximMessage(`1tGaAa-0001Ab-7x ** ${s}`); parseEximMessage(`H=${s} rejected RCPT <${s}`); parseEximError(`SMTP error from remote mail server after ${s}`); });
    budget(`syslog ${label}`, () => { parseSyslogLine(s, clock, 'UTC'); parseSyslogLine(`Nov 27 10:00:00 ${s}`, clock, 'UTC'); parseSyslogLine(`2024-11-27T10:00:00Z ${s}`, clock, 'UTC'); });
    budget(`classify ${label}`, () => classify({ text: s, recipient: s }));
    budget(`replyCodes ${label}`, () => replyCodes(s));
    budget(`exchange ${label}`, () => { splitStatuses(s, 3); parseStatus(`[{LED=${s}`); });
    budget(`dsn ${label}`, () => { parseDeliveryStatus(s); textRecipients(s, s); globalDiagnostic(s); });
    budget(`time ${label}`, () => { parseCultureTime(s, 'UTC'); parseIsoTime(s); });
    budget(`address/text ${label}`, () => { normaliseAddress(s); decodeImceaex(`IMCEAEX-${s}@x.example`); cleanText(s); });
    budget(`fast bounce reader ${label}`, () => {
      parseSimpleReport(`From: ${s}\nTo: ${s}\nContent-Type: text/plain\n\nx\n`);
      parseSimpleReport(`From: a@b.example\nContent-Type: multipart/report; boundary="${s}"\n\n--${s}\n\n${s}\n--${s}--\n`);
    });
  }
});

test('the built-in signatures are phrases (no regex); a user regex that can backtrack is refused', () => {
  assert.ok(SIGNATURES.every((r) => r.regex === undefined));
  for (const bad of ['(a+)+b', '(a*)*', '(a|a)+$', '(x+x+)+y', '(.*a){10}', '(\\w+\\s?)+$']) assert.throws(() => checkSafeRegex(bad, 'test'), /backtrack/, bad);
});

test('detach copies any text exactly, lone surrogates and controls included', () => {
  for (const s of ['user@example.com', 'a\u0000b\u001b[31m', '\ud800x\udfff', 'é€😀', 'x'.repeat(5000)]) {
    const line = `prefix ${s} suffix`;
    assert.equal(detach(line.slice(7, 7 + s.length)), s);
  }
  assert.equal(detach(undefined), undefined);
  assert.equal(detach(''), '');
});
