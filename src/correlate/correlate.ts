/**
 * The correlator: events in (any reader, any order), the diagnosis out. While reading it keeps
 * per domain the answers by host (hourly buckets), the deliveries per recipient and host, and the
 * refusal records of user-unknown / domain-refusal attempts — never the whole event list. After
 * all inputs, `finish()` infers cutovers, merges records into attempts and decides causes.
 */

import { decodeImceaex } from '../address.js';
import { MAX_REFUSALS_PER_RECIPIENT } from '../limits.js';
import { DeliveryTimes } from './deliveries.js';
import { detach } from '../text.js';
import { formatOffset, isoUtc } from '../time.js';
import type { BounceClass, DeliveryEvent, HostRef } from '../types.js';
import { mergeAttempts, type Attempt, type Refusal } from './attempts.js';
import { CAUSE_INFO, DAY, causeOf, lowest, type AttemptView, type RuleFacts } from './causes.js';
import { cutoverFor, type MigrationContext } from './context.js';
import { inferWithHostLists, inferWithoutHostLists, newAnswerLog, recordAnswer, type AnswerLog } from './cutover.js';
import { CAUSES, type Cause, type Confidence, type Finding } from './finding.js';
import { hostLabel, hostListsGiven, roleOf, type HostRole } from './hosts.js';
import { nearestKnownGood } from './suggest.js';
import { buildTimeline, type TimelineRow } from './summary.js';

interface RecipientState {
  address: string;
  /** Created on the first refusal: most recipients never have one. */
  refusals?: Refusal[];
  deliveries: DeliveryTimes;
}

interface DomainState {
  log: AnswerLog;
  eventsByClass: Partial<Record<BounceClass, number>>;
  /** host key → last delivery time */
  lastDelivery: Map<string, number>;
  /** host key → the host and the times of connection failures to it (capped) */
  connectionFailures: Map<string, { host: HostRef; times: number[] }>;
  recipients: Map<string, RecipientState>;
  capped: number;
}

export interface CutoverInfo {
  time?: string;
  how: 'given' | 'inferred' | 'unknown';
  confidence: Confidence;
  evidence: string;
}

export interface DomainSummary {
  domain: string;
  cutover: CutoverInfo;
  /** Events by class (refusal classes: attempts). */
  byClass: Partial<Record<BounceClass, number>>;
  findingsByCause: Partial<Record<Cause, number>>;
  oldHosts: string[];
  newHosts: string[];
  /** Offset of the last answer by an old host after the cutover (`T+5h40m`); absent when none. */
  staleMxStopped?: string;
  /** ≥ 2 recipients refused at new hosts after cutover and nothing delivered there. */
  looksNotAccepted: boolean;
  connectionFailuresToOldAfterCutover: number;
  /** The DNS verdict, when `analyze --dns` / `--check-dns` gave one. */
  dns?: { verdict: string; detail: string; checkedAt: string };
}

export interface Analysis {
  scope: 'given' | 'host lists' | 'all seen';
  domains: DomainSummary[];
  findings: Finding[];
  timeline: TimelineRow[];
}

export interface Window {
  since?: number;
  until?: number;
}

const ROLE_PRIORITY: Record<HostRole, number> = { 'stale-a': 0, old: 1, new: 2, other: 3 };
const CONNECTION_FAILURE = /connect to |connection (?:refused|timed out|reset)|no route to host|lost connection|network is unreachable/i;
const LEGACY_TEXT = /IMCEAEX-|\bX500:\/o=/i;

function hostKey(ref: HostRef): string {
  return `${ref.host ?? ''}|${ref.ip ?? ''}`;
}

function detachRef(ref: HostRef): HostRef {
  const out: HostRef = {};
  if (ref.host !== undefined) out.host = detach(ref.host);
  if (ref.ip !== undefined) out.ip = detach(ref.ip);
  return out;
}

export class Correlator {
  private readonly domains = new Map<string, DomainState>();

  constructor(private readonly ctx: MigrationContext) {}

  add(e: DeliveryEvent): void {
    if (!e.domain) return;
    let d = this.domains.get(e.domain);
    if (!d) {
      d = { log: newAnswerLog(), eventsByClass: {}, lastDelivery: new Map(), connectionFailures: new Map(), recipients: new Map(), capped: 0 };
      this.domains.set(detach(e.domain), d);
    }
    const t = Date.parse(e.time);
    const ref = e.answeredBy;
    const key = detach(hostKey(ref));
    const answered = ref.host !== undefined || ref.ip !== undefined;
    // A refused or timed-out connection is not an answer: it is counted apart (stale-MX evidence).
    const connectionFailure = answered && !e.smtpCode && e.outcome !== 'delivered' && CONNECTION_FAILURE.test(e.diagnostic ?? '');
    if (answered && !connectionFailure) recordAnswer(d.log, key, ref, t, detachRef);
    const legacyDn = /^imceaex-/i.test(e.recipient) || LEGACY_TEXT.test(e.diagnostic ?? '');
    const refusal = e.class === 'user-unknown' || e.class === 'domain-not-accepted' || legacyDn;
    if (!refusal) d.eventsByClass[e.class] = (d.eventsByClass[e.class] ?? 0) + 1;
    if (e.outcome === 'delivered') {
      this.recipient(d, e.recipient).deliveries.add(t);
      if (answered && t > (d.lastDelivery.get(key) ?? -Infinity)) d.lastDelivery.set(key, t);
      return;
    }
    if (refusal) {
      const r = this.recipient(d, e.recipient);
      r.refusals ??= [];
      if (r.refusals.length >= MAX_REFUSALS_PER_RECIPIENT) { d.capped++; return; }
      r.refusals.push({
        time: t, class: e.class, outcome: e.outcome, status: detach(e.status), smtpCode: detach(e.smtpCode), host: detachRef(ref), hostKey: key,
        messageId: detach(e.messageId), queueId: detach(e.queueId), sender: detach(e.sender), diagnostic: detach(e.diagnostic),
        source: detach(`${e.origin.file}:${e.origin.line}`), legacyDn,
      });
      return;
    }
    if (connectionFailure) {
      let f = d.connectionFailures.get(key);
      if (!f) d.connectionFailures.set(key, (f = { host: detachRef(ref), times: [] }));
      if (f.times.length < MAX_REFUSALS_PER_RECIPIENT) f.times.push(t);
    }
  }

  private recipient(d: DomainState, address: string): RecipientState {
    const k = address.toLowerCase();
    let r = d.recipients.get(k);
    if (!r) {
      const kept = detach(address);
      d.recipients.set(kept === address.toLowerCase() ? kept : detach(k), (r = { address: kept, deliveries: new DeliveryTimes() }));
    }
    return r;
  }

  /** The domains the diagnosis covers (DESIGN.md § MigrationContext, `--domain`). */
  private scope(): { domains: string[]; scope: Analysis['scope'] } {
    const all = [...this.domains.keys()].sort();
    if (this.ctx.domains) return { domains: all.filter((d) => this.ctx.domains!.has(d)), scope: 'given' };
    if (!hostListsGiven(this.ctx.hosts) && !this.ctx.oldUsers && !this.ctx.newUsers) return { domains: all, scope: 'all seen' };
    const userDomains = new Set<string>();
    for (const set of [this.ctx.oldUsers, this.ctx.newUsers]) for (const a of set ?? []) if (!a.startsWith('x500:')) userDomains.add(a.slice(a.lastIndexOf('@') + 1));
    const domains = all.filter((d) => userDomains.has(d) || [...this.domains.get(d)!.log.hosts.values()].some((h) => roleOf(this.ctx.hosts, h) !== 'other'));
    return { domains, scope: 'host lists' };
  }

  finish(window: Window = {}): Analysis {
    const { domains, scope } = this.scope();
    const findings: Finding[] = [];
    const summaries: DomainSummary[] = [];
    const timeline: TimelineRow[] = [];
    for (const domain of domains) {
      const result = this.diagnoseDomain(domain, this.domains.get(domain)!, window);
      findings.push(...result.findings);
      summaries.push(result.summary);
      timeline.push(...result.timeline);
    }
    const causeOrder = (c: Cause): number => CAUSES.indexOf(c);
    findings.sort((a, b) => a.domain.localeCompare(b.domain) || causeOrder(a.cause) - causeOrder(b.cause) || a.recipient.localeCompare(b.recipient));
    return { scope, domains: summaries, findings, timeline };
  }

  private diagnoseDomain(domain: string, d: DomainState, window: Window): { findings: Finding[]; summary: DomainSummary; timeline: TimelineRow[] } {
    const lists = this.ctx.hosts;
    const withLists = hostListsGiven(lists);
    // Cutover: given, else inferred, else unknown.
    let cutover: number | undefined = cutoverFor(this.ctx, domain);
    let info: CutoverInfo;
    let inferredRoles: Map<string, HostRole> | undefined;
    if (cutover !== undefined) {
      info = { time: isoUtc(cutover), how: 'given', confidence: 'high', evidence: this.ctx.cutover.assumedUtc ? 'given (no offset: read as UTC)' : 'given' };
    } else {
      const inferred = withLists ? inferWithHostLists(d.log, (ref) => roleOf(lists, ref)) : inferWithoutHostLists(d.log, domain);
      if ('missing' in inferred) {
        info = { how: 'unknown', confidence: 'low', evidence: inferred.missing };
      } else {
        cutover = inferred.time;
        inferredRoles = inferred.roles;
        info = { time: isoUtc(inferred.time), how: 'inferred', confidence: inferred.confidence, evidence: inferred.evidence };
      }
    }
    const role = (ref: HostRef): HostRole => inferredRoles ? inferredRoles.get(hostKey(ref)) ?? 'other' : withLists ? roleOf(lists, ref) : 'other';

    // Attempts per recipient, and the facts the rules read.
    const perRecipient = new Map<string, { state: RecipientState; attempts: (Attempt & { view: AttemptView })[] }>();
    for (const [k, state] of d.recipients) {
      if (!state.refusals?.length) continue;
      const attempts = mergeAttempts(state.refusals).map((a) => ({ ...a, view: this.view(a, role) }));
      perRecipient.set(k, { state, attempts });
    }
    let refusedAtNewAfter = 0;
    for (const { attempts } of perRecipient.values()) {
      if (cutover !== undefined && attempts.some((a) => a.view.role === 'new' && a.first >= cutover!)) refusedAtNewAfter++;
    }
    let deliveredAtNewAfter = false;
    for (const [key, last] of d.lastDelivery) {
      if (cutover !== undefined && last >= cutover && role(d.log.hosts.get(key) ?? {}) === 'new') deliveredAtNewAfter = true;
    }
    const knownGood = [...d.recipients.values()].filter((r) => r.deliveries.count > 0).map((r) => r.address);

    const findings: Finding[] = [];
    const byClass: Partial<Record<BounceClass, number>> = { ...d.eventsByClass };
    const ukAttempts: number[] = [];
    for (const { state, attempts } of perRecipient.values()) {
      const facts: RuleFacts = {
        cutover,
        recipientDelivered: state.deliveries.count > 0,
        unknownBeforeCutover: cutover !== undefined && attempts.some((a) => a.view.class === 'user-unknown' && a.first < cutover! &&
          (a.view.role === 'old' || a.first < cutover! - DAY)),
        domainRefusedAtNewAfterCutover: refusedAtNewAfter,
        domainDeliveredAtNewAfterCutover: deliveredAtNewAfter,
      };
      const groups = new Map<Cause, (Attempt & { view: AttemptView })[]>();
      for (const a of attempts) {
        byClass[a.view.class] = (byClass[a.view.class] ?? 0) + 1;
        if (a.view.class === 'user-unknown') ukAttempts.push(a.first);
        if (window.since !== undefined && a.last < window.since) continue;
        if (window.until !== undefined && a.first > window.until) continue;
        const cause = causeOf(a.view, facts);
        let g = groups.get(cause);
        if (!g) groups.set(cause, (g = []));
        g.push(a);
      }
      for (const [cause, group] of groups) {
        findings.push(this.finding(domain, state, cause, group, facts, info, role, knownGood, d, refusedAtNewAfter));
      }
    }

    const findingsByCause: Partial<Record<Cause, number>> = {};
    for (const f of findings) findingsByCause[f.cause] = (findingsByCause[f.cause] ?? 0) + 1;
    const oldHosts: string[] = [], newHosts: string[] = [];
    let lastOldAfter: number | undefined;
    for (const [, h] of d.log.hosts) {
      const r = role(h);
      if (r === 'old' || r === 'stale-a') oldHosts.push(hostLabel(h));
      if (r === 'new') newHosts.push(hostLabel(h));
      if ((r === 'old' || r === 'stale-a') && cutover !== undefined && h.last >= cutover && (lastOldAfter === undefined || h.last > lastOldAfter)) lastOldAfter = h.last;
    }
    let connFail = 0;
    for (const { host, times } of d.connectionFailures.values()) {
      if (cutover !== undefined && role(host) === 'old') connFail += times.filter((t) => t >= cutover!).length;
    }
    const summary: DomainSummary = {
      domain, cutover: info, byClass, findingsByCause,
      oldHosts: oldHosts.sort(), newHosts: newHosts.sort(),
      staleMxStopped: lastOldAfter !== undefined && cutover !== undefined ? formatOffset(lastOldAfter - cutover) : undefined,
      looksNotAccepted: cutover !== undefined && refusedAtNewAfter >= 2 && !deliveredAtNewAfter,
      connectionFailuresToOldAfterCutover: connFail,
    };
    return { findings, summary, timeline: cutover === undefined ? [] : buildTimeline(domain, cutover, ukAttempts) };
  }

  private view(a: Attempt, role: (ref: HostRef) => HostRole): AttemptView {
    let best: HostRole = 'other';
    for (const r of a.records) {
      const ro = role(r.host);
      if (ROLE_PRIORITY[ro] < ROLE_PRIORITY[best]) best = ro;
    }
    return {
      time: a.first,
      role: best,
      class: a.records.some((r) => r.class === 'domain-not-accepted') ? 'domain-not-accepted' : 'user-unknown',
      deferredOnly: a.records.every((r) => r.outcome === 'deferred'),
      legacyDn: a.records.some((r) => r.legacyDn),
    };
  }

  private finding(
    domain: string, state: RecipientState, cause: Cause, attempts: (Attempt & { view: AttemptView })[], facts: RuleFacts,
    info: CutoverInfo, role: (ref: HostRef) => HostRole, knownGood: string[], d: DomainState, refusedAtNewAfter: number,
  ): Finding {
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
    const inOldNotNew = this.ctx.oldUsers?.has(lower) === true && this.ctx.newUsers !== undefined && !this.ctx.newUsers.has(lower);

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
        suggestion = nearestKnownGood(state.address, knownGood);
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
        const oldLast = Math.max(...[...d.log.hosts.values()].filter((h) => role(h) === 'old').map((h) => h.last));
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
      sources: distinct(records.map((r) => r.source)).slice(0, 3),
      suggestion, x500,
    };
  }
}

/**
 * Distinct host labels of one finding. A bare name is dropped when the same server also came with
 * its IP, or when it is the syslog short name (`mx`) of a listed FQDN in the same list (`mx.example.org`).
 */
function hostLabels(refs: HostRef[]): string[] {
  const full = refs.filter((r) => r.host && r.ip).map((r) => r.host!);
  const redundant = (r: HostRef): boolean => !!r.host && !r.ip && full.some((h) => h === r.host || h.startsWith(`${r.host}.`));
  return distinct(refs.filter((r) => !redundant(r)).map(hostLabel));
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

