/**
 * inferCutover(): when `--cutover` is absent, per domain (DESIGN.md § MigrationContext).
 * With host lists: the first answer by a new host after which new hosts answer most of the
 * domain's attempts. Without: the lasting change of the host (provider) that answers for the
 * domain, which then also defines old and new, at `low` confidence. One provider rotating its
 * own hosts (same registrable domain) is not a change.
 */

import { hostKey } from '../ingest/event.js';
import { detach } from '../text.js';
import { isoUtc } from '../time.js';
import type { Confidence } from './finding.js';
import { hostLabel, type HostRole } from './hosts.js';
import type { HostRef } from '../types.js';

export const HOUR = 3_600_000;

/**
 * Answers of one domain, bucketed by hour and host: bounded by hours × hosts, not by events. A
 * bucket is a slot number (hour × MAX_HOSTS + host index) in one numeric map, whose value is the
 * bucket's place in two plain arrays of small integers (a Map per hour cost more memory than every
 * recipient together; two maps keyed by slot, as later, cost four map operations per bucket update).
 */
export interface AnswerLog {
  hosts: Map<string, AnsweringHost>;
  /** The first FIRST_HOSTS hosts, looked through before the map (a domain has a few MX hosts). */
  firstHosts: AnsweringHost[];
  /**
   * The host object of the last answer and its entry: a reader hands the deliveries of one relay
   * with one host object, and a domain's deliveries mostly go to one host in a row.
   */
  lastRef?: HostRef;
  lastHost?: AnsweringHost;
  keys: string[];
  /** Slot → its place in `counts` and `firsts`, in the order slots were first filled. */
  slots: Map<number, number>;
  counts: number[];
  /** Milliseconds into the hour of the slot's first answer. */
  firsts: number[];
  /**
   * Hours are counted from here, so that slots and their values stay small integers (V8 Smis, up to
   * 2^30): absolute hours × MAX_HOSTS do not fit, and every lookup then boxed a number.
   */
  baseHour?: number;
  /** Where its hosts' numbers are kept (shared by the logs of one correlator). */
  rows: AnswerRows;
}

/** A host's numbers in AnswerRows: its place plus one of these. */
export const FIRST = 0, LAST = 1, RUN_HOUR = 2, RUN_COUNT = 3, RUN_FIRST = 4, LAST_DELIVERY = 5;
const ROW = 6;

/**
 * The numbers of answering hosts, a row of six doubles each, in one array for
 * every domain of a correlator: a delivery updates its host's row, and as objects each answer read
 * a domain's state, its log and its host from three places in a heap of a hundred megabytes
 * (bench/NOTES.md, session 15). The answers of the current hour are counted in the row (the run)
 * and moved to the log's slot maps when the hour changes: a log is read in time order, so most
 * answers touch no map at all (four map operations per delivery were a sixth of `analyze`).
 */
export class AnswerRows {
  values = new Float64Array(ROW * 64);
  private used = 0;

  /** A new host's row: its first answer at `t` (which is also its run's first). */
  add(t: number, hour: number): number {
    if (this.used === this.values.length) {
      const grown = new Float64Array(2 * this.values.length);
      grown.set(this.values);
      this.values = grown;
    }
    const at = this.used;
    this.used += ROW;
    const v = this.values;
    v[at + FIRST] = t;
    v[at + LAST] = t;
    v[at + RUN_HOUR] = hour;
    v[at + RUN_COUNT] = 1;
    v[at + RUN_FIRST] = t - hour * HOUR;
    v[at + LAST_DELIVERY] = -Infinity;
    return at;
  }
}

/** A host that answered for a domain: its name and address, its numbers in the log's AnswerRows. */
export class AnsweringHost implements HostRef {
  constructor(
    readonly host: string | undefined,
    readonly ip: string | undefined,
    /** Its place among the log's hosts (slots of later ones share the last). */
    readonly index: number,
    private readonly rows: AnswerRows,
    /** Its row in `rows`. */
    readonly at: number,
  ) {}

  get first(): number { return this.rows.values[this.at + FIRST]!; }
  get last(): number { return this.rows.values[this.at + LAST]!; }
  /** The last delivery it accepted; -Infinity when none. */
  get lastDelivery(): number { return this.rows.values[this.at + LAST_DELIVERY]!; }
  set lastDelivery(t: number) { this.rows.values[this.at + LAST_DELIVERY] = t; }
}

/**
 * Hosts of a domain found by comparing their name and address before the map is asked: most
 * domains have one to a few MX hosts, and comparing two short strings costs less than building the
 * host's key and hashing it (which the map lookup of every delivery did).
 */
const FIRST_HOSTS = 8;

/** Distinct answering hosts tracked per domain; more share the last slot (counted, not lost). */
const MAX_HOSTS = 4096;
/** Answers up to ~7 years before a domain's first one still get a slot of their own. */
const BASE_SLACK_HOURS = 1 << 16;

export function newAnswerLog(rows: AnswerRows = new AnswerRows()): AnswerLog {
  return { hosts: new Map(), firstHosts: [], keys: [], slots: new Map(), counts: [], firsts: [], rows };
}

/** The entry of a host that answered before. */
function answeringHost(log: AnswerLog, ref: HostRef): AnsweringHost | undefined {
  if (ref === log.lastRef) return log.lastHost;
  // The same entry the map gives: equal name and address make equal keys, and keys are unique.
  // Not found so (a new host, or one past the first few), the map decides.
  const host = ref.host ?? '', ip = ref.ip ?? '';
  let found: AnsweringHost | undefined;
  for (const h of log.firstHosts) if ((h.host ?? '') === host && (h.ip ?? '') === ip) { found = h; break; }
  found ??= log.hosts.get(hostKey(ref));
  if (found) { log.lastRef = ref; log.lastHost = found; }
  return found;
}

/** `keep` copies the host's strings when it is first seen (see text.ts detach). Returns the host's entry. */
export function recordAnswer(log: AnswerLog, ref: HostRef, t: number, keep: (ref: HostRef) => HostRef = (r) => r): AnsweringHost {
  const hour = Math.floor(t / HOUR);
  const intoHour = t - hour * HOUR;
  let h = answeringHost(log, ref);
  if (h) {
    const v = log.rows.values, at = h.at;
    if (countAnswer(v, at, t, hour)) return h;
    flushRun(log, h);
    v[at + RUN_HOUR] = hour;
    v[at + RUN_COUNT] = 1;
    v[at + RUN_FIRST] = intoHour;
    return h;
  }
  const index = Math.min(log.keys.length, MAX_HOSTS - 1);
  const copy = keep(ref);
  h = new AnsweringHost(copy.host, copy.ip, index, log.rows, log.rows.add(t, hour));
  const kept = detach(hostKey(ref));
  log.hosts.set(kept, h);
  if (log.firstHosts.length < FIRST_HOSTS) log.firstHosts.push(h);
  if (log.keys.length < MAX_HOSTS) log.keys.push(kept);
  log.lastRef = ref;
  log.lastHost = h;
  return h;
}

/**
 * An answer at `t` (in hour `hour`) by the host of row `at` of `v` (AnswerRows.values): its first
 * and last answer, and its run when `t` is in the run's hour. False when it is not: the run is then
 * the caller's to move (recordAnswer does).
 */
export function countAnswer(v: Float64Array, at: number, t: number, hour: number): boolean {
  if (t < v[at + FIRST]!) v[at + FIRST] = t;
  if (t > v[at + LAST]!) v[at + LAST] = t;
  if (hour !== v[at + RUN_HOUR]) return false;
  v[at + RUN_COUNT]++;
  const intoHour = t - hour * HOUR;
  if (intoHour < v[at + RUN_FIRST]!) v[at + RUN_FIRST] = intoHour;
  return true;
}

/** Move a host's current-hour count into the slot maps (adding: a slot may be flushed more than once). */
function flushRun(log: AnswerLog, h: AnsweringHost): void {
  const v = log.rows.values, at = h.at;
  const runCount = v[at + RUN_COUNT]!, runHour = v[at + RUN_HOUR]!, runFirst = v[at + RUN_FIRST]!;
  if (runCount === 0) return;
  log.baseHour ??= runHour - BASE_SLACK_HOURS;
  const slot = (runHour - log.baseHour) * MAX_HOSTS + h.index;
  const place = log.slots.get(slot);
  if (place === undefined) {
    log.slots.set(slot, log.counts.length);
    log.counts.push(runCount);
    log.firsts.push(runFirst);
  } else {
    log.counts[place] += runCount;
    if (runFirst < log.firsts[place]!) log.firsts[place] = runFirst;
  }
  v[at + RUN_COUNT] = 0;
}

/** hour → host key → { count, first }. */
type HourBuckets = Map<number, Map<string, { count: number; first: number }>>;

/** A domain's answers by hour and host, rebuilt from the flat maps when inference needs them (once a domain). */
function byHour(log: AnswerLog): HourBuckets {
  for (const h of log.hosts.values()) flushRun(log, h);
  const out: HourBuckets = new Map();
  for (const [slot, at] of log.slots) {
    const q = Math.floor(slot / MAX_HOSTS);
    const key = log.keys[slot - q * MAX_HOSTS]!;
    const hour = log.baseHour! + q;
    let m = out.get(hour);
    if (!m) out.set(hour, (m = new Map()));
    m.set(key, { count: log.counts[at]!, first: hour * HOUR + log.firsts[at]! });
  }
  return out;
}

export interface InferredCutover {
  time: number;
  confidence: Confidence;
  evidence: string;
  /** Without host lists: which hosts the change made old and new. */
  roles?: Map<string, HostRole>;
}

/**
 * The first hour in which `isNew` hosts answer, from which on they answer at least half of the
 * answers by new or old hosts; returns the first new answer in that hour.
 */
function firstLastingChange(buckets: HourBuckets, isNew: (key: string) => boolean, isOld: (key: string) => boolean): { time: number; host: string; newAfter: number; totalAfter: number; oldBefore: number } | undefined {
  const hours = [...buckets.keys()].sort((a, b) => a - b);
  const perHour = hours.map((h) => {
    let n = 0, o = 0, first = Infinity, host = '';
    for (const [key, c] of buckets.get(h)!) {
      if (isNew(key)) { n += c.count; if (c.first < first) { first = c.first; host = key; } }
      else if (isOld(key)) o += c.count;
    }
    return { n, o, first, host };
  });
  let newAfter = 0, oldAfter = 0;
  for (const p of perHour) { newAfter += p.n; oldAfter += p.o; }
  let oldBefore = 0;
  for (const p of perHour) {
    if (p.n > 0 && newAfter >= oldAfter) return { time: p.first, host: p.host, newAfter, totalAfter: newAfter + oldAfter, oldBefore };
    newAfter -= p.n;
    oldAfter -= p.o;
    oldBefore += p.o;
  }
  return undefined;
}

export function inferWithHostLists(log: AnswerLog, role: (ref: HostRef) => HostRole): InferredCutover | { missing: string } {
  const roleOfKey = (k: string): HostRole => role(log.hosts.get(k)!);
  const change = firstLastingChange(byHour(log), (k) => roleOfKey(k) === 'new', (k) => roleOfKey(k) === 'old' || roleOfKey(k) === 'stale-a');
  if (!change) return { missing: 'no lasting answer by a listed new host: give --cutover' };
  const host = hostLabel(log.hosts.get(change.host)!);
  const share = `${change.newAfter} of ${change.totalAfter} answers by listed hosts from then on came from new hosts`;
  if (change.oldBefore === 0) {
    return { time: change.time, confidence: 'low', evidence: `first answer by new host ${host} at ${isoUtc(change.time)}, but no old host answered before it (the cutover may be earlier); ${share}` };
  }
  return { time: change.time, confidence: 'medium', evidence: `first answer by new host ${host} at ${isoUtc(change.time)}; ${share}` };
}

/**
 * The provider a host belongs to: its registrable domain (approximated), or the identity itself.
 * A host under the recipient domain itself (`oldmx.example.org` for example.org) is self-hosted:
 * there each host is its own "provider", so moving from one own server to another is a change.
 */
export function providerOf(ref: HostRef, domain: string): string {
  const host = ref.host?.toLowerCase();
  if (!host) return ref.ip ? ref.ip.split('.').slice(0, 3).join('.') : '?';
  if (!host.includes('.') || host === domain || host.endsWith(`.${domain}`)) return host;
  const labels = host.split('.');
  // Two labels, or three under a short second level (example.co.uk, example.com.au).
  const n = labels.length >= 3 && labels[labels.length - 2]!.length <= 3 && labels[labels.length - 1]!.length === 2 ? 3 : 2;
  return labels.slice(-n).join('.');
}

export function inferWithoutHostLists(log: AnswerLog, domain: string): InferredCutover | { missing: string } {
  const provider = new Map<string, string>();
  for (const [k, ref] of log.hosts) provider.set(k, providerOf(ref, domain));
  const buckets = byHour(log);
  const hours = [...buckets.keys()].sort((a, b) => a - b);
  if (hours.length === 0) return { missing: 'no answers for this domain: give --cutover and --old-mx/--new-mx' };
  // The provider answering most in the last quarter of the domain's hours is the new one.
  const tail = hours.slice(Math.floor(hours.length * 0.75));
  const counts = new Map<string, number>();
  for (const h of tail) for (const [k, c] of buckets.get(h)!) counts.set(provider.get(k)!, (counts.get(provider.get(k)!) ?? 0) + c.count);
  const winner = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  const change = firstLastingChange(buckets, (k) => provider.get(k) === winner, (k) => provider.get(k) !== winner);
  if (!change || change.oldBefore === 0) return { missing: 'the answering host never changed: give --cutover and --old-mx/--new-mx' };
  const roles = new Map<string, HostRole>();
  const oldProviders = new Set<string>();
  for (const [k, h] of log.hosts) if (provider.get(k) !== winner && h.first < change.time) oldProviders.add(provider.get(k)!);
  for (const k of log.hosts.keys()) roles.set(k, provider.get(k) === winner ? 'new' : oldProviders.has(provider.get(k)!) ? 'old' : 'other');
  return {
    time: change.time, confidence: 'low', roles,
    evidence: `no host lists: answers moved from ${[...oldProviders].join(', ')} to ${winner} at ${isoUtc(change.time)} (${change.newAfter} of ${change.totalAfter} answers from then on); old and new hosts are inferred from that change`,
  };
}

