import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { splitLines } from '../../src/io/lines.js';
import { once } from '../../src/io/open.js';
import { splitMessages, wholeMessage, type RawMessage } from '../../src/ingest/dsn/mailbox.js';

/** The messages of a file as the streams give them: its lines (splitLines), split into messages. */
async function streamed(bytes: Buffer, maxLine?: number): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  for await (const m of splitMessages(splitLines(once(bytes), { overlong: 0, bareCr: false }, maxLine))) out.push(m);
  return out;
}

const BOUNCE = 'From: MAILER-DAEMON@mx.example.net\nTo: alice@example.org\nSubject: Undelivered Mail Returned to Sender\n\n<bob@example.com>: host mx.example.com[192.0.2.10] said:\n    550 5.1.1 User unknown (in reply to RCPT TO command)\n';

test('wholeMessage reads a one-message file as the line and message streams do', async () => {
  const cases: [string, Buffer][] = [
    ['LF', Buffer.from(BOUNCE)],
    ['CRLF', Buffer.from(BOUNCE.replace(/\n/g, '\r\n'))],
    ['no final newline, a last CR', Buffer.from(`${BOUNCE}tail\r`)],
    ['blank lines before, CR CR LF inside', Buffer.from(`\n\r\n\n${BOUNCE.replace('said:\n', 'said:\r\r\n')}`)],
    ['a lone CR inside a line, blank lines at the end', Buffer.from(`${BOUNCE.replace('User', 'Us\rer')}\n\n\r\n`)],
    ['UTF-8 and an invalid byte', Buffer.concat([Buffer.from(`${BOUNCE}Grüße `), Buffer.from([0xff, 0xe2, 0x82, 0x0a]), Buffer.from('end\n')])],
  ];
  for (const [name, bytes] of cases) {
    const whole = wholeMessage(bytes);
    assert.ok(whole, `${name}: read whole`);
    assert.deepEqual([whole], await streamed(bytes), name);
  }
  assert.equal(wholeMessage(Buffer.from(`\n\n${BOUNCE}`))!.line, 3, 'starts at its first line that is not blank');
});

test('wholeMessage leaves to the streams what they must read: mbox, bare CR, gzip, UTF-16, byte-order mark, a line over the cap, blank files', () => {
  const refused: [string, Buffer, number?][] = [
    ['mbox', Buffer.from(`From MAILER-DAEMON Thu Jun  3 10:40:59 2024\n${BOUNCE}`)],
    ['mbox after blank lines', Buffer.from(`\r\n\nFrom MAILER-DAEMON Thu Jun  3 10:40:59 2024\n${BOUNCE}`)],
    ['bare CR', Buffer.from(BOUNCE.replace(/\n/g, '\r'))],
    ['gzip', gzipSync(BOUNCE)],
    ['UTF-16LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BOUNCE, 'utf16le')])],
    ['UTF-16LE without a BOM', Buffer.from(BOUNCE, 'utf16le')],
    ['UTF-8 byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BOUNCE)])],
    ['larger than a line may be', Buffer.from(BOUNCE), 64],
    ['only blank lines', Buffer.from('\n\r\n\n')],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, bytes, maxLine] of refused) assert.equal(wholeMessage(bytes, maxLine), undefined, name);
});

test('property: whenever wholeMessage reads a file, it gives the streams\' one message', async () => {
  const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
  const piece = fc.constantFrom('\n', '\r', '\r\n', 'From ', '>From ', 'a', ' ', 'é', '\u{1F4EB}', 'Subject: x', '');
  const bytes = fc.tuple(fc.array(piece, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }))
    .map(([parts, raw]) => Buffer.concat([Buffer.from(parts.join('')), Buffer.from(raw)]));
  let read = 0;
  await fc.assert(fc.asyncProperty(bytes, fc.constantFrom(16, 1 << 20), async (b, maxLine) => {
    const whole = wholeMessage(b, maxLine);
    if (whole === undefined) return;
    read++;
    assert.deepEqual([whole], await streamed(b, maxLine));
  }), { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261128) });
  assert.ok(read > RUNS / 10, `most generated files are read whole (${read} of ${RUNS})`);
});
