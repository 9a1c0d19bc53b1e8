/**
 * `analyze` takes Postfix deliveries reduced (ReadOptions.onDelivered) instead of as events. The
 * diagnosis must be the one the full events give: same findings, summaries, timeline, counters,
 * and the same key order (the JSON report is compared as text).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/correlate/index.js';
import { Correlator } from '../../src/correlate/correlate.js';
import { resolveContext, type MigrationContext } from '../../src/correlate/context.js';
import { readEventBatches } from '../../src/ingest/index.js';
import { fixture } from '../helpers/paths.js';

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
];

for (const [name, inputs, raw] of CASES) {
  test(`deliveries handed over give the diagnosis of their events: ${name}`, async () => {
    const ctx = await resolveContext(raw);
    const expected = await viaEvents(inputs, ctx);
    assert.equal(await viaAnalyze(inputs, ctx), expected);
    assert.match(expected, /"findings":\[\{/, 'the case has findings to compare');
  });
}
