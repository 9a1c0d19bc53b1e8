/** The `analyze` JSON report: `{ context, inputs, domains, findings, timeline }` (README documents the fields). */

import type { Report } from './index.js';

export function renderJson(r: Report): string {
  return JSON.stringify({
    context: r.context,
    inputs: r.inputs.map((s) => ({
      file: s.file, format: s.format, records: s.records, events: s.events, unrecognised: s.unrecognised,
      firstUnrecognised: s.firstUnrecognised, other: s.otherTotal, notices: s.notices, capped: s.capped,
    })),
    domains: r.domains,
    findings: r.findings,
    timeline: r.timeline,
  }, null, 2) + '\n';
}
