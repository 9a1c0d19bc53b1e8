/**
 * The correlator: events in (any reader, any order), the diagnosis out. While reading it keeps
 * per domain the answers by host (hourly buckets), the deliveries per recipient and host, and the
 * refusal records of user-unknown / domain-refusal attempts — never the whole event list. After
 * all inputs, `finish()` infers cutovers, merges records into attempts and decides causes.
 */

import { MAX_REFUSALS_PER_RECIPIENT, MAX_SHARED_VALUES } from '../limits.js';
import { DeliveryTimesTable, widened } from './deliveries.js';
import { LOGGED_DROPPED, RecipientLedger } from './ledger.js';
import type { DeliveryLedger, NumberedRun } from '../ingest/reader.js';
import { detach, Interner } from '../text.js';
import { hostKey, namesLegacyDn } from '../ingest/event.js';
import { formatOffset, isoUtc, parseEventTime } from '../time.js';
import type { BounceClass, DeliveryEvent, HostRef } from '../types.js';
import { mergeAttempts, type Attempt } from './attempts.js';
import { RefusalTable } from './refusals.js';
import { DAY, causeOf, type AttemptView, type RuleFacts } from './causes.js';
import { cutoverFor, type MigrationContext } from './context.js';
import { AnswerRows, HOUR, LAST_DELIVERY, countAnswer, inferWithHostLists, inferWithoutHostLists, newAnswerLog, recordAnswer, type AnswerLog } from './cutover.js';
import { CAUSES, type Cause, type Confidence, type Finding } from './finding.js';
import { buildFinding } from './evidence.js';
import { hostLabel, hostListsGiven, roleOf, type HostRole } from './hosts.js';
import { buildTimeline, type TimelineRow } from './summary.js';

interface DomainState {
  log: AnswerLog;
  eventsByClass: Partial<Record<BounceClass, number>>;
  /** host key → the host and the times of connection failures to it (capped) */
  connectionFailures: Map<string, { host: HostRef; times: number[] }>;
  /**
   * The domain's number in the correlator's RecipientLedger, which numbers its recipients (their
   * delivery times live in the correlator's DeliveryTimesTable, by that number).
   */
  ledgerId: number;
  /** Recipient number → its latest refusal record in the correlator's RefusalTable (most recipients have none). */
  refusals: Map<number, number>;
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

function detachRef(ref: HostRef): HostRef {
  const out: HostRef = {};
  if (ref.host !== undefined) out.host = detach(ref.host);
  if (ref.ip !== undefined) out.ip = detach(ref.ip);
  return out;
}

export class Correlator {
  private readonly domains = new Map<string, DomainState>();
  /** Every recipient's number (domain and lower-cased address) and address as first written. */
  private readonly ledger = new RecipientLedger();
  /** Domains by their number in the ledger. */
  private readonly byLedgerId: DomainState[] = [];
  /** Every recipient's delivery times, by recipient number. */
  private readonly times = new DeliveryTimesTable();
  /** The numbers of every domain's answering hosts (see AnswerRows). */
  private readonly answerRows = new AnswerRows();
  /**
   * By the ledger's domain number: the deliveries counted (class `none`, not in
   * eventsByClass.none, which is set at the first so that the classes keep the order first seen),
   * and the host object of the domain's last delivery with that host's row in answerRows. A
   * delivery handed over by number reads these and its host's row, all in small dense arrays, where
   * the domain's state, its answer log and its host were objects scattered over the heap.
   */
  private deliveredBy = new Int32Array(1024);
  private readonly lastRefOf: (HostRef | undefined)[] = [];
  private lastRowOf = new Int32Array(1024);
  /** The addresses of recipients with refusals, by number (read from the ledger once). */
  private readonly refusedAddresses = new Map<number, string>();
  /** The ledger's recipients by domain, once reading is over (see knownGood). */
  private recipientsByDomain: ReturnType<RecipientLedger['byDomain']> | undefined;
  /** Reply codes, senders and file names of refusal records, kept once. */
  private readonly texts = new Interner(MAX_SHARED_VALUES);
  /** The answering host of refusal records by host key, kept once (bounded as `texts`). */
  private readonly refusalHosts = new Map<string, HostRef>();
  /** Every recipient's refusal records (DomainState.refusals has the latest of each). */
  private readonly refusals = new RefusalTable(this.texts);

  private finished = false;

  constructor(private readonly ctx: MigrationContext) {}

  add(e: DeliveryEvent): void {
    if (!e.domain) return;
    const t = parseEventTime(e.time);
    const ref = e.answeredBy;
    if (e.outcome === 'delivered') { this.delivered(t, e.recipient, e.domain, ref, namesLegacyDn(e.recipient, e.diagnostic)); return; }
    const d = this.domain(e.domain);
    const answered = ref.host !== undefined || ref.ip !== undefined;
    // A refused or timed-out connection is not an answer: it is counted apart (stale-MX evidence).
    const connectionFailure = answered && !e.smtpCode && CONNECTION_FAILURE.test(e.diagnostic ?? '');
    if (answered && !connectionFailure) recordAnswer(d.log, ref, t, detachRef);
    const legacyDn = namesLegacyDn(e.recipient, e.diagnostic);
    const refusal = e.class === 'user-unknown' || e.class === 'domain-not-accepted' || legacyDn;
    if (!refusal) d.eventsByClass[e.class] = (d.eventsByClass[e.class] ?? 0) + 1;
    if (refusal) {
      const id = this.recipient(d, e.recipient);
      const last = d.refusals.get(id) ?? -1;
      if (this.refusals.count(last) >= MAX_REFUSALS_PER_RECIPIENT) { d.capped++; return; }
      d.refusals.set(id, this.refusals.add(last, {
        time: t, class: e.class, outcome: e.outcome, status: this.texts.get(e.status), smtpCode: this.texts.get(e.smtpCode), host: this.refusalHost(ref),
        messageId: detach(e.messageId), queueId: detach(e.queueId), sender: this.texts.get(e.sender), diagnostic: e.diagnostic,
        file: this.texts.get(e.origin.file), line: e.origin.line, legacyDn,
      }, this.refusedAddress(id)));
      return;
    }
    if (connectionFailure) {
      // Copied (detach) only where a map keeps it: most events find their host already there.
      const key = hostKey(ref);
      let f = d.connectionFailures.get(key);
      if (!f) d.connectionFailures.set(detach(key), (f = { host: detachRef(ref), times: [] }));
      if (f.times.length < MAX_REFUSALS_PER_RECIPIENT) f.times.push(t);
    }
  }

  /**
   * A delivery, from its event or handed over by a reader (ReadOptions.onDelivered) already
   * normalised. Its class is always `none`; it counts as an answer by its host unless nobody answered.
   */
  delivered(t: number, recipient: string, domain: string, ref: HostRef, legacyDn: boolean): void {
    const d = this.domain(domain);
    this.deliveredTo(d, this.recipient(d, recipient), t, ref, legacyDn);
  }

  /** The ledger, for a Postfix scanner that finds deliveries' recipients in it (ReadOptions.deliveryLedger). */
  deliveryLedger(): Required<DeliveryLedger> {
    const ledger = this.ledger;
    return {
      instance: ledger.instance,
      numbered: (run) => this.numbered(run),
      logged: (t, bytes, start, length, ref) => {
        // In place when the bytes lie in the ledger's memory (its instance's scanner's input).
        const id = ledger.inMemory(bytes) ? ledger.loggedAt(bytes.byteOffset + start, length) : ledger.logged(bytes, start, start + length);
        if (id < 0) return id === LOGGED_DROPPED;
        this.deliveredToNumber(ledger.lastDomain(), id, t, ref);
        return true;
      },
    };
  }

  /** The state of the ledger's domain number `id` (made when the ledger numbered it first). */
  private ledgerDomain(id: number): DomainState {
    return this.byLedgerId[id] ?? this.domain(this.ledger.domainName(id));
  }

  /** Deliveries found in the ledger (DeliveryLedger.numbered). */
  private numbered({ times, recipients, domains, hosts, length }: NumberedRun): void {
    for (let i = 0; i < length; i++) this.deliveredToNumber(domains[i]!, recipients[i]!, times[i]!, hosts[i]!);
  }

  /**
   * A delivery to recipient `id` of the ledger's domain number `dom`: what deliveredTo does, in
   * place where the domain's last delivery had the same host object and was not its first.
   */
  private deliveredToNumber(dom: number, id: number, t: number, ref: HostRef): void {
    const at = this.lastRowOf[dom]!, v = this.answerRows.values;
    if (this.lastRefOf[dom] !== ref) { this.deliveredTo(this.ledgerDomain(dom), id, t, ref, false); return; }
    // The host's first answer in an hour: a new run, its last hour's moved to the runs.
    const hour = Math.floor(t / HOUR);
    if (!countAnswer(v, at, t, hour)) this.answerRows.newRun(at, t, hour);
    if (t > v[at + LAST_DELIVERY]!) v[at + LAST_DELIVERY] = t;
    // lastRefOf is set after a domain's first delivery is counted: the count is past 0 here.
    this.deliveredBy[dom]++;
    this.times.add(id, t);
  }

  private deliveredTo(d: DomainState, id: number, t: number, ref: HostRef, legacyDn: boolean): void {
    const answered = ref.host !== undefined || ref.ip !== undefined;
    const h = answered ? recordAnswer(d.log, ref, t, detachRef) : undefined;
    if (h && t > h.lastDelivery) h.lastDelivery = t;
    // An X.500 recipient is refusal evidence even when delivered: not counted among the domain's classes.
    if (!legacyDn) {
      const dom = d.ledgerId;
      if (dom >= this.deliveredBy.length) this.growByDomain(dom);
      if (this.deliveredBy[dom]++ === 0) d.eventsByClass.none ??= 0;
      // Remembered only after the first delivery is counted (deliveredToNumber counts without looking).
      if (h) {
        this.lastRefOf[dom] = ref;
        this.lastRowOf[dom] = h.at;
      }
    }
    this.times.add(id, t);
  }

  private growByDomain(dom: number): void {
    let size = this.deliveredBy.length;
    while (size <= dom) size *= 2;
    this.deliveredBy = widened(this.deliveredBy, size);
    this.lastRowOf = widened(this.lastRowOf, size);
  }

  private domain(name: string): DomainState {
    let d = this.domains.get(name);
    if (!d) {
      const kept = detach(name);
      d = { log: newAnswerLog(this.answerRows), eventsByClass: {}, connectionFailures: new Map(), ledgerId: this.ledger.domain(kept), refusals: new Map(), capped: 0 };
      this.domains.set(kept, d);
      this.byLedgerId[d.ledgerId] = d;
    }
    return d;
  }

  private refusalHost(ref: HostRef): HostRef {
    const key = hostKey(ref);
    let kept = this.refusalHosts.get(key);
    if (!kept) {
      kept = detachRef(ref);
      if (this.refusalHosts.size < MAX_SHARED_VALUES) this.refusalHosts.set(detach(key), kept);
    }
    return kept;
  }

  /** The recipient's number, given on first sight. */
  private recipient(d: DomainState, address: string): number {
    return this.ledger.recipient(d.ledgerId, address.toLowerCase(), address);
  }

  /** The address as first written of a recipient with refusals. */
  private refusedAddress(id: number): string {
    let a = this.refusedAddresses.get(id);
    if (a === undefined) this.refusedAddresses.set(id, (a = this.ledger.address(id)));
    return a;
  }

  /** Addresses of the domain delivered to at least once, in the order first seen (for the nearest-address suggestion). */
  private knownGood(d: DomainState): string[] {
    const { starts, ids } = (this.recipientsByDomain ??= this.ledger.byDomain());
    const out: string[] = [];
    for (let i = starts[d.ledgerId]!; i < starts[d.ledgerId + 1]!; i++) if (this.times.count(ids[i]!) > 0) out.push(this.ledger.address(ids[i]!));
    return out;
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

  /** The diagnosis. Once: the state read is let go as the domains are diagnosed. */
  finish(window: Window = {}): Analysis {
    if (this.finished) throw new Error('Correlator.finish() was called twice: it lets go of what it read');
    this.finished = true;
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
    // In the order recipients were first seen (their numbers).
    const perRecipient: { id: number; attempts: (Attempt & { view: AttemptView })[] }[] = [];
    for (const id of [...d.refusals.keys()].sort((a, b) => a - b)) {
      const attempts = mergeAttempts(this.refusals.records(d.refusals.get(id)!, this.refusedAddress(id))).map((a) => ({ first: a.first, last: a.last, records: a.records, view: this.view(a, role) }));
      perRecipient.push({ id, attempts });
    }
    let refusedAtNewAfter = 0;
    for (const { attempts } of perRecipient) {
      if (cutover !== undefined && attempts.some((a) => a.view.role === 'new' && a.first >= cutover!)) refusedAtNewAfter++;
    }
    let deliveredAtNewAfter = false;
    for (const h of d.log.hosts.values()) {
      if (cutover !== undefined && h.lastDelivery >= cutover && role(h) === 'new') deliveredAtNewAfter = true;
    }
    let knownGood: string[] | undefined;

    const findings: Finding[] = [];
    const byClass: Partial<Record<BounceClass, number>> = { ...d.eventsByClass };
    const delivered = d.ledgerId < this.deliveredBy.length ? this.deliveredBy[d.ledgerId]! : 0;
    if (delivered) byClass.none! += delivered;
    const ukAttempts: number[] = [];
    for (const { id, attempts } of perRecipient) {
      const state = { address: this.refusedAddress(id), deliveries: this.times.history(id) };
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
        findings.push(buildFinding({ ctx: this.ctx, domain, state, cause, attempts: group, facts, info, role, knownGood: () => (knownGood ??= this.knownGood(d)), hosts: d.log.hosts, refusedAtNewAfter }));
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
    // The domain's refusal records are read for the last time: let them go while the next
    // domains' findings are built (on a gigabyte of log they are as large as the findings).
    d.refusals.clear();
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
}
