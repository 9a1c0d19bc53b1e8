/**
 * The WebAssembly line scanner (assembly/postfix-scan.ts, read by src/ingest/postfix-fast.ts)
 * against the JavaScript reading it replaces in worker threads (SyslogLines over splitLines): the
 * same events, counters, queue state left for the merge, clock and deliveries handed over — on
 * the fixtures, the corpus logs, a generated log, every one of their lines alone, lines made to
 * sit on the scanner's borders, and random mutations of real lines.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { generatePostfixLog } from '../../bench/generate.js';
import { defaultClassifier } from '../../src/classify/classify.js';
import { splitLines, type LineStats } from '../../src/io/lines.js';
import { once } from '../../src/io/open.js';
import { MAX_LINE_BYTES, MAX_QUEUE_ENTRIES } from '../../src/limits.js';
import { syslogReader } from '../../src/ingest/maillog.js';
import { LineScanner } from '../../src/ingest/postfix-fast.js';
import type { RangeRead } from '../../src/ingest/range.js';
import { newStats, type InputStats, type ReadContext } from '../../src/ingest/reader.js';
import type { ClockState } from '../../src/ingest/syslog.js';
import type { BounceClass, DeliveryEvent } from '../../src/types.js';
import { corpus, fixture, NO_SHARED, tempDir } from '../helpers/paths.js';
import { HEAVY } from '../hostile/helpers.js';

/** How a range is read: as an export of every event, `--class user-unknown`, or analyze (deliveries handed over). */
interface Mode {
  name: string;
  keepClasses?: ReadonlySet<BounceClass>;
  deliveries?: boolean;
  clockStart?: ClockState;
}

const MODES: Mode[] = [
  { name: 'every event' },
  { name: '--class user-unknown', keepClasses: new Set<BounceClass>(['user-unknown']) },
  { name: 'analyze', deliveries: true },
  { name: 'a range after December', keepClasses: new Set<BounceClass>(['user-unknown', 'mailbox-full']), clockStart: { year: 2023, lastMonth: 12 } },
];

interface Outcome {
  events: DeliveryEvent[];
  deliveries: unknown[];
  stats: InputStats;
  lineStats: LineStats;
  /** The range's state for the merge, its fixes by the index of their event. */
  range: Omit<RangeRead, 'fixes'> & { fixes: [number, unknown][] };
}

function context(mode: Mode, deliveries: unknown[]): ReadContext {
  const range: RangeRead = { clockStart: mode.clockStart, fixes: new Map() };
  return {
    file: 'mail.log', run: { shared: new Map() }, stats: newStats('mail.log'), tz: 'UTC', referenceTime: Date.UTC(2024, 11, 31),
    classifier: defaultClassifier(), keepClasses: mode.keepClasses, range,
    onDelivered: mode.deliveries ? (...args) => deliveries.push(args) : undefined,
  };
}

function outcome(ctx: ReadContext, events: DeliveryEvent[], deliveries: unknown[], lineStats: LineStats): Outcome {
  const { fixes, ...rest } = ctx.range!;
  return { events, deliveries, stats: ctx.stats, lineStats, range: { ...rest, fixes: [...fixes].map(([e, f]) => [events.indexOf(e), f]) } };
}

/** The reading the scanner replaces: lines split and decoded, each read by SyslogLines. */
async function readByLines(bytes: Buffer, mode: Mode): Promise<Outcome> {
  const deliveries: unknown[] = [];
  const ctx = context(mode, deliveries);
  const lineStats: LineStats = { overlong: 0, bareCr: false };
  const events: DeliveryEvent[] = [];
  for await (const batch of syslogReader.read(splitLines(once(bytes), lineStats, MAX_LINE_BYTES, { first: 7, sep: 0x0a }), ctx)) events.push(...batch);
  return outcome(ctx, events, deliveries, lineStats);
}

const scanner = new LineScanner(4 << 20, 1);

/** `bytes` copied into the scanner's slot, where it is scanned in place. */
function inSlot(bytes: Buffer): Buffer {
  const slot = scanner.slot(0);
  bytes.copy(slot);
  return slot.subarray(0, bytes.length);
}

function readByScanner(bytes: Buffer, mode: Mode): Outcome {
  const deliveries: unknown[] = [];
  const ctx = context(mode, deliveries);
  const lineStats: LineStats = { overlong: 0, bareCr: false };
  const events: DeliveryEvent[] = [];
  for (const batch of scanner.read(bytes, 7, ctx, lineStats)) events.push(...batch);
  return outcome(ctx, events, deliveries, lineStats);
}

/**
 * `got` with the queue's peak of `want` once checked: the scanner's is a bound, one more than
 * reading every line when it left a whole message out (RangeQueue.peak).
 */
function peakChecked(got: Outcome, want: Outcome, what: string): Outcome {
  const g = got.range.queue, w = want.range.queue;
  if (g && w) {
    assert.ok(g.peak === w.peak || g.peak === w.peak + 1, `${what}: queue peak ${g.peak}, reading every line ${w.peak}`);
    g.peak = w.peak;
  }
  return got;
}

/** Asserts the scanner reads `text` as the lines do, in every mode. */
async function assertSame(text: string | Buffer, what: string): Promise<void> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (const mode of MODES) {
    const want = await readByLines(bytes, mode);
    assert.deepStrictEqual(peakChecked(readByScanner(bytes, mode), want, what), want, `${what} (${mode.name})`);
    assert.deepStrictEqual(peakChecked(readByScanner(inSlot(bytes), mode), want, what), want, `${what} (${mode.name}, in place)`);
  }
}

const logFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => statSync(f).isFile() && /\.log$|mainlog|\/TD\//.test(f));

test('fixtures: the scanner reads every syslog fixture as the lines do, whole and line by line', async () => {
  const files = [fixture('postfix', 'relay.log'), fixture('postfix', 'rsyslog-iso.log'), fixture('incident', 'inputs', 'relay1-mail.log'), fixture('incident', 'inputs', 'mx-mail.log'), fixture('exim', 'mainlog')];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    await assertSame(text, f);
    for (const line of text.split('\n')) await assertSame(`${line}\n`, `${f}: ${line}`);
  }
});

test('corpus: the scanner reads every Postfix, Sendmail and Exim corpus log as the lines do, whole (heavy: and line by line)', { skip: NO_SHARED }, async () => {
  const files = ['postfix', 'sendmail', 'exim'].flatMap((d) => logFiles(corpus('logs', d)));
  assert.ok(files.length >= 20, `corpus logs: ${files.length}`);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    await assertSame(text, f);
    if (HEAVY) for (const line of text.split('\n')) await assertSame(`${line}\n`, `${f}: ${line}`);
  }
});

test('a generated relay log: the same reading, and the scanner claims nine lines in ten', async () => {
  const file = path.join(tempDir('bouncelens-scan-'), 'gen.log');
  await generatePostfixLog(file, 600_000, 9);
  const bytes = readFileSync(file);
  await assertSame(bytes, 'generated log');
  const ctx = context(MODES[1]!, []);
  for (const _ of scanner.read(bytes, 1, ctx, { overlong: 0, bareCr: false })) { /* counted */ }
  const { claimed, skipped, slow } = scanner.counts;
  const lines = ctx.stats.records;
  assert.equal(claimed + skipped + slow, lines);
  assert.ok(slow < lines / 10, `read by the parser: ${slow} of ${lines}`);
  assert.ok(skipped > lines / 3, `only counted: ${skipped} of ${lines}`);
});

/** Lines on the scanner's borders: each must be read as the parser reads it, claimed or not. */
const EDGE_LINES = [
  // Stamps: fractions, one-digit days, bad times, short lines, lower-case months, other scripts.
  'Nov 26 00:00:01.123456 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 00:00:01.relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 00:00:01.1234567 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov  6 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 6 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 06 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov  06 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 0:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 25:61:99 relay1 postfix/qmgr[880]: 0000100000: removed',
  'nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 00:00:01',
  'Nov 26 00:00:01 ',
  'Nov 26 00:00:01 relay1',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]:',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: ',
  'Nov 26 00:00:01  relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 00:00:01 <mail.info> relay1 postfix/qmgr[880]: 0000100000: removed',
  '<22>Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  '\0\0Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed\r',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed\r\r',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed extra',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removedx',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000:  removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000:removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr: 0000100000: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr [880]: 0000100000: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880] : 0000100000: removed',
  'Nov 26 00:00:01 relay1 /postfix-script[12]: 0000100000: removed',
  'Nov 26 00:00:01 relay1 postfix-out/smtp/qmgr[880]: 0000100000: removed',
  'Nov 26 00:00:01 relay1 postfixer[880]: starting',
  'Nov 26 00:00:01 relay1 dovecot: imap-login: Login: user=<a@example.org>',
  'Nov 26 00:00:01 relay1 exim[12]: 2024-11-26 00:00:01 1abcDE-000123-AB <= a@example.org',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: removed café',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: message-id=<café@example.org>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<a@é>',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<é@example.org>, size=1, nrcpt=1 (queue active)',
  // Queue ids: short, long, 20 and 21 characters, logwatch's stand-ins, NOQUEUE.
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 00001: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 4G6yC35YlszCx5Pk12ab: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 4G6yC35YlszCx5Pk12abc: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: Q: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: Q2: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: N: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: X: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000-x: removed',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000:',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: ',
  // Message-IDs: blanks, brackets, empty.
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<a@b>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=  <a@b>  ',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=\t<a@b>\t',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<a@b',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=a@b>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<<a@b>>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<a b> status=sent',
  // Senders: expiry, other statuses, no bracket.
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<s@example.org>, size=1, nrcpt=1 (queue active)',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<>, size=1, nrcpt=1 (queue active)',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<s@example.org>, status=expired, returned to sender',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<s@example.org>, status=force-expired, returned to sender',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<s@example.org>, status=odd',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<s@example.org> status=expired',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<s@example.org',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=s@example.org, size=1',
  'Nov 26 00:00:01 relay1 postfix/qmgr[880]: 0000100000: from=<a>b>, size=1',
  // Deliveries: sent to remote, loopback, sockets, no relay, odd fields.
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx.d.example[203.0.113.9]:25, delay=1, delays=0/0/0/0, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx.d.example[203.0.113.9]:25, delay=1, dsn=2.0.0, status=sent',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx.d.example[203.0.113.9]:25, delay=1, dsn=2.0.0, status=sentx (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 queued as X)',
  'Nov 26 00:00:01 relay1 postfix/lmtp[2002]: 0000100000: to=<u@d.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=localhost[::1]:10024, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=x[0:0:0:0:0:0:0:1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=x[::FFFF:127.0.0.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=x[1270.0.0.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=x[]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=x[203.0.113.9, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/lmtp[2002]: 0000100000: to=<u@d.example>, relay=mail[private/dovecot-lmtp], delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/local[2002]: 0000100000: to=<u@d.example>, orig_to=<alias@d.example>, relay=local, delay=1, dsn=2.0.0, status=sent (delivered to mailbox)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: relay=mx[203.0.113.9]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, to=<v@d.example>, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<"a>, b"@d.example>, relay=mx[203.0.113.9]:25, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>,relay=mx[203.0.113.9]:25, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, de lay=1, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, delay=1 status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=u@d.example, relay=mx[203.0.113.9]:25, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<>, relay=mx[203.0.113.9]:25, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u>, relay=mx[203.0.113.9]:25, status=sent (250 ok)',
  // analyze takes a delivery from the scanner only when its reply is plain: no host named, nothing of a legacy DN.
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=sent (host mx2.d.example[203.0.113.10] said: 250 2.0.0 ok (in reply to end of DATA command))',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=sent (connect to mx2.d.example[203.0.113.10]:25: then 250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=sent (250 2.1.5 IMCEAEX-_o=Org_ou=Exchange@d.example ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=sent (250 2.1.5 forwarded to x500:/O=ORG/OU=EXCHANGE)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=sent (250 2.0.0 IMCEAEX\t-x ok\x01)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<IMCEAEX-_o=Org@d.example>, relay=mx[203.0.113.9]:25, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=MX.D.Example.[203.0.113.9]:25, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@D.Example.>, relay=none, status=sent (250 ok)',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=sent ok',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (host mx[203.0.113.9] said: 550 5.1.1 <u@d.example>: User unknown (in reply to RCPT TO command))',
  'Nov 26 00:00:01 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx[203.0.113.9]:25: Connection timed out)',
  'Nov 26 00:00:01 relay1 postfix/verify[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, status=deliverable (250 ok)',
  // Lines of no outcome, and lines that only look like one.
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: connect from app0.example.info[192.0.2.1]',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: disconnect from app0.example.info[192.0.2.1] ehlo=1 mail=1 rcpt=3 data=1 quit=1 commands=7',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: 0000100000: client=app0.example.info[192.0.2.1]',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: warning: status=sent to=<x> looks like an outcome',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: warning: no status= here',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: 0000100000: client=x status=bounced',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: 0000100000: stat=sent status',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: status=',
  'Nov 26 00:00:01 relay1 postfix/smtpd[2000]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <u@d.example>: Recipient address rejected: User unknown; from=<s@e.example> to=<u@d.example> proto=ESMTP helo=<x>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: milter-reject: END-OF-MESSAGE from x[192.0.2.1]: 5.7.1 spam; from=<s@e.example> to=<u@d.example> proto=ESMTP helo=<x>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: reject_warning: RCPT from x[192.0.2.1]: 550 5.1.1 <u@d.example>: no; from=<s@e.example> to=<u@d.example>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: redirect: RCPT from x[192.0.2.1]: y; from=<s@e.example> to=<u@d.example>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: discard: RCPT from x[192.0.2.1]: y; from=<s@e.example> to=<u@d.example>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: hold: RCPT from x[192.0.2.1]: y; from=<s@e.example> to=<u@d.example>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: warn: RCPT from x[192.0.2.1]: y; from=<s@e.example> to=<u@d.example>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: filter: RCPT from x[192.0.2.1]: y; from=<s@e.example> to=<u@d.example>',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: host mx said: 450 try later',
  'Nov 26 00:00:01 relay1 postfix/bounce[2001]: 0000100000: sender non-delivery notification: 0000100001',
  'Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: warning: header Subject: x from y; from=<a> to=<b>',
  '',
  ' ',
  '\t',
  '{"MESSAGE":"x","SYSLOG_IDENTIFIER":"postfix/qmgr","__REALTIME_TIMESTAMP":"1"}',
  '2024-11-26T00:00:01+00:00 relay1 postfix/qmgr[880]: 0000100000: removed',
  `Nov 26 00:00:01 relay1 postfix/cleanup[2001]: 0000100000: message-id=<${'x'.repeat(9000)}@example.org>`,
];

test('lines on the borders of what the scanner claims: each read as the parser reads it, alone and after a line of the same queue id', async () => {
  const open = 'Nov 26 00:00:00 relay1 postfix/cleanup[2001]: 0000100000: message-id=<first@example.org>\n';
  const bounce = 'Nov 26 00:00:02 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (host mx[203.0.113.9] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n';
  for (const line of EDGE_LINES) {
    await assertSame(`${line}\n`, JSON.stringify(line));
    await assertSame(line, `${JSON.stringify(line)} without a newline`);
    await assertSame(`${open}${line}\n${bounce}`, `${JSON.stringify(line)} in a message`);
  }
  await assertSame(EDGE_LINES.join('\n'), 'all of them');
  await assertSame(EDGE_LINES.join('\r\n'), 'all of them, CRLF');
});

test('the clock: months turning over among lines only counted, a late line, a new year', async () => {
  const info = (stamp: string): string => `${stamp} relay1 postfix/smtpd[2000]: connect from x[192.0.2.1]`;
  const removed = (stamp: string): string => `${stamp} relay1 postfix/qmgr[880]: 0000100000: removed`;
  const bounce = (stamp: string): string => `${stamp} relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)`;
  const sequences = [
    [info('Dec 31 23:59:59'), info('Dec 31 23:59:59'), info('Jan  1 00:00:00'), info('Jan  1 00:00:01'), bounce('Jan  1 00:00:02')],
    [info('Dec 31 23:59:59'), info('Jun 30 12:00:00'), info('Jun 30 12:00:00'), bounce('Jun 30 12:00:01'), bounce('Dec 31 23:59:59')],
    [bounce('Dec 31 23:59:59'), removed('Jan  1 00:00:00'), info('Jan  1 00:00:00'), info('Dec 31 23:59:59'), info('Dec 31 23:59:59'), bounce('Jan  1 00:00:05')],
    [info('Mar  1 00:00:00'), info('Mar  1 00:00:00.5'), info('Feb 28 00:00:00'), info('Feb 28 00:00:00'), bounce('Mar  1 00:00:05')],
    [info('Jul  1 00:00:00'), 'Jul 1 garbage', info('Jul  1 00:00:00'), '<13>Aug  1 00:00:00 relay1 postfix/smtpd[2000]: connect from x', info('Aug  1 00:00:00'), bounce('Aug  1 00:00:01')],
  ];
  for (const s of sequences) await assertSame(s.join('\n'), s.join(' | '));
});

test('host and instance: the scope carried from one claimed line to the next changes with either', async () => {
  const lines = [
    'Nov 26 00:00:00 relay1 postfix/cleanup[1]: 0000100000: message-id=<a@x>',
    'Nov 26 00:00:00 relay1 postfix/qmgr[2]: 0000100000: from=<s@x>, size=1, nrcpt=1 (queue active)',
    'Nov 26 00:00:00 relay2 postfix/cleanup[1]: 0000100000: message-id=<b@x>',
    'Nov 26 00:00:00 relay1 postfix-out/qmgr[2]: 0000100000: from=<t@x>, size=1, nrcpt=1 (queue active)',
    'Nov 26 00:00:00 relay1 postfix-out/smtp[3]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
    'Nov 26 00:00:00 relay2 postfix/smtp[3]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
    'Nov 26 00:00:00 relay1 postfix/smtp[3]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
    'Nov 26 00:00:00 relay1x postfix/smtp[3]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
    'Nov 26 00:00:00 relay postfix/cleanup[1]: 0000100000: message-id=<c@x>',
    'Nov 26 00:00:00 relay postfixx/cleanup[1]: 0000100000: message-id=<d@x>',
    'Nov 26 00:00:00 relay postfix/smtp[3]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
  ];
  await assertSame(lines.join('\n'), 'scopes');
});

test('whole messages: only the removal of a message read as a whole is recorded, and only when nothing between its lines needs the parser', async () => {
  const at = (stamp: string, host: string, program: string, rest: string): string => `${stamp} ${host} postfix/${program}: ${rest}`;
  const message = (qid: string, stamp = 'Nov 26 00:00:01', host = 'relay1'): string[] => [
    at(stamp, host, 'cleanup[1]', `${qid}: message-id=<${qid}@app.example>`),
    at(stamp, host, 'qmgr[2]', `${qid}: from=<s@app.example>, size=1, nrcpt=2 (queue active)`),
    at(stamp, host, 'smtp[3]', `${qid}: to=<a@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=2.0.0, status=sent (250 ok)`),
    at(stamp, host, 'smtp[3]', `${qid}: to=<b@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=2.0.0, status=sent (250 ok)`),
    at(stamp, host, 'qmgr[2]', `${qid}: removed`),
  ];
  const first = at('Nov 26 00:00:00', 'relay1', 'smtpd[9]', 'connect from x[192.0.2.1]');
  const bounce = at('Nov 26 00:00:01', 'relay1', 'smtp[3]', '0000200000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)');
  const info = at('Nov 26 00:00:01', 'relay1', 'smtpd[9]', 'disconnect from x[192.0.2.1]');
  const [messageId, sender, sent, sent2, removed] = message('0000100000');
  // Lines of the log, and the lines the scanner records (--class: its `status=sent` lines claimed).
  const cases: [string, string[], number][] = [
    ['a whole message', [first, ...message('0000100000')], 2],
    ['two, one after the other', [first, ...message('0000100000'), ...message('0000100001')], 3],
    ['two interleaved: the first whole, the second not (one at a time)', [first, messageId, ...message('0000100001').slice(0, 2), sender, sent, sent2, removed, ...message('0000100001').slice(2)], 7],
    ['a bounce of another message between', [first, messageId, sender, bounce, sent, sent2, removed], 7],
    ['lines only counted between', [first, messageId, info, sender, info, sent, sent2, info, removed], 2],
    ['its Message-ID twice: the second starts a whole message', [first, messageId, sender, messageId, sent, sent2, removed], 4],
    ['another host\'s message of the same queue id between', [first, messageId, ...message('0000100000', 'Nov 26 00:00:01', 'relay2'), sender, sent, sent2, removed], 7],
    ['another host\'s removal of the same queue id between', [first, messageId, removed.replace('relay1', 'relay2'), sender, sent, sent2, removed], 3],
    ['another instance\'s removal of the same queue id between', [first, messageId, removed.replace('postfix/', 'postfix-out/'), sender, sent, sent2, removed], 3],
    ['no removal', [first, messageId, sender, sent, sent2], 5],
    ['a new month on its removal', [first, messageId, sender, sent, sent2, removed.replace('Nov 26 00:00:01', 'Dec  1 00:00:00')], 6],
    ['the month before it another', [first.replace('Nov 26', 'Oct 31'), ...message('0000100000')], 6],
    ['the first line read', message('0000100000'), 5],
    ['its lines further apart than the scanner looks', [first, messageId, ...Array<string>(32).fill(first), sender, sent, sent2, removed], 6],
    ['opened before: a sender, then the whole message', [first, sender, ...message('0000100000')], 3],
    ['deferred before, then the whole message', [first, messageId, sender, at('Nov 26 00:00:01', 'relay1', 'smtp[3]', '0000100000: to=<a@d.example>, relay=none, dsn=4.4.1, status=deferred (connect to mx: Connection timed out)'), ...message('0000100000')], 5],
    ['a removal without its message', [first, removed, ...message('0000100000')], 3],
  ];
  for (const [what, lines, recorded] of cases) {
    await assertSame(lines.join('\n'), what);
    const ctx = context(MODES[1]!, []);
    for (const _ of scanner.read(Buffer.from(lines.join('\n')), 1, ctx, { overlong: 0, bareCr: false })) { /* counted */ }
    const { claimed, slow } = scanner.counts;
    assert.equal(claimed + slow, recorded, `${what}: lines recorded`);
  }
});

test('whole messages and the queue cap: none is left out when the queue could have reached its cap meanwhile', async () => {
  // MAX_QUEUE_ENTRIES - 1 messages opened and never removed, then a whole message with the opening of
  // another between its lines: reading every line, that opening evicts the oldest entry.
  const open = Array.from({ length: MAX_QUEUE_ENTRIES - 1 }, (_, i) => `Nov 26 00:00:00 h postfix/cleanup[1]: A${String(i).padStart(7, '0')}: message-id=<m>`);
  const q = (rest: string): string => `Nov 26 00:00:01 h postfix/qmgr[2]: Q000001: ${rest}`;
  const tail = [
    'Nov 26 00:00:01 h postfix/cleanup[1]: Q000001: message-id=<q>',
    'Nov 26 00:00:01 h postfix/cleanup[1]: R000001: message-id=<r>',
    q('from=<s@app.example>, size=1, nrcpt=1 (queue active)'),
    'Nov 26 00:00:01 h postfix/smtp[3]: Q000001: to=<a@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=2.0.0, status=sent (250 ok)',
    q('removed'),
    'Nov 26 00:00:02 h postfix/smtp[3]: A0000000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
  ];
  const bytes = Buffer.from([...open, ...tail].join('\n'));
  const mode = MODES[1]!;
  const want = await readByLines(bytes, mode);
  assert.equal(want.stats.capped['postfix queue entries'], 1);
  assert.equal(want.events[0]?.messageId, undefined, 'the bounce of an evicted message has no Message-ID');
  assert.deepStrictEqual(peakChecked(readByScanner(inSlot(bytes), mode), want, 'cap'), want);
});

/** Real line shapes, mutated at random below. */
const SEEDS = [
  'Nov 26 00:00:00 relay1 postfix/smtpd[2000]: connect from app0.example.info[192.0.2.1]',
  'Nov 26 00:00:00 relay1 postfix/smtpd[2000]: 0000100000: client=app0.example.info[192.0.2.1]',
  'Nov 26 00:00:00 relay1 postfix/cleanup[2001]: 0000100000: message-id=<0000100000.2000@app.example.info>',
  'Nov 26 00:00:00 relay1 postfix/qmgr[880]: 0000100000: from=<sender0@example.info>, size=16733, nrcpt=3 (queue active)',
  'Nov 26 00:00:00 relay1 postfix/smtpd[2000]: disconnect from app0.example.info[192.0.2.1] ehlo=1 mail=1 rcpt=3 data=1 quit=1 commands=7',
  'Nov 26 00:00:00 relay1 postfix/smtp[2002]: 0000100000: to=<user29204@d764.example>, relay=mx2.d764.example[203.0.113.99]:25, delay=1.87, delays=0.01/0/0.5/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1F0001F)',
  'Nov 26 00:00:00 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=mx[203.0.113.9]:25, dsn=5.1.1, status=bounced (host mx[203.0.113.9] said: 550 5.1.1 <u@d.example>: User unknown (in reply to RCPT TO command))',
  'Nov 26 00:00:00 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx[203.0.113.9]:25: Connection timed out)',
  'Nov 26 00:00:00 relay1 postfix/qmgr[880]: 0000100000: from=<sender0@example.info>, status=expired, returned to sender',
  'Nov 26 00:00:00 relay1 postfix/qmgr[880]: 0000100000: removed',
  'Dec 31 23:59:59 relay1 postfix/smtpd[2000]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <u@d.example>: Recipient address rejected: User unknown; from=<s@e.example> to=<u@d.example> proto=ESMTP helo=<x>',
  'Jan  1 00:00:00 relay1 postfix/smtp[2002]: 0000100000: to=<u@d.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 queued as X)',
];
const NOISE = [' ', ':', '[', ']', '<', '>', ',', '=', '.', '/', '\r', '\t', '0', 'x', 'é', '\0', 'status=', 'sent', ', ', '>, ', 'removed', 'Jan'];

const mutated = fc.tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'cut'), fc.constantFrom(...NOISE)), { maxLength: 3 }))
  .map(([line, edits]) => {
    let s = line;
    for (const [at, op, piece] of edits) {
      const i = at % (s.length + 1);
      if (op === 'insert') s = s.slice(0, i) + piece + s.slice(i);
      else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
      else if (op === 'replace') s = s.slice(0, i) + piece + s.slice(i + piece.length);
      else s = s.slice(0, i);
    }
    return s;
  });

test('property: mutated real lines, in any order, are read by the scanner as by the parser', async () => {
  const runs = Number(process.env.FUZZ_RUNS ?? (HEAVY ? 1000 : 150));
  await fc.assert(fc.asyncProperty(fc.array(mutated, { minLength: 1, maxLength: 12 }), async (lines) => {
    await assertSame(lines.join('\n'), 'mutated lines');
  }), { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? 20261128) });
});

/** The reading in order of `bytes` handed over in chunks of `size`: the syslog reader's bytes path against its lines path. */
async function assertChunksSame(bytes: Buffer, size: number, what: string): Promise<void> {
  const chunks = function* (): Generator<Buffer> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  };
  for (const mode of MODES.slice(0, 3)) {
    const run = async (viaBytes: boolean): Promise<unknown> => {
      const deliveries: unknown[] = [];
      const ctx = context(mode, deliveries);
      delete ctx.range;
      const lineStats: LineStats = { overlong: 0, bareCr: false };
      const events: DeliveryEvent[] = [];
      const source = (async function* () { yield* chunks(); })();
      const read = viaBytes ? syslogReader.readBytes!(source, ctx, lineStats) : syslogReader.read(splitLines(source, lineStats), ctx);
      for await (const batch of read) events.push(...batch);
      return { events, deliveries, stats: ctx.stats, lineStats };
    };
    assert.deepStrictEqual(await run(true), await run(false), `${what}, chunks of ${size} (${mode.name})`);
  }
}

test('in order from chunks: chunkings of the fixtures, a generated log, edge lines, over-long lines and bare CRs reads as the lines do', async () => {
  const file = path.join(tempDir('bouncelens-scan-'), 'gen.log');
  await generatePostfixLog(file, 300_000, 11);
  const generated = readFileSync(file);
  const relay = readFileSync(fixture('postfix', 'relay.log'));
  const edges = Buffer.from(EDGE_LINES.join('\r\n'));
  // Over the cap; at it; longer than the scanner holds (1 MiB), amid lines and at the end without a newline.
  const long = Buffer.from(`${SEEDS[2]}\n${SEEDS[3].replace('sender0', 'x'.repeat(300 * 1024))}\n${'y'.repeat(MAX_LINE_BYTES)}\n${SEEDS[9]}\n${'w'.repeat(3 << 19)}\n${SEEDS[6]}\n${'z'.repeat(2 << 20)}`);
  // More whole lines in one chunk than the scanner holds: scanned a part at a time.
  const many = Buffer.from(`${SEEDS.join('\n')}\n`.repeat(1200));
  const bareCr = Buffer.from(SEEDS.join('\r'));
  for (const size of HEAVY ? [1, 7, 64, 4093, 1 << 20, 3 << 20] : [13, 4093, 3 << 20]) {
    await assertChunksSame(relay, size, 'relay.log');
    await assertChunksSame(edges, size, 'edge lines');
    if (size >= 4093) {
      await assertChunksSame(generated, size, 'generated log');
      await assertChunksSame(long, size, 'over-long lines');
    }
    await assertChunksSame(bareCr, size, 'bare CR');
  }
  await assertChunksSame(many, 3 << 20, 'more lines than the scanner holds');
  await assertChunksSame(Buffer.alloc(0), 1, 'empty input');
  await assertChunksSame(Buffer.from('\n\n'), 1, 'blank lines');
});
