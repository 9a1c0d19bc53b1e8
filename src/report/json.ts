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
    for (let i = 0; i < list.length; i += ELEMENTS_AT_ONCE) {
      yield `${i === 0 ? '' : ','}\n    ${atDepthTwo(list.slice(i, i + ELEMENTS_AT_ONCE))}`;
    }
    yield list.length ? '\n  ]' : ']';
  }
  yield '\n}\n';
}

/**
 * Elements of a top-level array written as one text: JSON.stringify called, and its text cut and
 * written, once for each element took a third more time on the 30 MB report of 28,000 findings.
 * Few enough that the text (~1 KB a finding) stays under V8's large-object size: 256 at a time made
 * texts of ~300 KB, each kept in the old generation until a full collection (1 GB: +25 MiB at the peak).
 */
const ELEMENTS_AT_ONCE = 64;

const WRAPPED_HEAD = '{\n  "k": [\n    ', WRAPPED_TAIL = '\n  ]\n}';

/**
 * Elements of a top-level array as JSON, `,`-separated, their lines indented for that depth (four
 * spaces) but the first: JSON.stringify indents them so inside a wrapper, which is cut off.
 * (Indenting the text with a replace after was a tenth of writing a 30 MB report.)
 */
function atDepthTwo(items: readonly unknown[]): string {
  const text = JSON.stringify({ k: items }, null, 2);
  return text.slice(WRAPPED_HEAD.length, text.length - WRAPPED_TAIL.length);
}
