/** Building a DeliveryEvent: one place for address normalisation, text cleaning and classification. */

import { normaliseAddress } from '../address.js';
import type { Classification, Classifier } from '../classify/classify.js';
import { replyCodes } from '../classify/status.js';
import { cleanText } from '../text.js';
import { isoUtc } from '../time.js';
import type { BounceClass, DeliveryEvent, HostRef, Origin, Outcome, Source } from '../types.js';
import type { DeliverySink } from './reader.js';

export interface EventParts {
  time: number;
  source: Source;
  origin: Origin;
  recipient: string;
  originalRecipient?: string;
  sender?: string;
  messageId?: string;
  queueId?: string;
  outcome: Outcome;
  smtpCode?: string;
  status?: string;
  diagnostic?: string;
  remoteHost?: string;
  remoteIp?: string;
  reporter?: string;
  answeredBy: HostRef;
  data?: Record<string, string>;
  /** A class the source states outright (an Exchange Online trace `Status` of Quarantined), with its reason. */
  statedClass?: { class: DeliveryEvent['class']; signature: string };
}

function opt(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const c = cleanText(s, 1000);
  return c === '' ? undefined : c;
}

/** A host name as events carry it: cleaned, lower-cased, without its trailing dot. */
function hostName(s: string | undefined): string | undefined {
  const c = opt(s);
  return c === undefined ? undefined : (c.endsWith('.') ? c.slice(0, -1) : c).toLowerCase();
}

/** The answering host as events carry it: cleaned, host name lower-cased without its trailing dot. */
export function normaliseHostRef(h: HostRef): HostRef {
  return hostRef(hostName(h.host), opt(h.ip));
}

/** A host's key where hosts are counted apart (the correlator's answering hosts, a range's host table). */
export function hostKey(ref: HostRef): string {
  return `${ref.host ?? ''}|${ref.ip ?? ''}`;
}

/** A host ref of a normalised name and address; empty ones left out. */
function hostRef(name: string | undefined, ip: string | undefined): HostRef {
  const out: HostRef = {};
  if (name) out.host = name;
  if (ip) out.ip = ip;
  return out;
}

let lastSender: string | undefined;
let lastSenderAddress = '';
/** A sender as events carry it. The recipients of one message come one after the other with the same sender. */
function senderAddress(raw: string): string {
  if (raw !== lastSender) {
    lastSenderAddress = normaliseAddress(raw).address;
    lastSender = raw;
  }
  return lastSenderAddress;
}

/**
 * Assemble an event with a fixed key order (so NDJSON output is stable), fill reply code and
 * status from the diagnostic when the reader had none, and classify it.
 */
export function buildEvent(p: EventParts, classifier: Classifier): DeliveryEvent {
  return assemble(p, classified(p, classifier));
}

/**
 * buildEvent's event when its class is one of `keep` (all when undefined), else undefined: a reader
 * whose caller keeps a few classes (`events --class`) leaves the others unbuilt once classified.
 */
export function buildKeptEvent(p: EventParts, classifier: Classifier, keep: ReadonlySet<BounceClass> | undefined): DeliveryEvent | undefined {
  const c = classified(p, classifier);
  return keep === undefined || keep.has(c.class.class) ? assemble(p, c) : undefined;
}

/** What an event's class is decided on, and the class. */
interface Classified {
  rcpt: ReturnType<typeof normaliseAddress>;
  diagnostic: string | undefined;
  smtpCode: string | undefined;
  status: string | undefined;
  class: Classification;
}

function classified(p: EventParts, classifier: Classifier): Classified {
  const rcpt = normaliseAddress(p.recipient);
  const diagnostic = p.diagnostic === undefined ? undefined : cleanText(p.diagnostic) || undefined;
  let { smtpCode, status } = p;
  if (diagnostic && (!smtpCode || !status)) {
    const codes = replyCodes(diagnostic);
    smtpCode ??= codes.smtpCode;
    status ??= codes.status;
  }
  const c = p.statedClass ?? classifier.classify({ smtpCode, status, text: diagnostic, recipient: rcpt.address, outcome: p.outcome });
  return { rcpt, diagnostic, smtpCode, status, class: c };
}

function assemble(p: EventParts, { rcpt, diagnostic, smtpCode, status, class: c }: Classified): DeliveryEvent {
  // Keys are added in the fixed order, absent ones not at all: the NDJSON stays compact and reads
  // back identically, and every event keeps V8's fast object layout (deleting the absent keys of a
  // full literal, as before, turned each event into a slow dictionary object).
  const e = { time: isoUtc(p.time), source: p.source, origin: p.origin, recipient: rcpt.address } as DeliveryEvent;
  if (rcpt.domain !== undefined) e.domain = rcpt.domain;
  if (p.originalRecipient) {
    const orig = normaliseAddress(p.originalRecipient).address;
    if (orig) e.originalRecipient = orig;
  }
  if (p.sender !== undefined) e.sender = senderAddress(p.sender);
  const messageId = opt(p.messageId);
  if (messageId !== undefined) e.messageId = messageId;
  const queueId = opt(p.queueId);
  if (queueId !== undefined) e.queueId = queueId;
  e.outcome = p.outcome;
  if (smtpCode !== undefined) e.smtpCode = smtpCode;
  if (status !== undefined) e.status = status;
  if (diagnostic !== undefined) e.diagnostic = diagnostic;
  const remoteHost = hostName(p.remoteHost);
  if (remoteHost !== undefined) e.remoteHost = remoteHost;
  const remoteIp = opt(p.remoteIp);
  if (remoteIp !== undefined) e.remoteIp = remoteIp;
  const reporter = opt(p.reporter)?.toLowerCase();
  if (reporter !== undefined) e.reporter = reporter;
  // Mostly the remote end itself, whose name and address were just normalised the same way.
  const a = p.answeredBy;
  e.answeredBy = a.host === p.remoteHost && a.ip === p.remoteIp ? hostRef(remoteHost, remoteIp) : normaliseHostRef(a);
  e.class = c.class;
  if (c.signature !== undefined) e.signature = c.signature;
  if (p.data !== undefined) e.data = p.data;
  return e;
}

const LEGACY_TEXT = /IMCEAEX-|\bX500:\/o=/i;
const LEGACY_RECIPIENT = /^imceaex-/i;

/** An IMCEAEX recipient, or a reply naming an X.500 address: legacyExchangeDN evidence (of an event's recipient and cleaned diagnostic). */
export function namesLegacyDn(recipient: string, diagnostic: string | undefined): boolean {
  return LEGACY_RECIPIENT.test(recipient) || (diagnostic !== undefined && LEGACY_TEXT.test(diagnostic));
}

/**
 * Hand a delivery to ReadOptions.onDelivered instead of building its event: the recipient and host
 * normalised here as `buildEvent` normalises them, and whether the event would name a legacy DN,
 * so the consumer keeps what it would have kept of the event. A recipient without a domain is
 * dropped, as the correlator drops its event.
 */
export function handOverDelivery(sink: DeliverySink, time: number, recipient: string, answeredBy: HostRef, diagnostic: string | undefined): void {
  handOverNormalised(sink, time, recipient, normaliseHostRef(answeredBy), diagnostic === undefined ? undefined : cleanText(diagnostic) || undefined);
}

/** handOverDelivery of a host already normalised (normaliseHostRef) and a diagnostic already cleaned. */
export function handOverNormalised(sink: DeliverySink, time: number, recipient: string, answeredBy: HostRef, diagnostic: string | undefined): void {
  const rcpt = normaliseAddress(recipient);
  if (!rcpt.domain) return;
  sink(time, rcpt.address, rcpt.domain, answeredBy, namesLegacyDn(rcpt.address, diagnostic));
}

const LOOPBACK = /^(127\.|::1$|0:0:0:0:0:0:0:1$|::ffff:127\.)/i;
export function isLoopback(ip: string): boolean {
  return LOOPBACK.test(ip);
}
