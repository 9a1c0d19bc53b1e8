/**
 * The refusal records of every recipient, in columns: numbers in typed arrays, strings and hosts
 * side by side in one array, eight to a record. A record as an object with its boxed time, in an
 * array per recipient, took ~200 bytes besides its strings; on a gigabyte of log there are tens of
 * thousands of them, and refusals grow with the log where recipients do not. Each recipient's
 * records form a chain from its latest back to its first (`before`); the correlator keeps only the
 * number of the latest.
 *
 * A diagnostic that names the recipient's address (as first written) is kept as a template, the
 * address written as `\0` and the template shared by every recipient whose refusal reads the same
 * (`550 5.1.1 <\0>: Recipient address rejected: User unknown`); it is filled in again when the
 * records are read. The diagnostics were a third of the records' memory. Diagnostics without the
 * address are shared as they are: most are a provider's fixed text (Google's NoSuchUser, Exchange's
 * RecipientNotFound), and past MAX_SHARED_VALUES distinct ones each is kept alone as before.
 */

import { BOUNCE_CLASSES, OUTCOMES, type BounceClass, type HostRef, type Outcome } from '../types.js';
import type { Interner } from '../text.js';
import type { Refusal } from './attempts.js';
import { widened } from './deliveries.js';

/** The address's mark in a diagnostic template: a control character, stripped from every diagnostic read. */
const ADDRESS_MARK = '\0';

/** Slots of `refs` per record. */
const REFS = 8;
const STATUS = 0, SMTP_CODE = 1, SENDER = 2, FILE = 3, HOST = 4, MESSAGE_ID = 5, QUEUE_ID = 6, DIAGNOSTIC = 7;

/** Bits of `kinds` above the class and outcome numbers (5 bits each). */
const LEGACY_DN = 1 << 10, TEMPLATED = 1 << 11;

const CLASS_NUMBER = new Map<BounceClass, number>(BOUNCE_CLASSES.map((c, i) => [c, i]));
const OUTCOME_NUMBER = new Map<Outcome, number>(OUTCOMES.map((o, i) => [o, i]));

export class RefusalTable {
  private size = 0;
  private times = new Float64Array(1024);
  private lines = new Int32Array(1024);
  /** The same recipient's record before this one; -1 for its first. */
  private before = new Int32Array(1024);
  /** How many records the recipient has, up to this one. */
  private counts = new Int32Array(1024);
  private kinds = new Int32Array(1024);
  /** Per record: status, SMTP code, sender, file, host, Message-ID, queue id, diagnostic. */
  private readonly refs: (string | HostRef | undefined)[] = [];

  /** `texts` shares the diagnostic templates (and is where the caller shares its other strings). */
  constructor(private readonly texts: Interner) {}

  /** Records of the recipient whose latest record is `last` (-1: none). */
  count(last: number): number {
    return last < 0 ? 0 : this.counts[last]!;
  }

  /**
   * Add a record of the recipient whose latest record is `last` (-1: none) and whose address as
   * first written is `address`; returns the number of the new latest. The diagnostic is shared
   * here; the other strings are kept as given (the caller shares or copies them, see text.ts detach).
   */
  add(last: number, r: Refusal, address: string): number {
    const i = this.size++;
    if (i === this.times.length) this.grow();
    this.times[i] = r.time;
    this.lines[i] = r.line;
    this.before[i] = last;
    this.counts[i] = this.count(last) + 1;
    const d = r.diagnostic;
    const templated = d !== undefined && d.includes(address) && !d.includes(ADDRESS_MARK);
    this.kinds[i] = CLASS_NUMBER.get(r.class)! | (OUTCOME_NUMBER.get(r.outcome)! << 5) | (r.legacyDn ? LEGACY_DN : 0) | (templated ? TEMPLATED : 0);
    this.refs.push(r.status, r.smtpCode, r.sender, r.file, r.host, r.messageId, r.queueId, this.texts.get(templated ? d.split(address).join(ADDRESS_MARK) : d));
    return i;
  }

  /** The records of the recipient whose latest record is `last`, in the order they were added. */
  records(last: number, address: string): Refusal[] {
    const out: Refusal[] = [];
    for (let i = last; i >= 0; i = this.before[i]!) out.push(this.record(i, address));
    return out.reverse();
  }

  private record(i: number, address: string): Refusal {
    const kind = this.kinds[i]!;
    const at = i * REFS;
    const refs = this.refs;
    let diagnostic = refs[at + DIAGNOSTIC] as string | undefined;
    if (kind & TEMPLATED) diagnostic = diagnostic!.split(ADDRESS_MARK).join(address);
    return {
      time: this.times[i]!, class: BOUNCE_CLASSES[kind & 31]!, outcome: OUTCOMES[(kind >> 5) & 31]!,
      status: refs[at + STATUS] as string | undefined, smtpCode: refs[at + SMTP_CODE] as string | undefined, host: refs[at + HOST] as HostRef,
      messageId: refs[at + MESSAGE_ID] as string | undefined, queueId: refs[at + QUEUE_ID] as string | undefined,
      sender: refs[at + SENDER] as string | undefined, diagnostic, file: refs[at + FILE] as string, line: this.lines[i]!,
      legacyDn: (kind & LEGACY_DN) !== 0,
    };
  }

  private grow(): void {
    const n = this.times.length * 2;
    this.times = widened(this.times, n);
    this.lines = widened(this.lines, n);
    this.before = widened(this.before, n);
    this.counts = widened(this.counts, n);
    this.kinds = widened(this.kinds, n);
  }
}
