/** The JSON report written in pieces (src/report/json.ts) reads exactly as JSON.stringify of the whole report. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../src/report/json.js';
import type { Report } from '../../src/report/index.js';
import type { Finding } from '../../src/correlate/finding.js';

test('a JSON report of more findings than are written at once is JSON.stringify of the whole, indented by two', () => {
  // 600 findings: nine whole batches of elements and part of a tenth; values JSON must escape, absent keys, empty arrays.
  const findings: Finding[] = Array.from({ length: 600 }, (_, i) => ({
    domain: `d${i % 7}.example`, recipient: `user${i}@d${i % 7}.example`, cause: i % 3 ? 'unprovisioned-user' : 'stale-mx',
    confidence: 'high', confidenceReason: `rule "${i}"\n\ttab`, events: i, firstSeen: '2024-11-27T09:00:00.000Z', lastSeen: '2024-11-27T10:00:00.000Z',
    offsetFirst: i % 5 ? `T+${i}m` : undefined, remoteHosts: i % 4 ? [`mx${i % 2}.example [192.0.2.${i % 250}]`] : [],
    statuses: ['5.1.1'], sampleDiagnostic: i % 9 ? `550 5.1.1 <user${i}@d.example>: unknown \u0007 受信者不明` : undefined,
    evidence: `${i} refusals`, fix: 'Provision the mailbox.', sources: [`mail.log:${i}`],
  }));
  const inputs: Report['inputs'] = [];
  const report: Report = {
    scope: 'all seen', domains: [], findings, timeline: [], inputs, errors: [], skipped: [],
    context: { cutover: { given: [], assumedUtc: false }, oldMx: [], newMx: [], domainScope: 'all seen' },
  };
  const text = [...renderJson(report)].join('');
  const expected = JSON.stringify({ context: report.context, inputs: [], domains: [], findings, timeline: [] }, null, 2) + '\n';
  assert.equal(text, expected);
  assert.equal((JSON.parse(text) as { findings: unknown[] }).findings.length, 600);
});
