/** MigrationContext (DESIGN.md § MigrationContext): what the administrator knows, validated. */

import { UsageError } from '../errors.js';
import { parseIsoTime } from '../time.js';
import { loadDirectory } from './directory.js';
import { parseHostList, type HostLists } from './hosts.js';

export interface CutoverFlags {
  /** One time for every domain. */
  all?: number;
  perDomain: Map<string, number>;
  /** True when a given time had no offset and was read as UTC (the report says so). */
  assumedUtc: boolean;
}

export interface MigrationContext {
  cutover: CutoverFlags;
  hosts: HostLists;
  /** `--domain`: the migrated domains; undefined means the default scope. */
  domains?: Set<string>;
  oldUsers?: Set<string>;
  newUsers?: Set<string>;
}

/** Raw lists as flags and config files give them (each entry may hold comma-separated values). */
export interface RawContext {
  cutover?: string[];
  oldMx?: string[];
  newMx?: string[];
  domain?: string[];
  oldUsers?: string[];
  newUsers?: string[];
}

const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

function flat(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** `2024-11-27T09:00Z` or `example.com=2024-11-27T09:00Z`. No offset means UTC, whatever --tz says. */
export function parseCutovers(values: string[] | undefined): CutoverFlags {
  const out: CutoverFlags = { perDomain: new Map(), assumedUtc: false };
  for (const v of flat(values)) {
    const eq = v.indexOf('=');
    const domain = eq > 0 ? v.slice(0, eq).trim().toLowerCase() : undefined;
    const timeText = eq > 0 ? v.slice(eq + 1).trim() : v;
    if (domain !== undefined && !DOMAIN.test(domain)) throw new UsageError(`--cutover: '${domain}' is not a domain name`);
    const t = parseIsoTime(timeText);
    if (t === undefined) throw new UsageError(`--cutover: '${timeText}' is not an ISO 8601 time (e.g. 2024-11-27T09:00Z or example.com=2024-11-27T09:00Z)`);
    if (!/(?:z|[+-]\d{2}:?\d{2})$/i.test(timeText)) out.assumedUtc = true;
    if (domain) out.perDomain.set(domain, t);
    else if (out.all !== undefined && out.all !== t) throw new UsageError('--cutover: given twice for all domains; use DOMAIN=TIME for per-domain cutovers');
    else out.all = t;
  }
  return out;
}

export async function resolveContext(raw: RawContext): Promise<MigrationContext> {
  const domains = flat(raw.domain).map((d) => d.toLowerCase().replace(/\.$/, ''));
  for (const d of domains) if (!DOMAIN.test(d)) throw new UsageError(`--domain: '${d}' is not a domain name`);
  const load = async (flag: string, files: string[]): Promise<Set<string> | undefined> => {
    if (!files.length) return undefined;
    const all = new Set<string>();
    for (const f of files) for (const a of await loadDirectory(flag, f)) all.add(a);
    return all;
  };
  return {
    cutover: parseCutovers(raw.cutover),
    hosts: { old: parseHostList('--old-mx', flat(raw.oldMx)), new: parseHostList('--new-mx', flat(raw.newMx)) },
    domains: domains.length ? new Set(domains) : undefined,
    oldUsers: await load('--old-users', flat(raw.oldUsers)),
    newUsers: await load('--new-users', flat(raw.newUsers)),
  };
}

export function cutoverFor(ctx: MigrationContext, domain: string): number | undefined {
  return ctx.cutover.perDomain.get(domain) ?? ctx.cutover.all;
}
