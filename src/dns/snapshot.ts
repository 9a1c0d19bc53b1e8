/** A saved mx-check snapshot (`mx-check --save`), read back and applied to an analysis (`analyze --dns`). */

import { UsageError } from '../errors.js';
import type { Analysis } from '../correlate/correlate.js';
import type { Snapshot } from './mx-check.js';
import { VERDICTS } from './verdict.js';

export function parseSnapshot(text: string, where: string): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  const s = data as Partial<Snapshot> | null;
  if (!s || typeof s.checkedAt !== 'string' || !Array.isArray(s.domains) ||
      !s.domains.every((d) => d && typeof d.domain === 'string' && (VERDICTS as readonly string[]).includes(d.verdict) && typeof d.detail === 'string')) {
    throw new UsageError(`${where}: not a bouncelens mx-check snapshot (write one with mx-check --save)`);
  }
  return s as Snapshot;
}

/** The causes whose evidence DNS speaks to. */
const DNS_CAUSES = new Set(['stale-mx', 'stale-a-record', 'domain-not-accepted']);

export function applySnapshot(analysis: Analysis, snapshot: Snapshot): void {
  const byDomain = new Map(snapshot.domains.map((d) => [d.domain, d]));
  for (const d of analysis.domains) {
    const c = byDomain.get(d.domain);
    if (c) d.dns = { verdict: c.verdict, detail: c.detail, checkedAt: snapshot.checkedAt };
  }
  for (const f of analysis.findings) {
    const c = byDomain.get(f.domain);
    if (c && DNS_CAUSES.has(f.cause)) f.evidence += `; DNS at ${snapshot.checkedAt}: ${c.verdict} — ${c.detail}`;
  }
}
