/**
 * mxCheck(): for each domain, the MX set (with TTLs) and the addresses of each MX host (CNAMEs
 * followed) as each resolver gives them; with `authoritative`, also as each of the domain's own
 * name servers gives them without recursion, and the parent zone's delegation compared with the
 * zone's own NS set. The same questions an engineer asks with `dig @server MX domain`.
 */

import type { Answer } from 'dns-packet';
import type { HostLists } from '../correlate/hosts.js';
import { formatServer, query, type QueryResult, type Server } from './query.js';
import { decideVerdict, type Delegation, type DomainVerdict, type MxHostAnswer, type ServerAnswer } from './verdict.js';

export interface MxCheckOptions {
  resolvers: Server[];
  authoritative: boolean;
  timeoutMs: number;
  lists: HostLists;
  /** Port of authoritative servers (53; tests use another). */
  nsPort?: number;
}

export interface DomainCheck extends DomainVerdict {
  domain: string;
  answers: ServerAnswer[];
  delegation?: Delegation;
}

export interface Snapshot {
  checkedAt: string;
  oldMx: string[];
  newMx: string[];
  domains: DomainCheck[];
}

const lower = (n: string): string => n.replace(/\.$/, '').toLowerCase();
// dns-packet's Answer union includes OPT records, which have no data or TTL.
const dataOf = (a: Answer): unknown => (a as { data?: unknown }).data;
const ttlOf = (a: Answer): number => (a as { ttl?: number }).ttl ?? 0;
const mxOf = (a: Answer): { preference: number; exchange: string } => dataOf(a) as { preference: number; exchange: string };

function records(r: QueryResult, type: string, name?: string): Answer[] {
  if (!r.ok) return [];
  return r.answers.filter((a) => a.type === type && (name === undefined || lower(a.name) === lower(name)));
}

/** Addresses of `host` at `server`, following CNAMEs (at most 8), asking again where a server stops at a CNAME. */
async function addresses(server: Server, host: string, recursive: boolean, timeoutMs: number): Promise<{ chain: string[]; addresses: MxHostAnswer['addresses']; answered: boolean }> {
  const chain = [lower(host)];
  const out: MxHostAnswer['addresses'] = [];
  let answered = false;
  for (const type of ['A', 'AAAA'] as const) {
    let name = lower(host);
    for (let hop = 0; hop < 8; hop++) {
      const r = await query(server, name, type, { recursive, timeoutMs });
      if (!r.ok || r.rcode !== 'NOERROR') break;
      const found = r.answers.filter((a) => a.type === type);
      const cnames = r.answers.filter((a) => a.type === 'CNAME');
      if (found.length || cnames.length) answered = true;
      // Walk the chain inside this answer.
      let target = name;
      for (let i = 0; i < 8; i++) {
        const c = cnames.find((x) => lower(x.name) === target);
        if (!c) break;
        target = lower(String(dataOf(c)));
        if (!chain.includes(target)) chain.push(target);
      }
      const here = found.filter((a) => lower(a.name) === target);
      for (const a of here) out.push({ type, address: String(dataOf(a)), ttl: ttlOf(a) });
      if (here.length || target === name) break;
      name = target; // the server stopped at a CNAME: ask for its target
    }
  }
  return { chain, addresses: out, answered };
}

async function askServer(server: Server, kind: ServerAnswer['kind'], domain: string, opts: MxCheckOptions): Promise<ServerAnswer> {
  const recursive = kind === 'resolver';
  const name = formatServer(server);
  const r = await query(server, domain, 'MX', { recursive, timeoutMs: opts.timeoutMs });
  if (!r.ok) return { server: name, kind, error: r.error, detail: r.detail, mx: [] };
  if (r.rcode !== 'NOERROR') return { server: name, kind, rcode: r.rcode, mx: [] };
  const mx = records(r, 'MX', domain);
  if (mx.length === 1 && ['', '.'].includes(mxOf(mx[0]!).exchange)) {
    return { server: name, kind, rcode: r.rcode, mx: [], nullMx: true };
  }
  const fallback = opts.resolvers[0];
  const hosts: MxHostAnswer[] = [];
  const targets = mx.length ? mx.map((m) => ({ preference: mxOf(m).preference, host: lower(mxOf(m).exchange), ttl: ttlOf(m) }))
    : [{ preference: 0, host: lower(domain), ttl: 0 }];
  for (const t of targets) {
    let a = await addresses(server, t.host, recursive, opts.timeoutMs);
    let viaResolver = false;
    if (!a.answered && !recursive && fallback) {
      a = await addresses(fallback, t.host, true, opts.timeoutMs);
      viaResolver = true;
    }
    hosts.push({ ...t, chain: a.chain, addresses: a.addresses, ...(viaResolver ? { viaResolver } : {}) });
  }
  return { server: name, kind, rcode: r.rcode, mx: hosts, ...(mx.length ? {} : { implicitMx: true }) };
}

async function nsServers(resolver: Server, zone: string, port: number, timeoutMs: number): Promise<{ names: string[]; servers: Server[] }> {
  const r = await query(resolver, zone, 'NS', { recursive: true, timeoutMs });
  const names = records(r, 'NS', zone).map((a) => lower(String(dataOf(a)))).sort();
  const servers: Server[] = [];
  for (const n of names) {
    const a = await addresses(resolver, n, true, timeoutMs);
    for (const x of a.addresses) servers.push({ host: x.address, port });
  }
  return { names, servers };
}

async function delegationOf(resolver: Server, domain: string, zoneNs: string[], port: number, timeoutMs: number): Promise<Delegation | undefined> {
  const parentZone = domain.split('.').slice(1).join('.');
  if (!parentZone) return undefined;
  const parent = await nsServers(resolver, parentZone, port, timeoutMs);
  for (const s of parent.servers) {
    const r = await query(s, domain, 'NS', { recursive: false, timeoutMs });
    if (!r.ok) continue;
    const ns = [...r.authorities, ...r.answers].filter((a) => a.type === 'NS' && lower(a.name) === lower(domain)).map((a) => lower(String(dataOf(a)))).sort();
    if (!ns.length) continue;
    return { parent: ns, zone: zoneNs, match: ns.join(' ') === zoneNs.join(' ') };
  }
  return undefined;
}

export async function checkDomain(domain: string, opts: MxCheckOptions): Promise<DomainCheck> {
  const answers = await Promise.all(opts.resolvers.map((s) => askServer(s, 'resolver', domain, opts)));
  let delegation: Delegation | undefined;
  if (opts.authoritative && opts.resolvers[0]) {
    const port = opts.nsPort ?? 53;
    const ns = await nsServers(opts.resolvers[0], domain, port, opts.timeoutMs);
    answers.push(...await Promise.all(ns.servers.map((s) => askServer(s, 'authoritative', domain, opts))));
    delegation = await delegationOf(opts.resolvers[0], domain, ns.names, port, opts.timeoutMs);
  }
  return { domain, answers, ...(delegation ? { delegation } : {}), ...decideVerdict(answers, opts.lists, delegation) };
}

export async function mxCheck(domains: readonly string[], opts: MxCheckOptions): Promise<Snapshot> {
  return {
    checkedAt: new Date().toISOString(),
    oldMx: opts.lists.old.entries, newMx: opts.lists.new.entries,
    domains: await Promise.all(domains.map((d) => checkDomain(d, opts))),
  };
}
