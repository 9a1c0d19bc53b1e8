/**
 * The verdict per domain, from the answers seen (pure). An answer is `new` when every MX host is a
 * listed new host by name or address and none resolves to an old address; `stale-a-record` when an
 * MX name listed new resolves to an old address; `old` when any MX host is old.
 */

import { roleOf, type HostLists } from '../correlate/hosts.js';

export const VERDICTS = ['new', 'mixed', 'old', 'stale-a-record', 'no-mx', 'null-mx', 'nxdomain', 'servfail', 'timeout', 'consistent'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface AddressAnswer { type: 'A' | 'AAAA'; address: string; ttl: number }
export interface MxHostAnswer {
  preference: number;
  host: string;
  ttl: number;
  /** CNAMEs followed from the MX name to the name that has the addresses. */
  chain: string[];
  addresses: AddressAnswer[];
  /** Addresses came from a resolver because the authoritative server does not serve the MX name. */
  viaResolver?: boolean;
}
export interface ServerAnswer {
  server: string;
  kind: 'resolver' | 'authoritative';
  rcode?: string;
  error?: 'timeout' | 'network';
  detail?: string;
  mx: MxHostAnswer[];
  /** No MX: mail goes to the domain's own address (RFC 5321 §5.1 implicit MX). */
  implicitMx?: boolean;
  /** RFC 7505 null MX. */
  nullMx?: boolean;
}
export interface Delegation {
  parent: string[];
  zone: string[];
  match: boolean;
}

type AnswerState = 'new' | 'old' | 'mixed' | 'stale-a-record' | 'other' | 'no-mx' | 'null-mx' | 'nxdomain' | 'servfail' | 'timeout';

function answerState(a: ServerAnswer, lists: HostLists): AnswerState {
  if (a.error) return 'timeout';
  if (a.rcode === 'NXDOMAIN') return 'nxdomain';
  if (a.rcode && a.rcode !== 'NOERROR') return 'servfail';
  if (a.nullMx) return 'null-mx';
  if (a.implicitMx) return 'no-mx';
  const states = a.mx.map((m) => {
    const name = roleOf(lists, { host: m.host });
    const ips = m.addresses.map((x) => roleOf(lists, { ip: x.address }));
    if (name === 'new' && ips.includes('old')) return 'stale-a-record';
    if (name === 'old' || ips.includes('old')) return 'old';
    if (name === 'new' || ips.includes('new')) return 'new';
    return 'other';
  });
  if (states.includes('stale-a-record')) return 'stale-a-record';
  if (states.length && states.every((s) => s === 'new')) return 'new';
  if (states.length && states.every((s) => s === 'old')) return 'old';
  if (states.includes('new') && states.includes('old')) return 'mixed';
  return states.includes('old') ? 'old' : 'other';
}

function mxKey(a: ServerAnswer): string {
  return a.mx.map((m) => `${m.preference} ${m.host} ${m.addresses.map((x) => x.address).sort().join(',')}`).sort().join(' | ');
}

export interface DomainVerdict {
  verdict: Verdict;
  detail: string;
  /** mixed/old: the largest TTL still cached for an old answer, in seconds. */
  maxOldTtl?: number;
}

export function decideVerdict(answers: readonly ServerAnswer[], lists: HostLists, delegation?: Delegation): DomainVerdict {
  const withLists = lists.old.entries.length > 0 || lists.new.entries.length > 0;
  const states = answers.map((a) => answerState(a, lists));
  const failed = (s: AnswerState): boolean => s === 'timeout' || s === 'servfail';
  const names = (pred: (s: AnswerState) => boolean): string => answers.filter((_, i) => pred(states[i]!)).map((a) => a.server).join(', ');
  const all = (s: AnswerState): boolean => states.length > 0 && states.every((x) => x === s);
  if (answers.length === 0) return { verdict: 'timeout', detail: 'no server was asked' };
  for (const s of ['timeout', 'nxdomain', 'servfail', 'null-mx', 'no-mx'] as const) {
    if (all(s)) {
      const detail = s === 'no-mx' ? `no MX record: mail goes to the address of the domain itself (implicit MX)${answers[0]!.mx[0]?.addresses.length ? `: ${answers[0]!.mx[0]!.addresses.map((x) => x.address).join(', ')}` : ''}`
        : s === 'null-mx' ? 'null MX (RFC 7505): the domain accepts no mail'
        : s === 'nxdomain' ? 'the domain does not exist (NXDOMAIN)'
        : s === 'servfail' ? `servers failed: ${answers.map((a) => `${a.server} ${a.rcode ?? a.detail ?? ''}`.trim()).join('; ')}`
        : `no answer from ${names(() => true)}`;
      return { verdict: s, detail };
    }
  }
  const stale = answers.filter((_, i) => states[i] === 'stale-a-record');
  if (stale.length) {
    const m = stale[0]!.mx.find((x) => roleOf(lists, { host: x.host }) === 'new' && x.addresses.some((a) => roleOf(lists, { ip: a.address }) === 'old'))!;
    return { verdict: 'stale-a-record', detail: `${m.host}${m.chain.length > 1 ? ` (via ${m.chain.slice(1).join(' → ')})` : ''} resolves to old ${m.addresses.filter((a) => roleOf(lists, { ip: a.address }) === 'old').map((a) => a.address).join(', ')} at ${stale.map((a) => a.server).join(', ')}` };
  }
  const oldAnswers = answers.filter((_, i) => states[i] === 'old' || states[i] === 'mixed');
  const maxOldTtl = oldAnswers.length ? Math.max(...oldAnswers.flatMap((a) => a.mx.map((m) => m.ttl))) : undefined;
  const failures = names(failed);
  const delegationNote = delegation && !delegation.match ? `; the parent zone delegates to ${delegation.parent.join(', ') || '(nothing)'} but the zone's own servers list ${delegation.zone.join(', ') || '(nothing)'}` : '';
  if (!withLists) {
    const keys = new Set(answers.filter((_, i) => !failed(states[i]!)).map(mxKey));
    if (keys.size <= 1 && !failures && !delegationNote) return { verdict: 'consistent', detail: 'every server gives the same MX set (no --old-mx/--new-mx to say whether it is the new one)' };
    return { verdict: 'mixed', detail: `servers disagree${failures ? `; no answer from ${failures}` : ''}${delegationNote}` };
  }
  if (states.every((s) => s === 'new')) {
    if (delegationNote) return { verdict: 'mixed', detail: `every answer gives the new hosts${delegationNote}` };
    return { verdict: 'new', detail: `every server gives the new MX hosts (${[...new Set(answers.flatMap((a) => a.mx.map((m) => m.host)))].join(', ')})` };
  }
  if (states.every((s) => s === 'old')) return { verdict: 'old', detail: `every server still gives the old MX hosts${delegationNote}`, maxOldTtl };
  if (oldAnswers.length) {
    return {
      verdict: 'mixed', maxOldTtl,
      detail: `${oldAnswers.map((a) => a.server).join(', ')} still give${oldAnswers.length === 1 ? 's' : ''} old hosts (up to ${maxOldTtl} s left in caches)${failures ? `; no answer from ${failures}` : ''}${delegationNote}`,
    };
  }
  if (failures) return { verdict: states.some((s) => s === 'timeout') ? 'timeout' : 'servfail', detail: `the answers seen give the new hosts, but ${failures} did not answer` };
  return { verdict: 'mixed', detail: `some MX hosts are in neither host list: ${[...new Set(answers.flatMap((a) => a.mx.map((m) => m.host)))].join(', ')}${delegationNote}` };
}
