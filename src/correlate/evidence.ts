/**
 * One finding from the attempts of one recipient that share a cause: the counts, times, hosts and
 * statuses, and per cause the evidence sentence a person can check and the confidence with the
 * rule that set it (DESIGN.md § Causes, § Outputs).
 */

import { decodeImceaex } from '../address.js';
import { formatOffset, isoUtc } from '../time.js';
import type { HostRef } from '../types.js';
import { sourceOf, type Attempt, type Refusal } from './attempts.js';
import { CAUSE_INFO, lowest, type AttemptView, type RuleFacts } from './causes.js';
import type { MigrationContext } from './context.js';
import type { CutoverInfo } from './correlate.js';
import type { DeliveryHistory } from './deliveries.js';
import type { Cause, Confidence, Finding } from './finding.js';
import { hostLabel, type HostRole } from './hosts.js';
import { nearestKnownGood } from './suggest.js';

export interface FindingInput {
  ctx: MigrationContext;
  domain: string;
  /** The recipient and its delivery times. */
  state: { address: string; deliveries: DeliveryHistory };
  cause: Cause;
  attempts: (Attempt & { view: AttemptView })[];
  facts: RuleFacts;
  info: CutoverInfo;
  role: (ref: HostRef) => HostRole;
  /** Addresses of the domain delivered to at least once (for the nearest-address suggestion), built when asked. */
  knownGood: () => string[];
  /** The hosts that answered for the domain, with their last answer. */
  hosts: Map<string, HostRef & { last: number }>;
  refusedAtNewAfter: number;
}

export function buildFinding(a: FindingInput): Finding {
  const { ctx, domain, state, cause, attempts, facts, info, role, knownGood, refusedAtNewAfter } = a;
  const cutover = facts.cutover;
  const records = attempts.flatMap((a) => a.records);
  const first = attempts[0]!.first;
  const last = attempts[attempts.length - 1]!.last;
  const at = (t: number): string => (cutover === undefined ? isoUtc(t) : formatOffset(t - cutover));
  const hosts = hostLabels(records.map((r) => r.host));
  const statuses = distinct(records.map((r) => r.status ?? r.smtpCode));
  const resolved = state.deliveries.firstAfter(last);
  const n = attempts.length;
  const span = n === 1 ? `at ${at(first)}` : `between ${at(first)} and ${at(last)}`;
  const refusals = `${n} refusal${n === 1 ? '' : 's'} by ${hosts.join(', ')} ${span}`;
  const firstDelivery = state.deliveries.first();
  const deliveredBefore = cutover !== undefined && firstDelivery !== undefined && firstDelivery < cutover;
  const lower = state.address.toLowerCase();
  const inOldNotNew = ctx.oldUsers?.has(lower) === true && ctx.newUsers !== undefined && !ctx.newUsers.has(lower);

  let evidence: string;
  let confidence: Confidence;
  let reason: string;
  let suggestion: string | undefined;
  let x500: string | undefined;
  const cutoverConfidence = info.confidence;
  switch (cause) {
    case 'legacy-dn': {
      const imceaex = /^imceaex-/i.test(state.address) ? state.address : /IMCEAEX-[^\s'"<>;]+/i.exec(records.map((r) => r.diagnostic ?? '').join(' '))?.[0];
      x500 = imceaex ? decodeImceaex(imceaex) : undefined;
      evidence = `${refusals}; the recipient is an encapsulated legacyExchangeDN${x500 ? ` (${x500})` : ''}`;
      confidence = 'high';
      reason = 'the address itself is an IMCEAEX (X.500) address';
      break;
    }
    case 'pre-existing': {
      suggestion = nearestKnownGood(state.address, knownGood());
      const earliest = attempts.find((a) => a.first < cutover!)!;
      evidence = `refused as unknown ${at(earliest.first)} by ${hostLabel(earliest.records[0]!.host)} before the cutover and never delivered to; ${refusals}${suggestion ? `; nearest known-good address: ${suggestion}` : ''}`;
      confidence = cutoverConfidence;
      reason = `refused before the cutover and never delivered to (cutover ${info.how})`;
      break;
    }
    case 'stale-a-record': {
      const r = records.find((x) => role(x.host) === 'stale-a')!;
      evidence = `${refusals}; ${r.host.host} is listed as new but answered from ${r.host.ip}, an old address`;
      confidence = cutoverConfidence;
      reason = `a new MX name answering from an old IP after the cutover (cutover ${info.how})`;
      break;
    }
    case 'stale-mx': {
      const oldLast = Math.max(...[...a.hosts.values()].filter((h) => role(h) === 'old').map((h) => h.last));
      evidence = `${refusals}; the old host${oldLast > last ? ` answered for ${domain} until ${at(oldLast)}` : `s answered for ${domain} last at ${at(oldLast)}; none after`}`;
      confidence = cutoverConfidence;
      reason = `answered by an old host after the cutover (cutover ${info.how})`;
      break;
    }
    case 'domain-not-accepted': {
      const bySignature = attempts.some((a) => a.view.class === 'domain-not-accepted' && a.view.role === 'new');
      if (bySignature) {
        evidence = `${refusals}: a domain refusal ("${records.find((r) => r.class === 'domain-not-accepted')?.diagnostic ?? ''}") from a new host`;
        confidence = lowest('high', cutoverConfidence === 'low' ? 'medium' : 'high');
        reason = 'a domain-refusal reply from a new host';
      } else {
        evidence = `${refusals}; ${refusedAtNewAfter} recipients of ${domain} were refused at new hosts after the cutover and nothing was delivered to ${domain} at a new host after it. Only user-unknown replies: the domain may be accepted with none of its users provisioned — check the directory sync`;
        confidence = lowest('medium', cutoverConfidence);
        reason = `${refusedAtNewAfter} recipients refused at new hosts, no delivery there (cutover ${info.how})`;
      }
      break;
    }
    case 'unprovisioned-user': {
      const strong = deliveredBefore || inOldNotNew;
      const why = deliveredBefore
        ? `delivered to ${state.deliveries.exact ? '' : 'at least '}${state.deliveries.countBefore(cutover!)} time(s) before the cutover`
        : inOldNotNew ? 'in --old-users but not in --new-users' : 'not seen delivered before the cutover';
      const early = attempts.some((a) => a.first < cutover!) ? '; refused at a new host before the cutover: moved or deprovisioned early' : '';
      evidence = `${refusals}; ${why}${early}${resolved !== undefined ? `; delivered again at ${at(resolved)}` : ''}`;
      confidence = lowest(strong ? 'high' : 'medium', cutoverConfidence);
      reason = strong ? `refused at a new host and ${why}` : 'refused at a new host; no earlier delivery seen';
      break;
    }
    case 'undetermined': {
      const missing = cutover === undefined ? `cutover unknown (${info.evidence})`
        : attempts.every((a) => a.view.role === 'other') ? `${hosts.join(', ')} is in neither host list: give --old-mx / --new-mx`
        : attempts.every((a) => a.first < cutover) ? (facts.recipientDelivered
          ? 'refused before the cutover by a host that is not new, although the recipient was delivered to at some point: removed early on the old system, or the cutover is earlier than the one used'
          : 'refused before the cutover by a host that is not new, with no user-unknown reply to make it a pre-existing bad address: the old host stopped accepting the domain early, or the cutover is earlier than the one used')
        : 'the evidence does not fit one cause';
      evidence = `${refusals}; ${missing}`;
      confidence = 'low';
      reason = 'no rule could decide';
      break;
    }
  }
  if (attempts.every((a) => a.view.deferredOnly)) {
    confidence = 'low';
    reason += '; only temporary (4xx) refusals';
  }
  return {
    domain, recipient: state.address, cause, confidence, confidenceReason: reason,
    events: n, firstSeen: isoUtc(first), lastSeen: isoUtc(last),
    offsetFirst: cutover === undefined ? undefined : formatOffset(first - cutover),
    resolvedAt: resolved === undefined ? undefined : isoUtc(resolved),
    remoteHosts: hosts, statuses,
    sampleDiagnostic: records.find((r) => r.diagnostic)?.diagnostic,
    evidence, fix: CAUSE_INFO[cause].fix,
    sources: firstSources(records, 3),
    suggestion, x500,
  };
}

/**
 * Distinct host labels of one finding. A bare name is dropped when the same server also came with
 * its IP, or when it is the syslog short name (`mx`) of a listed FQDN in the same list (`mx.example.org`).
 */
function hostLabels(hosts: HostRef[]): string[] {
  // The records of one host mostly share one object (the correlator keeps each host once): each read once.
  const refs = [...new Set(hosts)];
  const full = refs.filter((r) => r.host && r.ip).map((r) => r.host!);
  const redundant = (r: HostRef): boolean => !!r.host && !r.ip && full.some((h) => h === r.host || h.startsWith(`${r.host}.`));
  return distinct(refs.filter((r) => !redundant(r)).map(hostLabel));
}

/** The first `n` distinct sources of the records, in their order (a recipient refused hundreds of times has hundreds of records). */
function firstSources(records: readonly Refusal[], n: number): string[] {
  const seen = new Set<string>();
  for (const r of records) {
    seen.add(sourceOf(r));
    if (seen.size === n) break;
  }
  return [...seen];
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

