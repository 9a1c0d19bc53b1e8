/** The `analyze` JSON report: `{ context, inputs, domains, findings, timeline }` (README documents the fields). */

import type { Report } from './index.js';

/** The JSON report in pieces: one array element at a time for the long arrays. */
export function* renderJson(r: Report): Generator<string> {
  const inputs = r.inputs.map((s) => ({
    file: s.file, format: s.format, records: s.records, events: s.events, unrecognised: s.unrecognised,
    firstUnrecognised: s.firstUnrecognised, other: s.otherTotal, notices: s.notices, capped: s.capped,
  }));
  const indent = (text: string, pad: string): string => text.replace(/\n/g, `\n${pad}`);
  yield `{\n  "context": ${indent(JSON.stringify(r.context, null, 2), '  ')},\n  "inputs": ${indent(JSON.stringify(inputs, null, 2), '  ')}`;
  for (const [key, list] of [['domains', r.domains], ['findings', r.findings], ['timeline', r.timeline]] as const) {
    yield `,\n  "${key}": [`;
    let first = true;
    for (const item of list as readonly unknown[]) {
      yield `${first ? '' : ','}\n    ${indent(JSON.stringify(item, null, 2), '    ')}`;
      first = false;
    }
    yield list.length ? '\n  ]' : ']';
  }
  yield '\n}\n';
}
