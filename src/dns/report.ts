/** mx-check output: a table per domain (what each server said, the verdict) or the snapshot as JSON. */

import Table from 'cli-table3';
import { terminalText as t } from '../report/cells.js';
import type { Snapshot } from './mx-check.js';

export function renderMxCheckTable(s: Snapshot): string {
  const out: string[] = [];
  for (const d of s.domains) {
    out.push(`${t(d.domain)}: ${d.verdict.toUpperCase()} — ${t(d.detail)}`);
    const table = new Table({ head: ['server', 'kind', 'answer'], style: { head: [], border: [] }, wordWrap: true, colWidths: [26, 15, 80] });
    for (const a of d.answers) {
      const answer = a.error ? `${a.error}: ${a.detail ?? ''}` : a.rcode && a.rcode !== 'NOERROR' ? a.rcode
        : a.nullMx ? 'null MX (.)'
        : a.mx.map((m) => `${a.implicitMx ? '(no MX; A of the domain) ' : `MX ${m.preference} ${m.host} TTL ${m.ttl}`}${m.chain.length > 1 ? ` → CNAME ${m.chain.slice(1).join(' → ')}` : ''}: ${m.addresses.map((x) => `${x.address} (TTL ${x.ttl})`).join(', ') || 'no address'}${m.viaResolver ? ' [addresses via resolver]' : ''}`).join('\n');
      table.push([t(a.server), a.kind, t(answer)]);
    }
    out.push(table.toString());
    if (d.delegation) out.push(`  delegation: parent ${d.delegation.parent.join(', ')}; zone ${d.delegation.zone.join(', ')}${d.delegation.match ? ' (same)' : ' — DIFFERENT'}`);
    out.push('');
  }
  return out.join('\n');
}

/** 0 when every verdict is `new`, 1 otherwise (for scripts that poll until DNS is done). */
export function mxCheckExitCode(s: Snapshot): number {
  return s.domains.every((d) => d.verdict === 'new') ? 0 : 1;
}
