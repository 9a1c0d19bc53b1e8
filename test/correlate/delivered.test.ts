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
import { corpus, fixture, NO_SHARED, tempDir } from '../helpers/paths.js';

async function viaEvents(names: string[], ctx: MigrationContext): Promise<string> {
  const correlator = new Correlator(ctx);
  const stream = readEventBatches(names, { year: 2024 });
  let delivered = 0;
  for await (const batch of stream) for (const e of batch) { correlator.add(e); if (e.outcome === 'delivered') delivered++; }
  assert.ok(delivered >= 4, 'the inputs have deliveries to hand over');
  return JSON.stringify({ ...correlator.finish(), inputs: stream.inputs });
}

async function viaAnalyze(names: string[], ctx: MigrationContext): Promise<string> {
  const r = await analyze(names, ctx, { year: 2024 });
  return JSON.stringify({ scope: r.scope, domains: r.domains, findings: r.findings, timeline: r.timeline, inputs: r.inputs });
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
