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
 * Answers of one domain: its hosts, whose numbers (and the runs of answers they had, by hour) are
 * kept in the correlator's AnswerRows.
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
  /** Host keys by the host's index (MAX_HOSTS at most: later hosts share the last). */
  keys: string[];
  /** The row of the host given the last index, whose chain of runs later hosts share. */
  sharedRow?: number;
  /** Where its hosts' numbers are kept (shared by the logs of one correlator). */
  rows: AnswerRows;
}

/** A host's numbers in AnswerRows: its place plus one of these. */
export const FIRST = 0, LAST = 1, RUN_HOUR = 2, RUN_COUNT = 3, RUN_FIRST = 4, LAST_DELIVERY = 5;
/** The host's last run moved to AnswerRows.runs (-1: none), and the row whose chain of runs it adds to. */
const LAST_RUN = 6, CHAIN = 7;
const ROW = 8;

/** A run moved out of its row (AnswerRows.runs): its hour, count, first answer (ms into the hour), the run before it in its chain (-1: none), and the chain. */
const R_HOUR = 0, R_COUNT = 1, R_FIRST = 2, R_PREV = 3, R_CHAIN = 4;
const RUN = 5;

/**
 * The numbers of answering hosts, a row of doubles each, in one array for every domain of a
 * correlator: a delivery updates its host's row, and as objects each answer read a domain's state,
 * its log and its host from three places in a heap of a hundred megabytes (bench/NOTES.md,
 * session 15). The answers of the current hour are counted in the row (the run), and moved to the
 * end of `runs` when the hour changes, linked to the host's runs before: a log is read in time
 * order, so most answers touch nothing but their row, and a change of hour appends to an array
 * (it went into its domain's map before: the domain's state, its log and the map, each a likely
 * cache miss; bench/NOTES.md, session 18). The runs are read by hour once a domain, when its
 * cutover is inferred.
 */
export class AnswerRows {
  values = new Float64Array(ROW * 64);
  private used = 0;
  /** Runs moved out of their rows, in the order they were moved (RUN doubles each). */
  private runs = new Float64Array(RUN * 256);
  private runsUsed = 0;

  /**
   * A new host's row: its first answer at `t` (which is also its run's first); its runs go to the
   * chain of row `chain` (by default its own).
   */
  add(t: number, hour: number, chain?: number): number {
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
    v[at + LAST_RUN] = -1;
    v[at + CHAIN] = chain ?? at;
    return at;
  }

  /** Row `at`'s first answer in hour `hour` (at `t`) since its run was of another hour: a new run, the old one moved to the runs. */
  newRun(at: number, t: number, hour: number): void {
    this.moveRun(at);
    const v = this.values;
    v[at + RUN_HOUR] = hour;
    v[at + RUN_COUNT] = 1;
    v[at + RUN_FIRST] = t - hour * HOUR;
  }

  /** Row `at`'s run, unless empty, appended to the runs of its chain. */
  moveRun(at: number): void {
    const v = this.values;
    const count = v[at + RUN_COUNT]!;
    if (count === 0) return;
    if (this.runsUsed === this.runs.length) this.makeRoom();
    const chain = v[at + CHAIN]!;
    const runs = this.runs, r = this.runsUsed;
    this.runsUsed += RUN;
    runs[r + R_HOUR] = v[at + RUN_HOUR]!;
    runs[r + R_COUNT] = count;
    runs[r + R_FIRST] = v[at + RUN_FIRST]!;
    runs[r + R_PREV] = v[chain + LAST_RUN]!;
    runs[r + R_CHAIN] = chain;
    v[chain + LAST_RUN] = r;
    v[at + RUN_COUNT] = 0;
  }

  /**
   * The runs of row `chain`'s chain, each as its place in the order runs were moved (earliest
   * first), hour, count and first answer (ms into the hour), handed to `visit` latest first.
   */
  chainRuns(chain: number, visit: (order: number, hour: number, count: number, first: number) => void): void {
    const runs = this.runs;
    for (let r = this.values[chain + LAST_RUN]!; r >= 0; r = runs[r + R_PREV]!) visit(r, runs[r + R_HOUR]!, runs[r + R_COUNT]!, runs[r + R_FIRST]!);
  }

  /** Runs the array has room for (merging keeps it small: see makeRoom). */
  runsHeld(): number {
    return this.runs.length / RUN;
  }

  /**
   * Room for a run: the runs of one chain and hour merged first (into the earliest, which keeps its
   * place), and the array doubled only if that left it more than half full. A log in time order
   * breaks a host's run once an hour, but one out of order may break it at every line: merged, the
   * runs are bounded by chains × hours, as the answers' buckets always were.
   */
  private makeRoom(): void {
    const runs = this.runs, v = this.values;
    const seen = new Map<number, Map<number, number>>();
    let w = 0;
    for (let r = 0; r < this.runsUsed; r += RUN) {
      const chain = runs[r + R_CHAIN]!, hour = runs[r + R_HOUR]!;
      let hours = seen.get(chain);
      if (!hours) seen.set(chain, (hours = new Map()));
      const into = hours.get(hour);
      if (into !== undefined) {
        runs[into + R_COUNT] += runs[r + R_COUNT]!;
        if (runs[r + R_FIRST]! < runs[into + R_FIRST]!) runs[into + R_FIRST] = runs[r + R_FIRST]!;
        continue;
      }
      hours.set(hour, w);
      if (w !== r) runs.copyWithin(w, r, r + RUN);
      w += RUN;
    }
    // The chains linked again, in order, over the runs kept.
    for (const chain of seen.keys()) v[chain + LAST_RUN] = -1;
    for (let r = 0; r < w; r += RUN) {
      const chain = runs[r + R_CHAIN]!;
      runs[r + R_PREV] = v[chain + LAST_RUN]!;
      v[chain + LAST_RUN] = r;
    }
    this.runsUsed = w;
    if (w > runs.length / 2) {
      const grown = new Float64Array(2 * runs.length);
      grown.set(runs);
      this.runs = grown;
    }
  }
}

/** A host that answered for a domain: its name and address, its numbers in the log's AnswerRows. */
export class AnsweringHost implements HostRef {
  constructor(
    readonly host: string | undefined,
    readonly ip: string | undefined,
    /** Its place among the log's hosts (later ones share the last: see AnswerLog.sharedRow). */
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

/** Distinct answering hosts counted by hour per domain; more share the last one's runs (counted, not lost). */
const MAX_HOSTS = 4096;

export function newAnswerLog(rows: AnswerRows = new AnswerRows()): AnswerLog {
  return { hosts: new Map(), firstHosts: [], keys: [], rows };
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
  let h = answeringHost(log, ref);
  if (h) {
    if (!countAnswer(log.rows.values, h.at, t, hour)) log.rows.newRun(h.at, t, hour);
    return h;
  }
  const index = Math.min(log.keys.length, MAX_HOSTS - 1);
  const copy = keep(ref);
  const at = log.rows.add(t, hour, index === MAX_HOSTS - 1 ? log.sharedRow : undefined);
  if (index === MAX_HOSTS - 1) log.sharedRow ??= at;
  h = new AnsweringHost(copy.host, copy.ip, index, log.rows, at);
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
 * and last answer, and its run when `t` is in the run's hour. False when it is not: a new run is then
 * the caller's to start (AnswerRows.newRun).
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

/** hour → host key → { count, first }. */
export type HourBuckets = Map<number, Map<string, { count: number; first: number }>>;

/**
 * A domain's answers by hour and host, from its hosts' runs when inference needs them (once a
 * domain). Hours and hosts come in the order their runs were first moved (which decides between
 * hosts whose first answers in an hour are at the same time, see firstLastingChange).
 */
export function byHour(log: AnswerLog): HourBuckets {
  const rows = log.rows;
  for (const h of log.hosts.values()) rows.moveRun(h.at);
  const runs: { order: number; hour: number; count: number; first: number; key: string }[] = [];
  for (const h of log.hosts.values()) {
    // The hosts past the last index add to the chain of the host that has it (its key is keys[index]).
    if (h.index === MAX_HOSTS - 1 && h.at !== log.sharedRow) continue;
    const key = log.keys[h.index]!;
    rows.chainRuns(h.at, (order, hour, count, first) => runs.push({ order, hour, count, first, key }));
  }
  runs.sort((a, b) => a.order - b.order);
  const out: HourBuckets = new Map();
  for (const { hour, count, first, key } of runs) {
    let m = out.get(hour);
    if (!m) out.set(hour, (m = new Map()));
    const at = hour * HOUR + first;
    const b = m.get(key);
    if (!b) m.set(key, { count, first: at });
    else {
      b.count += count;
      if (at < b.first) b.first = at;
    }
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

