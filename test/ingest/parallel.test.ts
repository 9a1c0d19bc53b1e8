/**
 * A log read in byte ranges by worker threads (ingest/parallel) gives the export that reading it in
 * order gives, byte for byte, counters included — with ranges small enough that messages, deferred
 * recipients and the new year cross their borders, and where a range must be read in order.
 */

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generatePostfixLog } from '../../bench/generate.js';
import { readRenderedEvents, type ReadEventsOptions } from '../../src/ingest/index.js';
import { createClassifier, defaultClassifier, type Classifier } from '../../src/classify/classify.js';
import { analyze } from '../../src/correlate/index.js';
import { resolveContext } from '../../src/correlate/context.js';
import type { RangesReport } from '../../src/ingest/parallel/index.js';
import { lineStartAt } from '../../src/ingest/parallel/ranges.js';
import { LineScanner } from '../../src/ingest/postfix-fast.js';
import { deleteKeys, keyHash, keySet, keysOf } from '../../src/ingest/range.js';
import type { EventRender } from '../../src/report/events.js';
import type { WrittenBytes } from '../../src/io/byte-sink.js';
import { corpus, fixture, NO_SHARED, SHARED } from '../helpers/paths.js';
import { HEAVY } from '../hostile/helpers.js';
import { smtpLines } from '../helpers/postfix-lines.js';

const NDJSON: EventRender = { format: 'ndjson', select: {} };

interface Read {
  text: string;
  inputs: string;
  reports: RangesReport[];
}

async function read(names: string[], threads: number, rangeBytes: number, render = NDJSON, options: ReadEventsOptions = {}): Promise<Read> {
  const reports: RangesReport[] = [];
  const stream = readRenderedEvents(names, { year: 2024, ...options, threads, ranges: { bytes: rangeBytes, minBytes: 1, report: (_f, r) => reports.push(r) } }, render);
  const parts: string[] = [];
  for await (const t of stream) {
    if (typeof t === 'string') { parts.push(t); continue; }
    parts.push(Buffer.from(t).toString('utf8'));
    // Read as a writer would: the buffer goes back to its thread, which fills it again for a later range.
    (t as WrittenBytes).written?.();
  }
  return { text: parts.join(''), inputs: JSON.stringify({ inputs: stream.inputs, errors: stream.errors }), reports };
}

async function assertSameInRanges(names: string[], rangeBytes: number, render = NDJSON, options: ReadEventsOptions = {}, inRanges = true, threadCounts = [2]): Promise<Read> {
  const inOrder = await read(names, 1, rangeBytes, render, options);
  assert.equal(inOrder.reports.length, 0, 'one thread reads in order');
  let first: Read | undefined;
  for (const threads of threadCounts) {
    const apart = await read(names, threads, rangeBytes, render, options);
    if (inRanges) assert.ok(apart.reports.length > 0, 'the file was read in ranges');
    assert.equal(apart.text, inOrder.text, `${threads} threads: the export differs from reading in order`);
    assert.equal(apart.inputs, inOrder.inputs, `${threads} threads: the counters differ`);
    first ??= apart;
  }
  return first!;
}

const dir = mkdtempSync(path.join(tmpdir(), 'bouncelens-ranges-'));
const generated = path.join(dir, 'generated.log');
after(() => rmSync(dir, { recursive: true, force: true }));

test('ranges: a generated relay log (1.5 MB, 46 ranges) exports the same NDJSON, CSV and class selection', async () => {
  await generatePostfixLog(generated, 1_500_000, 11);
  // Three threads on two cores (ranges joined in yet another order) in the heavy run.
  const all = await assertSameInRanges([generated], 32 * 1024, NDJSON, {}, true, HEAVY ? [2, 3] : [2]);
  assert.equal(all.reports[0]!.inOrderFrom, undefined, `no range was read in order (${all.reports[0]!.why})`);
  assert.ok(all.reports[0]!.ranges >= 45, `${all.reports[0]!.ranges} ranges`);
  assert.ok(all.text.split('\n').length > 2000, 'the export has the log\'s events');
  await assertSameInRanges([generated], 32 * 1024, { format: 'csv', select: {} });
  const unknown = await assertSameInRanges([generated], 32 * 1024, { format: 'ndjson', select: { classes: ['user-unknown'] } }, { keepClasses: new Set(['user-unknown']) });
  assert.ok(unknown.text.length > 0 && unknown.text.split('\n').slice(0, -1).every((l) => JSON.parse(l).class === 'user-unknown'));
  const since = Date.UTC(2024, 10, 26, 12), until = Date.UTC(2024, 10, 27, 1);
  await assertSameInRanges([generated], 32 * 1024, { format: 'ndjson', select: { since, until } });
});

test('ranges: worker threads classify with the user\'s signatures; a classifier made elsewhere keeps the file on one thread', async () => {
  const classifier = createClassifier([{
    id: 'test-mailbox-full-as-unknown', class: 'user-unknown', vendor: 'test', phrases: ['mailbox full'],
    explanation: 'a test row', sample: { text: '452 4.2.2 Mailbox full' }, source: 'test',
  }]);
  const sel: EventRender = { format: 'ndjson', select: { classes: ['user-unknown'] } };
  const r = await assertSameInRanges([generated], 32 * 1024, sel, { classifier });
  assert.match(r.text, /"signature":"test-mailbox-full-as-unknown"/, 'the user row classified events in the threads');
  const own: Classifier = { rows: defaultClassifier().rows, classify: (i) => defaultClassifier().classify(i) };
  assert.equal((await read([generated], 2, 32 * 1024, NDJSON, { classifier: own })).reports.length, 0);
});

test('ranges: messages cut by range borders get their sender and Message-ID from the lines before', async () => {
  // 1 KiB ranges: most messages of the generated log cross a border.
  const small = path.join(dir, 'small.log');
  await generatePostfixLog(small, 200_000, 5);
  const r = await assertSameInRanges([small], 1024);
  assert.equal(r.reports[0]!.inOrderFrom, undefined, `no range was read in order (${r.reports[0]!.why})`);
  const bounced = r.text.split('\n').slice(0, -1).map((l) => JSON.parse(l)).filter((e) => e.outcome === 'bounced');
  assert.ok(bounced.length > 5);
  for (const e of bounced) assert.ok(e.sender && e.messageId, `line ${e.origin.line} has its sender and Message-ID`);
});

/** A relay log where a deferred recipient expires two days (many ranges) later, and a queue id is used again. */
function expiryLog(): string {
  const lines: string[] = [];
  const at = (i: number): string => {
    const t = new Date(Date.UTC(2024, 10, 26, 8) + i * 20_000);
    const mon = 'Nov';
    return `${mon} ${String(t.getUTCDate()).padStart(2, ' ')} ${t.toISOString().slice(11, 19)}`;
  };
  let i = 0;
  lines.push(`${at(i)} relay1 postfix/cleanup[301]: 5F0A1B2C3D: message-id=<held.1@app.example.net>`);
  lines.push(`${at(i)} relay1 postfix/qmgr[880]: 5F0A1B2C3D: from=<billing@example.net>, size=2100, nrcpt=2 (queue active)`);
  lines.push(`${at(++i)} relay1 postfix/smtp[302]: 5F0A1B2C3D: to=<carol@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=2, delays=0/0/1/1, dsn=4.2.2, status=deferred (host mx.example.org[203.0.113.5] said: 452 4.2.2 <carol@example.org>: Mailbox full (in reply to RCPT TO command))`);
  lines.push(`${at(i)} relay1 postfix/smtp[302]: 5F0A1B2C3D: to=<dan@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=2, delays=0/0/1/1, dsn=4.4.1, status=deferred (connect to mx.example.org[203.0.113.5]:25: Connection timed out)`);
  for (let m = 0; m < 400; m++) {
    const q = (0xa0000 + m).toString(16).toUpperCase();
    lines.push(`${at(++i)} relay1 postfix/smtpd[400]: ${q}: client=app.example.net[198.51.100.20]`);
    lines.push(`${at(i)} relay1 postfix/cleanup[401]: ${q}: message-id=<m${m}@app.example.net>`);
    lines.push(`${at(i)} relay1 postfix/qmgr[880]: ${q}: from=<news@example.net>, size=900, nrcpt=1 (queue active)`);
    if (m === 150) lines.push(`${at(i)} relay1 postfix/smtp[302]: 5F0A1B2C3D: to=<dan@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=9000, delays=0/0/1/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)`);
    const status = m % 7 === 0 ? 'bounced (host mx.example.com[192.0.2.10] said: 550 5.1.1 <u' + m + '@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))' : 'sent (250 2.0.0 Ok)';
    lines.push(`${at(i)} relay1 postfix/smtp[402]: ${q}: to=<u${m}@example.com>, relay=mx.example.com[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, dsn=${m % 7 === 0 ? '5.1.1' : '2.0.0'}, status=${status}`);
    lines.push(`${at(i)} relay1 postfix/qmgr[880]: ${q}: removed`);
  }
  lines.push(`${at(++i)} relay1 postfix/qmgr[880]: 5F0A1B2C3D: from=<billing@example.net>, status=expired, returned to sender`);
  lines.push(`${at(i)} relay1 postfix/qmgr[880]: 5F0A1B2C3D: removed`);
  // The same queue id again, several ranges later, its sender not logged (a grep'ed log): none is carried over.
  for (let m = 0; m < 40; m++) lines.push(`${at(++i)} relay1 postfix/smtpd[400]: connect from app.example.net[198.51.100.20]`);
  lines.push(`${at(++i)} relay1 postfix/smtp[302]: 5F0A1B2C3D: to=<erin@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.example.org[203.0.113.5] said: 550 5.1.1 <erin@example.org>: User unknown (in reply to RCPT TO command))`);
  return lines.join('\n') + '\n';
}

test('ranges: recipients deferred before a range expire in it with their last reply; a queue id used again after its removal starts afresh', async () => {
  const file = path.join(dir, 'expiry.log');
  writeFileSync(file, expiryLog());
  const r = await assertSameInRanges([file], 2048);
  assert.equal(r.reports[0]!.inOrderFrom, undefined, `no range was read in order (${r.reports[0]!.why})`);
  const events = r.text.split('\n').slice(0, -1).map((l) => JSON.parse(l));
  const expired = events.filter((e) => e.outcome === 'expired');
  assert.deepEqual(expired.map((e) => [e.recipient, e.sender, e.messageId, e.status]), [['carol@example.org', 'billing@example.net', 'held.1@app.example.net', '4.2.2']],
    'dan was delivered in between, so carol alone expires, with the Message-ID of the first range');
  const erin = events.find((e) => e.recipient === 'erin@example.org');
  assert.deepEqual([erin.queueId, erin.sender, erin.messageId], ['5F0A1B2C3D', undefined, undefined], 'the removed message\'s sender and Message-ID are not carried to the queue id used again');
});

test('ranges: CRLF line ends and UTF-8 text (cut only at newlines, decoded per piece) export the same', async () => {
  const file = path.join(dir, 'crlf.log');
  const text = expiryLog().replace(/User unknown/g, 'Benutzer unbekannt – Empfänger «inconnu» 不明').replace(/\n/g, '\r\n');
  writeFileSync(file, text);
  const r = await assertSameInRanges([file], 1500);
  assert.equal(r.reports[0]!.inOrderFrom, undefined, `no range was read in order (${r.reports[0]!.why})`);
  assert.match(r.text, /Empfänger «inconnu» 不明/);
  assert.doesNotMatch(r.text, /\\r/);
});

test('ranges: over-long lines are cut where reading in order cuts them; one longer than a range is read in order', async () => {
  const file = path.join(dir, 'long.log');
  const base = expiryLog().split('\n').filter(Boolean);
  const long = (n: number): string => `Nov 26 09:00:00 relay1 postfix/smtpd[400]: warning: ${'é'.repeat(n)}`;
  const lines = [
    ...base.slice(0, 100), long(350_000), ...base.slice(100, 200), // 700 KB of two-byte characters
    // 1.5 MB from ~0.75 MB, filling a whole read chunk, within the first 2 MiB range. Cut at 256 KiB
    // it loses its status (unrecognised); cut by characters, as lines once were, it kept it.
    `Nov 26 09:00:00 relay1 postfix/smtp[302]: 5F0A1B2C3E: to=<${'é'.repeat(150_000)}@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.example.org[203.0.113.5] said: 550 5.1.1 ${'é'.repeat(600_000)})`,
    ...base, ...base,
    long(1_750_000), // 3.5 MB: longer than a range may grow
    ...base.slice(0, 200),
  ];
  writeFileSync(file, lines.join('\n'));
  const r = await assertSameInRanges([file], 2 << 20);
  assert.match(r.reports[0]!.why ?? '', /longer than a range/);
  assert.ok(r.reports[0]!.inOrderFrom! >= 1, 'the range with the chunk-long line was read apart and joined');
  assert.match(r.inputs, /"unrecognised":1,"overlong":3,/);
  assert.match(r.inputs, /"firstUnrecognised":202\}/, 'the chunk-long line, cut at 256 KiB, is the unrecognised one');
});

test('ranges: an Exim line, and the new year, make the file read in order from their range on', async () => {
  const file = path.join(dir, 'mixed.log');
  const base = expiryLog().split('\n');
  base.splice(900, 0, 'Nov 26 13:00:00 relay1 exim[77]: 2024-11-26 13:00:00 1tF5Ab-000123-Xy <= news@example.net H=app.example.net [198.51.100.20] P=esmtp S=900');
  writeFileSync(file, base.join('\n'));
  const r = await assertSameInRanges([file], 4096);
  assert.ok(r.reports[0]!.inOrderFrom! > 0, 'ranges before the Exim line were joined');
  assert.match(r.reports[0]!.why!, /Exim line/);

  const rollover = path.join(dir, 'rollover.log');
  const text = expiryLog().split('\n').map((l, i) => (i > 1200 && l ? l.replace(/^Nov 2\d/, 'Jan  1') : l.replace(/^Nov/, 'Dec'))).join('\n');
  writeFileSync(rollover, text);
  const y = await assertSameInRanges([rollover], 4096);
  assert.match(y.text, /"time":"2025-01-01T/, 'the lines after the new year are in 2025');
  assert.match(y.text, /"time":"2024-12-/);
});

test('ranges: the fixtures and the corpus logs export the same in tiny ranges', async () => {
  for (const f of [fixture('postfix', 'relay.log'), fixture('incident', 'inputs', 'relay1-mail.log'), fixture('incident', 'inputs', 'mx-mail.log'), fixture('postfix', 'rsyslog-iso.log')]) {
    await assertSameInRanges([f], 300);
  }
});

test('ranges: the corpus Postfix logs export the same in tiny ranges', { skip: NO_SHARED }, async () => {
  const logs = readdirSync(corpus('logs', 'postfix')).filter((f) => f.endsWith('.log')).map((f) => corpus('logs', 'postfix', f));
  assert.ok(SHARED && logs.length >= 8);
  let inRanges = 0;
  for (const f of logs) {
    // Some are not syslog files (logwatch output, grok samples): those are read in order anyway.
    if ((await assertSameInRanges([f], 700, NDJSON, {}, false)).reports.length) inRanges++;
  }
  assert.ok(inRanges >= 8, `${inRanges} corpus logs read in ranges`);
});

test('ranges: borders at line starts, lines counted as splitLines numbers them', () => {
  const file = path.join(dir, 'borders.log');
  writeFileSync(file, 'aaa\nbb\n\ncccc');
  const fd = openSync(file, 'r');
  try {
    assert.deepEqual([0, 1, 3, 4, 5, 7, 8, 9, 13, 20].map((p) => lineStartAt(fd, p, 13)), [0, 4, 4, 4, 7, 7, 8, 13, 13, 13]);
  } finally {
    closeSync(fd);
  }
  const scanner = new LineScanner(4096, 1);
  const inSlot = (text: string): Buffer => { const b = scanner.slot(0); const n = b.write(text, 'latin1'); return b.subarray(0, n); };
  for (const count of [(t: string) => scanner.countLines(Buffer.from(t, 'latin1')), (t: string) => scanner.countLines(inSlot(t))]) {
    assert.equal(count('aaa\nbb\n\ncccc'), 4);
    assert.equal(count('aaa\n'), 1);
    assert.equal(count(''), 0);
    assert.equal(count('\n'.repeat(33)), 33);
    // Newlines on either side of the 16-byte blocks the scanner counts in, and a last line without one.
    const text = Array.from({ length: 200 }, (_, i) => 'x'.repeat(i % 19)).join('\n');
    assert.equal(count(text), 200);
    assert.equal(count(`${text}\n`), 200);
  }
});

/** The whole diagnosis of `analyze` (key order included) and how the files were read. */
async function diagnosis(names: string[], threads: number, rangeBytes: number, raw: Parameters<typeof resolveContext>[0] = {}): Promise<{ json: string; reports: RangesReport[] }> {
  const reports: RangesReport[] = [];
  const r = await analyze(names, await resolveContext(raw), { year: 2024, threads, ranges: { bytes: rangeBytes, minBytes: 1, report: (_f, x) => reports.push(x) } });
  return { json: JSON.stringify(r), reports };
}

/**
 * Deliveries whose recipients a range's thread hands over as bytes, numbered on this thread: each
 * recipient first seen in either spelling, in a refusal or a delivery; addresses the ledger leaves
 * to the string path (a space, an `rfc822;` prefix, an IMCEAEX address) and one without a domain.
 */
function writeLedgerLog(file: string): void {
  const { sent, bounced } = smtpLines();
  const lines: string[] = [];
  for (let round = 0; round < 3; round++) {
    lines.push(bounced('A1B2C3D4E5', 'Anna.Berg@example.com', 'mx.new.example'));
    lines.push(sent('A1B2C3D4E6', 'anna.berg@EXAMPLE.com.', 'mx.old.example'));
    lines.push(sent('A1B2C3D4E7', 'Carl@Example.com', 'mx.old.example'));
    lines.push(bounced('A1B2C3D4E9', 'carl@example.com', 'mx.new.example'));
    lines.push(sent('C1B2C3D4E0', '"anna berg"@example.com', 'mx.new.example'));
    lines.push(sent('C1B2C3D4E1', 'rfc822;Dora@example.com', 'mx.new.example'));
    lines.push(sent('C1B2C3D4E2', 'IMCEAEX-_o=ExchangeLabs_ou=Exchange+20Administrative+20Group_cn=Recipients_cn=dora@example.com', 'mx.new.example'));
    lines.push(sent('C1B2C3D4E3', 'nodomain', 'mx.new.example'));
    for (let i = 0; i < 4; i++) lines.push(sent(`B1B2C3D4E${i}`, `user${i + round}@example.com`, i % 2 ? 'mx.new.example' : 'mx.old.example'));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

test('ranges: analyze gives the same diagnosis from ranges, deliveries handed over in line order', async () => {
  writeLedgerLog(path.join(dir, 'ledger.log'));
  const incident = {
    cutover: ['2024-11-27T09:00:00Z'],
    oldMx: ['mx1.old.example', '192.0.2.10', 'oldmx.example.org', '203.0.113.5'],
    newMx: ['example-com.mail.protection.outlook.com', 'mx.example.org', '198.51.100.40'],
  };
  const cases: [string[], number, Parameters<typeof resolveContext>[0]][] = [
    [[generated], 32 * 1024, {}],
    [[generated], 32 * 1024, { oldMx: ['mx0.d1.example', 'mx0.d2.example'], newMx: ['mx1.d1.example', 'mx2.d2.example'] }],
    [[path.join(dir, 'expiry.log'), path.join(dir, 'mixed.log')], 2048, {}],
    [[fixture('incident', 'inputs')], 400, incident],
    [[fixture('postfix', 'relay.log')], 300, {}],
    [[path.join(dir, 'ledger.log')], 700, { cutover: ['2024-11-27T08:10:00Z'], oldMx: ['mx.old.example'], newMx: ['mx.new.example'] }],
  ];
  let apart = 0;
  for (const [names, bytes, raw] of cases) {
    const inOrder = await diagnosis(names, 1, bytes, raw);
    assert.equal(inOrder.reports.length, 0);
    const ranges = await diagnosis(names, 2, bytes, raw);
    assert.equal(ranges.json, inOrder.json, `${names.map((n) => path.basename(n)).join(', ')}: the diagnosis differs`);
    if (ranges.reports.some((r) => r.inOrderFrom === undefined)) apart++;
  }
  assert.ok(apart >= 3, 'most cases were joined from ranges without reading in order');
});

test('merge: the keys a range removed are deleted from the carried queue whichever side is smaller, exactly', () => {
  const keys = ['relay1|postfix|0000100001', 'relay1|postfix|00001000012', 'rélay|postfix-out|ABC', 'h|p|Q'];
  const set = keySet(keys);
  assert.deepEqual(keysOf(set), keys);
  assert.deepEqual(keysOf(keySet([])), []);
  const carried = ['relay1|postfix|000010000', 'relay1|postfix|0000100001', 'rélay|postfix-out|ABC', 'other|postfix|0000100001', 'relay1|postfix|00001000012x'];
  // Fewer carried entries than removed keys (looked up by hash, confirmed in the bytes), and more.
  for (const extra of [0, 10]) {
    const map = new Map<string, unknown>([...carried, ...Array.from({ length: extra }, (_, i) => `pad|postfix|${i}`)].map((k) => [k, {}]));
    deleteKeys(map, set);
    assert.deepEqual([...map.keys()].filter((k) => !k.startsWith('pad|')), ['relay1|postfix|000010000', 'other|postfix|0000100001', 'relay1|postfix|00001000012x'], `${extra} more`);
  }
  const map = new Map([['a', 1]]);
  deleteKeys(map, keySet([]));
  assert.equal(map.size, 1);
  // Two keys of one hash: only the removed one goes.
  assert.equal(keyHash('h|p|20PK'), keyHash('h|p|NC40'));
  const colliding = new Map([['h|p|20PK', 1], ['h|p|NC40', 2]]);
  deleteKeys(colliding, keySet(['h|p|NC40', 'x|y|1', 'x|y|2']));
  assert.deepEqual([...colliding.keys()], ['h|p|20PK']);
});
