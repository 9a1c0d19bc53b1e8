/**
 * The common bounce read without the MIME parser (src/ingest/dsn/simple.ts): whatever it accepts
 * must read exactly as mailparser reads it, field by field; whatever it is unsure of it refuses.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { generateBounces } from '../../bench/generate.js';
import { parseMessage } from '../../src/ingest/dsn/mime.js';
import { parseSimpleReport } from '../../src/ingest/dsn/simple.js';
import { comparable } from '../helpers/mime.js';
import { corpus, fixture, NO_SHARED, tempDir } from '../helpers/paths.js';


/** Accepted messages of `files` read the same both ways; returns how many were accepted. */
async function assertSameWhereAccepted(files: string[]): Promise<number> {
  let accepted = 0;
  for (const f of files) {
    const raw = readFileSync(f, 'utf8');
    if (!parseSimpleReport(raw)) continue;
    accepted++;
    assert.deepEqual(comparable(await parseMessage(raw)), comparable(await parseMessage(raw, { simple: false })), f);
  }
  return accepted;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}

test('fast path: fixtures and generated bounces of four kinds read as mailparser reads them', async () => {
  const dir = tempDir('bl-simple-');
  generateBounces(dir, 40);
  const generated = filesUnder(dir);
  assert.equal(await assertSameWhereAccepted(generated), 40, 'every generated bounce takes the fast path');
  const fixtures = [fixture('dsn', 'postfix-dsn.eml'), fixture('dsn', 'qmail.eml'), ...filesUnder(fixture('incident', 'inputs', 'bounces'))];
  assert.ok(await assertSameWhereAccepted(fixtures) >= 2, 'the Postfix and qmail fixtures take it');
});

test('fast path: every corpus message it accepts reads as mailparser reads it', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const files = filesUnder(corpus('dsn', 'emails')).filter((f) => f.endsWith('.eml'));
  const accepted = await assertSameWhereAccepted(files);
  assert.ok(accepted >= 80, `${accepted} of ${files.length} corpus messages take the fast path`);
});

test('fast path: refuses what it cannot read exactly', () => {
  const head = 'From: MAILER-DAEMON@example.org\nTo: a@example.com\nDate: Wed, 27 Nov 2024 10:00:00 +0000\n';
  const report = (part: string, top = ''): string => `${head}${top}Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n--B\nContent-Type: text/plain\n\nNot delivered.\n--B\n${part}\n--B--\n`;
  const ds = 'Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; u@example.net\nAction: failed\nStatus: 5.1.1\n';
  assert.ok(parseSimpleReport(report(ds)), 'the plain shape is accepted');
  // The returned message is read for its header block only; an embedded multipart is not opened.
  const returned = parseSimpleReport(report('Content-Type: message/rfc822\n\nFrom: a@example.com\nSubject: x\nContent-Type: multipart/mixed; boundary="C"\n\n--C\n\nbody\n--C--'));
  assert.equal(returned?.originalHeaders, 'From: a@example.com\nSubject: x\nContent-Type: multipart/mixed; boundary="C"');
  assert.equal(returned?.text, 'Not delivered.');
  const refused: [string, string][] = [
    ['an encoded word', report(ds, 'Subject: =?utf-8?B?w6k=?=\n')],
    ['a transfer encoding', report(ds.replace('\n\n', '\nContent-Transfer-Encoding: base64\n\n'))],
    ['CRLF line ends', report(ds).replace(/\n/g, '\r\n')],
    ['an unknown part', report('Content-Type: application/octet-stream\n\nx')],
    ['a returned message in base64', report('Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogYUBleGFtcGxlLmNvbQo=')],
    ['8-bit text', `${head}Content-Type: text/plain; charset=utf-8\n\nUnzustellbar: Empfänger unbekannt\n`],
    ['a nested multipart', report('Content-Type: multipart/mixed; boundary="C"\n\n--C\n\nx\n--C--')],
    ['no closing delimiter', report(ds).replace('--B--\n', '')],
    ['two addresses', report(ds).replace('To: a@example.com', 'To: a@example.com, b@example.com')],
    ['an IDN domain', report(ds).replace('a@example.com', 'a@xn--bcher-kva.example')],
    ['a date mailparser cannot read', report(ds).replace('Wed, 27 Nov 2024 10:00:00 +0000', 'yesterday')],
    ['format=flowed text', `${head}Content-Type: text/plain; format=flowed\n\nA line that goes \non.\n`],
    ['two To lines', `To: b@example.com\n${report(ds)}`],
    ['a folded line with nothing before it', ` x\n${report(ds)}`],
  ];
  for (const [why, raw] of refused) assert.equal(parseSimpleReport(raw), undefined, why);
});
