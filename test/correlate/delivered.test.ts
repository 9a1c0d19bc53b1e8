/**
 * `analyze` takes Postfix and Exim deliveries reduced (ReadOptions.onDelivered) instead of as events. The
 * diagnosis must be the one the full events give: same findings, summaries, timeline, counters,
 * and the same key order (the JSON report is compared as text).
 */

import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { analyze } from '../../src/correlate/index.js';
import { Correlator } from '../../src/correlate/correlate.js';
import { resolveContext, type MigrationContext } from '../../src/correlate/context.js';
import { readEventBatches } from '../../src/ingest/index.js';
import type { NumberedRun } from '../../src/ingest/reader.js';
import { corpus, fixture, NO_SHARED, tempDir } from '../helpers/paths.js';
import { MAX_QUEUE_ENTRIES } from '../../src/limits.js';
import { smtpLines } from '../helpers/postfix-lines.js';

async function viaEvents(names: string[], ctx: MigrationContext): Promise<string> {
  const correlator = new Correlator(ctx);
  const stream = readEventBatches(names, { year: 2024 });
  let delivered = 0;
  for await (const batch of stream) for (const e of batch) { correlator.add(e); if (e.outcome === 'delivered') delivered++; }
  assert.ok(delivered >= 4, 'the inputs have deliveries to hand over');
  return JSON.stringify({ ...correlator.finish(), inputs: stream.inputs });
}

/**
 * analyze's report as JSON, read as a small log is (here), with every body scanned on a worker
 * (ingest/prescan.ts), and with the bodies past each of `prescanAfter` bytes scanned there, which
 * must all agree.
 */
async function viaAnalyze(names: string[], ctx: MigrationContext, prescanAfter: number[] = []): Promise<string> {
  const report = async (prescanAfterBytes?: number): Promise<string> => {
    const r = await analyze(names, ctx, { year: 2024, prescanAfterBytes });
    return JSON.stringify({ scope: r.scope, domains: r.domains, findings: r.findings, timeline: r.timeline, inputs: r.inputs });
  };
  const here = await report();
  for (const after of [0, ...prescanAfter]) assert.equal(await report(after), here, `the bodies past byte ${after} scanned on a worker`);
  return here;
}

/** What viaLedger passes each call through: to count it, or to grow the ledger's memory after it. */
interface LedgerTap {
  numbered?(run: NumberedRun): void;
  logged?(taken: boolean): void;
  asString?(): void;
  batch?(): void;
}

/** analyze's reading done by hand into `correlator`, the ledger's calls and the batches of events passed through `tap`; the report as JSON. */
async function viaLedger(names: string[], correlator: Correlator, tap: LedgerTap): Promise<string> {
  const ledger = correlator.deliveryLedger();
  const stream = readEventBatches(names, {
    year: 2024,
    onDelivered: (t, r, dom, h, legacy) => { correlator.delivered(t, r, dom, h, legacy); tap.asString?.(); },
    deliveryLedger: {
      instance: ledger.instance,
      numbered: (run) => { ledger.numbered(run); tap.numbered?.(run); },
      logged: (t, bytes, start, length, h) => { const taken = ledger.logged(t, bytes, start, length, h); tap.logged?.(taken); return taken; },
    },
  });
  for await (const batch of stream) { for (const e of batch) correlator.add(e); tap.batch?.(); }
  return JSON.stringify({ ...correlator.finish(), inputs: stream.inputs });
}

const CASES: [string, string[], Parameters<typeof resolveContext>[0]][] = [
  ['incident, with host lists and cutover', [fixture('incident', 'inputs')], {
    cutover: ['2024-11-27T09:00:00Z'],
    oldMx: ['mx1.old.example', '192.0.2.10', 'oldmx.example.org', '203.0.113.5'],
    newMx: ['example-com.mail.protection.outlook.com', 'mx.example.org', '198.51.100.40'],
  }],
  ['incident, cutover inferred', [fixture('incident', 'inputs')], {}],
  ['relay log', [fixture('postfix', 'relay.log'), fixture('postfix', 'rsyslog-iso.log')], {}],
  ['Exim main log beside a Postfix log', [fixture('exim', 'mainlog'), fixture('postfix', 'relay.log')], {}],
];

test('deliveries handed over keep their place among the other events (Exim main log, Postfix syslog)', async () => {
  // A refusal of another class before a delivery to the same domain: the domain's class counts
  // keep that order in the JSON report only if the delivery is not handed over ahead of it.
  const dir = tempDir('bl-order-');
  const exim = path.join(dir, 'mainlog');
  const lines: string[] = [];
  for (let i = 0; i < 5; i++) {
    lines.push(`2024-11-27 09:0${i}:01 1tGaA${i}-0001Ab-7x ** ben${i}@example.com R=dnslookup T=remote_smtp H=mx.example.com [198.51.100.25]: SMTP error from remote mail server after RCPT TO:<ben${i}@example.com>: 552 5.2.2 Mailbox full`);
    lines.push(`2024-11-27 09:0${i}:02 1tGaA${i}-0001Ab-7x => anna${i}@example.com R=dnslookup T=remote_smtp H=mx.example.com [198.51.100.25] C="250 2.0.0 Ok"`);
  }
  writeFileSync(exim, lines.join('\n') + '\n');
  const syslog = path.join(dir, 'mail.log');
  writeFileSync(syslog, lines.map((l, i) => `Nov 27 09:0${Math.floor(i / 2)}:0${1 + (i % 2)} mx1 exim[1]: ${l.slice(20)}`).join('\n') + '\n');
  const ctx = await resolveContext({});
  for (const file of [exim, syslog]) {
    const expected = await viaEvents([file], ctx);
    assert.match(expected, /"byClass":\{"mailbox-full":5,"none":5\}/, file);
    assert.equal(await viaAnalyze([file], ctx), expected, file);
  }
});

test('deliveries handed over give the diagnosis of their events: the Exim test suite logs', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const ctx = await resolveContext({});
  const inputs = [corpus('logs', 'exim', 'exim-testsuite')];
  const expected = await viaEvents(inputs, ctx);
  assert.equal(await viaAnalyze(inputs, ctx), expected);
});

for (const [name, inputs, raw] of CASES) {
  test(`deliveries handed over give the diagnosis of their events: ${name}`, async () => {
    const ctx = await resolveContext(raw);
    const expected = await viaEvents(inputs, ctx);
    assert.equal(await viaAnalyze(inputs, ctx), expected);
    assert.match(expected, /"findings":\[\{/, 'the case has findings to compare');
  });
}

test('deliveries whose recipients the scanner finds in the ledger: the spelling first seen, in a refusal or a delivery, and the diagnosis of their events', async () => {
  // Every delivery below is one the scanner looks up in the ledger (a plain reply, a remote relay);
  // the recipients are first seen in either spelling, in a refusal or a delivery.
  const dir = tempDir('bl-logged-');
  const log = path.join(dir, 'mail.log');
  const lines: string[] = [];
  const { sent, bounced } = smtpLines();
  lines.push(bounced('A1B2C3D4E5', 'Anna.Berg@example.com', 'mx.new.example'));
  lines.push(sent('A1B2C3D4E6', 'anna.berg@EXAMPLE.com.', 'mx.old.example'));
  lines.push(sent('A1B2C3D4E7', 'Carl@Example.com', 'mx.old.example'));
  lines.push(sent('A1B2C3D4E8', 'carla@example.com', 'mx.old.example'));
  lines.push(bounced('A1B2C3D4E9', 'carl@example.com', 'mx.new.example'));
  lines.push(bounced('A1B2C3D4EA', 'carlaa@example.com', 'mx.old.example'));
  for (let i = 0; i < 6; i++) lines.push(sent(`B1B2C3D4E${i}`, `user${i}@example.com`, 'mx.new.example'));
  // A space in the address: the ledger leaves it to the string path.
  lines.push(sent('C1B2C3D4E0', '"anna berg"@example.com', 'mx.new.example'));
  writeFileSync(log, lines.join('\n') + '\n');
  const ctx = await resolveContext({ cutover: ['2024-11-27T08:30:00Z'], oldMx: ['mx.old.example'], newMx: ['mx.new.example'] });
  const expected = await viaEvents([log], ctx);
  assert.match(expected, /"recipient":"Anna.Berg@example.com"/, 'the spelling of the refusal, seen first');
  assert.match(expected, /"recipient":"Carl@example.com"/, 'the spelling of the delivery, seen first');
  assert.match(expected, /nearest known-good address: carla@example.com/);
  assert.equal(await viaAnalyze([log], ctx), expected);

  // Read twice: the first time no recipient is in the ledger when the lines are scanned (the
  // refusals before a delivery are numbered after its lookup, and found when it is handed over);
  // the second time every one is.
  const twice = await viaEvents([log, log], ctx);
  let numbered = 0, logged = 0, asStrings = 0;
  const got = await viaLedger([log, log], new Correlator(ctx), {
    numbered: (run) => { numbered += run.length; },
    logged: (taken) => { if (taken) logged++; },
    asString: () => { asStrings++; },
  });
  assert.equal(logged, 9, 'first reading: every delivery numbered from its bytes when handed over');
  assert.equal(numbered, 9, 'second reading: every delivery found when scanned');
  assert.equal(asStrings, 2, 'but the one with a space, handed over as a string');
  assert.equal(got, twice);
});

test('deliveries found when scanned are handed over before the events of the lines after them, and at the end of the log', async () => {
  // The second log's deliveries are to recipients the first numbered (refusals), so the scanner
  // finds them and collects them; each domain's order of classes and hosts shows when they came.
  const dir = tempDir('bl-found-');
  const first = path.join(dir, 'first.log'), second = path.join(dir, 'second.log');
  const { sent, bounced } = smtpLines();
  const deferred = (qid: string, to: string, host: string): string =>
    sent(qid, to, host).replace('dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4QX1)', `dsn=4.7.0, status=deferred (host ${host}[198.51.100.25] said: 421 4.7.0 Try again later (in reply to MAIL FROM command))`);
  writeFileSync(first, [bounced('A0000001', 'u1@d1.example', 'mx.d1.example'), bounced('A0000002', 'u2@d2.example', 'mx.d2.example')].join('\n') + '\n');
  writeFileSync(second, [
    // A delivery, then two events: the second event's line hands the delivery over, then the first event.
    sent('B0000001', 'u1@d1.example', 'mx1.new.example'),
    deferred('B0000002', 'w1@d1.example', 'mx2.other.example'),
    deferred('B0000003', 'w2@d1.example', 'mx2.other.example'),
    // A delivery, an event, a delivery: the second delivery's line hands the first over, then the event.
    sent('B0000004', 'u2@d2.example', 'mx1.new.example'),
    deferred('B0000005', 'w3@d2.example', 'mx2.other.example'),
    sent('B0000006', 'u1@d1.example', 'mx1.new.example'),
    // The last line: handed over at the end of the log.
    sent('B0000007', 'u2@d2.example', 'mx3.new.example'),
  ].join('\n') + '\n');
  const ctx = await resolveContext({});
  let numbered = 0;
  const got = await viaLedger([first, second], new Correlator(ctx), { numbered: (run) => { numbered += run.length; } });
  assert.equal(numbered, 4, 'every delivery found when scanned');
  const expected = await viaEvents([first, second], ctx);
  // The classes of each domain in the order first seen: `none` (the delivery) before the deferral (then the refusals, counted at the end).
  const classes = (report: string): unknown => (JSON.parse(report) as { domains: { domain: string; byClass: object }[] }).domains.map((d) => [d.domain, Object.keys(d.byClass)]);
  assert.deepEqual(classes(expected), [['d1.example', ['none', 'policy', 'user-unknown']], ['d2.example', ['none', 'policy', 'user-unknown']]]);
  assert.deepEqual(classes(got), classes(expected));
  assert.equal(got, expected);
  // analyze hands the events to the correlator as they come (ReadOptions.onEvents), not yielded.
  assert.equal(await viaAnalyze([first, second], ctx), expected);
});

test('a domain\'s deliveries after its first, counted in place: its hosts\' first and last answers, last delivery and first answer of each hour', async () => {
  // After a domain's first delivery, one to the same host object (the scanner's, per relay) is
  // counted in the host's row without its domain state (Correlator.deliveredToNumber). Each line
  // marked "in place" below is such a delivery, and the diagnosis shows what it changed.
  const dir = tempDir('bl-in-place-');
  const log = path.join(dir, 'mail.log');
  let q = 0;
  const line = (hhmm: string, to: string, host: string, bounce = false): string => `Nov 27 ${hhmm}:00 relay1 postfix/smtp[71]: ${(0xA1B2C3D400 + q++).toString(16).toUpperCase()}: to=<${to}>, relay=${host}[198.51.100.25]:25, delay=0.4, delays=0.1/0/0.2/0.1, ` +
    (bounce ? `dsn=5.1.1, status=bounced (host ${host}[198.51.100.25] said: 550 5.1.1 <${to}>: Recipient address rejected: User unknown (in reply to RCPT TO command))` : 'dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4QX1)');
  const lines = [
    line('08:00', 'a1@d.example', 'mx.old.example'),
    line('08:10', 'a2@d.example', 'mx.old.example'), // in place
    line('09:00', 'a3@d.example', 'mx.old.example'), // a new hour
    line('10:30', 'b1@d.example', 'mx.new.example'),
    line('10:20', 'b2@d.example', 'mx.new.example'), // in place, ten minutes back: the new host's first answer
    line('10:40', 'b3@d.example', 'mx.new.example'), // in place: its last delivery
    line('10:50', 'c1@d.example', 'mx.third.example'),
    line('10:15', 'c2@d.example', 'mx.third.example'), // in place: the third host's first answer, before the change
    line('11:05', 'a4@d.example', 'mx.old.example'),
    line('11:45', 'a5@d.example', 'mx.old.example'), // in place: the old host's last answer
    line('12:00', 'u1@d.example', 'mx.new.example', true),
    line('12:01', 'u2@d.example', 'mx.new.example', true),
    line('12:10', 'b4@d.example', 'mx.new.example'),
    line('12:11', 'b5@d.example', 'mx.new.example'), // in place
  ];
  writeFileSync(log, lines.join('\n') + '\n');
  const domain = (report: string): { cutover: { time: string; evidence: string }; staleMxStopped?: string; looksNotAccepted: boolean } => JSON.parse(report).domains[0];

  // Nothing given: the change of provider inferred from the answers by hour.
  const inferred = await resolveContext({});
  const expected = await viaEvents([log], inferred);
  assert.equal(domain(expected).cutover.time, '2024-11-27T10:20:00.000Z', 'the first answer in the hour of the change');
  assert.match(domain(expected).cutover.evidence, /answers moved from old\.example, third\.example to new\.example/, 'a host that answered before the change is an old provider');
  // Answers counted per host and hour: from 10:00 on, the new host's 3 + 4 (refusals included) of 11.
  assert.match(domain(expected).cutover.evidence, /\(7 of 11 answers from then on\)/);
  assert.equal(domain(expected).staleMxStopped, 'T+1h25m');
  assert.equal(await viaAnalyze([log], inferred), expected);

  // Host lists and a cutover after the new host's first delivery, the log without the last two:
  // its one delivery at the new host after the cutover is counted in place.
  const cut = path.join(dir, 'cut.log');
  writeFileSync(cut, lines.slice(0, -2).join('\n') + '\n');
  const given = await resolveContext({ cutover: ['2024-11-27T10:35:00Z'], oldMx: ['mx.old.example'], newMx: ['mx.new.example'] });
  const expectedGiven = await viaEvents([cut], given);
  assert.equal(domain(expectedGiven).looksNotAccepted, false, 'two refused at the new host after the cutover, but a delivery there too');
  assert.equal(await viaAnalyze([cut], given), expectedGiven);
});

test('a delivery left to the string path is handed over after the deliveries found before it', async () => {
  // The order shows in the hosts first seen: the old providers of an inferred cutover are listed so.
  const dir = tempDir('bl-found-');
  const first = path.join(dir, 'first.log'), second = path.join(dir, 'second.log');
  const { sent, bounced } = smtpLines();
  writeFileSync(first, bounced('A0000001', 'u@d.example', 'mx.d.example') + '\n');
  const lines = [
    sent('B0000001', 'u@d.example', 'mx.a-provider.example'),
    // A space in the address: a string, after the delivery above (found when scanned).
    sent('B0000002', '"x y"@d.example', 'mx.b-provider.example'),
  ];
  // From 09:00 on (the lines are a minute apart), four hours of a new provider.
  for (let i = 0; i < 57; i++) sent('', '', '');
  for (let i = 0; i < 240; i++) lines.push(sent(`C${String(i).padStart(7, '0')}`, `v${i}@d.example`, 'mx.c-provider.example'));
  writeFileSync(second, lines.join('\n') + '\n');
  const ctx = await resolveContext({});
  const expected = await viaEvents([first, second], ctx);
  assert.match(expected, /answers moved from mx\.d\.example, a-provider\.example, b-provider\.example to c-provider\.example/);
  assert.equal(await viaAnalyze([first, second], ctx), expected);
});

test('the memory the scanner reads grows while a log is scanned in it: the scanner reads on in the memory grown', async () => {
  // The ledger grows its memory as it numbers recipients (a delivery handed over, a refusal the
  // correlator takes from a batch of events), which detaches the views of the scanner's input and
  // records. Here it grows at every one of those steps: lines with a refusal before a delivery,
  // and two in a row; in the second log, a delivery found when scanned (handed over with others,
  // which grows it too) before one to a new recipient.
  const dir = tempDir('bl-grow-');
  const logs = [path.join(dir, 'mail.log'), path.join(dir, 'again.log')];
  for (const [n, log] of logs.entries()) {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      const stamp = `Nov 27 0${8 + n}:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} relay1`;
      const qid = (0xa0000000 + i).toString(16).toUpperCase();
      const to = `${n && i % 4 === 0 ? 'Again' : 'User'}.${i}@d${i % 7}.example`, mx = `mx${i % 3}.d${i % 7}.example`;
      lines.push(i % 4 === 1 || i % 4 === 2
        ? `${stamp} postfix/smtp[71]: ${qid}: to=<${to}>, relay=${mx}[198.51.100.40]:25, delay=0.4, delays=0.1/0/0.2/0.1, dsn=5.1.1, status=bounced (host ${mx}[198.51.100.40] said: 550 5.1.1 <${to}>: Recipient address rejected: User unknown (in reply to RCPT TO command))`
        : `${stamp} postfix/smtp[71]: ${qid}: to=<${to}>, relay=${mx}[198.51.100.25]:25, delay=0.4, delays=0.1/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4QX1)`);
    }
    writeFileSync(log, lines.join('\n') + '\n');
  }
  const ctx = await resolveContext({ cutover: ['2024-11-27T08:03:00Z'] });
  const correlator = new Correlator(ctx);
  const memory = correlator.deliveryLedger().instance.exports.memory as WebAssembly.Memory & { grow(pages: number): number };
  let grown = 0, found = 0;
  const grow = (): void => { memory.grow(1); grown++; };
  const got = await viaLedger(logs, correlator, { numbered: (run) => { found += run.length; grow(); }, logged: grow, batch: grow });
  assert.ok(grown > 300, `the memory grew ${grown} times`);
  assert.ok(found >= 100, `${found} deliveries found when scanned`);
  assert.equal(got, await viaEvents(logs, ctx));
});

test('a log of many bodies scanned ahead on a worker: the diagnosis of its events, and the queue cap where whole messages must not be left out', async () => {
  // 3 MB: three bodies of the scanner's 1 MiB, so a body is read here while the next is scanned.
  const dir = tempDir('bl-prescan-');
  const log = path.join(dir, 'mail.log');
  const { sent, bounced } = smtpLines();
  const lines: string[] = [];
  for (let i = 0; i < 14_000; i++) {
    // Some spelled with upper case (looked up by the key the worker read, lower-cased where the ledger is).
    const to = `${i % 5 === 0 ? 'User' : 'user'}${i % 3000}@${i % 7 === 0 ? 'D' : 'd'}${i % 40}.example`, mx = `mx${i % 2}.${i < 7000 ? 'old' : 'new'}-d${i % 40}.example`;
    lines.push(i % 9 === 4 ? bounced((0xa0000000 + i).toString(16).toUpperCase(), to, mx) : sent((0xa0000000 + i).toString(16).toUpperCase(), to, mx));
  }
  writeFileSync(log, lines.join('\n') + '\n');
  const ctx = await resolveContext({});
  const expected = await viaEvents([log], ctx);
  assert.match(expected, /"findings":\[\{/);
  // Also the first body scanned here and the others there (each scanner numbers relays its own way).
  assert.equal(await viaAnalyze([log], ctx, [1 << 20]), expected);

  // The queue all but full (MAX_QUEUE_ENTRIES - 1 messages opened and never removed), then a whole
  // message with the opening of another between its lines: reading every line, that opening evicts
  // the oldest entry, which a prescan that left the message out would not have done.
  const capped = path.join(dir, 'capped.log');
  const open = Array.from({ length: MAX_QUEUE_ENTRIES - 1 }, (_, i) => `Nov 27 08:00:00 relay1 postfix/cleanup[1]: A${String(i).padStart(7, '0')}: message-id=<m${i}@app.example>`);
  const q = (rest: string): string => `Nov 27 08:00:01 relay1 postfix/qmgr[2]: Q000001: ${rest}`;
  writeFileSync(capped, [...open,
    'Nov 27 08:00:01 relay1 postfix/cleanup[1]: Q000001: message-id=<q@app.example>',
    'Nov 27 08:00:01 relay1 postfix/cleanup[1]: R000001: message-id=<r@app.example>',
    q('from=<s@app.example>, size=1, nrcpt=1 (queue active)'),
    'Nov 27 08:00:01 relay1 postfix/smtp[3]: Q000001: to=<a@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=2.0.0, status=sent (250 ok)',
    q('removed'),
    'Nov 27 08:00:02 relay1 postfix/smtp[3]: A0000000: to=<u@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)',
    ...[1, 2, 3, 4].map((i) => `Nov 27 08:00:03 relay1 postfix/smtp[3]: A000000${i}: to=<v${i}@d.example>, relay=mx.d.example[203.0.113.9]:25, dsn=2.0.0, status=sent (250 ok)`),
  ].join('\n') + '\n');
  const expectedCapped = await viaEvents([capped], ctx);
  assert.match(expectedCapped, /"capped":\{"postfix queue entries":1\}/);
  assert.equal(await viaAnalyze([capped], ctx), expectedCapped);
});
