/** The `analyze` CSV: exactly DESIGN.md's columns, in order, one row per finding. */

import { stringify } from 'csv-stringify/sync';
import type { Finding } from '../correlate/finding.js';
import { guardCell, terminalText } from './cells.js';

export const FINDING_COLUMNS = [
  'domain', 'recipient', 'cause', 'confidence', 'events', 'first_seen', 'last_seen', 'offset_first', 'resolved_at',
  'remote_hosts', 'statuses', 'sample_diagnostic', 'evidence', 'fix', 'sources',
] as const;

export function findingRow(f: Finding): string[] {
  return [
    f.domain, f.recipient, f.cause, f.confidence, String(f.events), f.firstSeen, f.lastSeen, f.offsetFirst, f.resolvedAt,
    f.remoteHosts.join(';'), f.statuses.join(';'), f.sampleDiagnostic, f.evidence, f.fix, f.sources.join(';'),
  ].map((v) => guardCell(terminalText(v ?? '')));
}

/** The CSV in pieces of 1,000 rows. */
export function* renderCsv(findings: readonly Finding[]): Generator<string> {
  yield stringify([FINDING_COLUMNS as unknown as string[]]);
  for (let i = 0; i < findings.length; i += 1000) yield stringify(findings.slice(i, i + 1000).map(findingRow));
}
