/**
 * The bounce-message reader (source `dsn`): single messages, mbox files and Maildir files, each
 * message parsed once; one event per failed (or delayed, or delivered) recipient. RFC 3464 /
 * RFC 6522 reports are read field by field (also when the MIME parse lost the part: rfc3464.ts);
 * bounces without one fall back to their families' modules in vendors/ — Amazon SES JSON, Lotus
 * Notes, and the line shapes of the human-readable text of the others (text.ts) — and, when the
 * text names nobody, to the returned original's one recipient. Auto-replies, ARF feedback reports
 * and SES complaints are recognised and not counted as bounces.
 */

import { normaliseAddress } from '../../address.js';
import type { LineBatch } from '../../io/lines.js';
import { MAX_RECIPIENTS_PER_MESSAGE } from '../../limits.js';
import { parseIsoTime } from '../../time.js';
import type { DeliveryEvent, HostRef, Outcome } from '../../types.js';
import { buildEvent } from '../event.js';
import { countCap, countUnrecognised, type ReadContext, type Reader } from '../reader.js';
import { splitMessages, type RawMessage } from './mailbox.js';
import { parseMessage, type ParsedMessage } from './mime.js';
import { deliveryStatusInText, parseDeliveryStatus, type DsnRecipient } from './rfc3464.js';
import { amazonSesNotification } from './vendors/amazonses.js';
import { notesRecipients } from './vendors/notes.js';
import { ADDRESS, bestDiagnostic, globalDiagnostic, textRecipients, type TextRecipient } from './vendors/text.js';

const ACTION_OUTCOME: Record<string, Outcome> = {
  failed: 'bounced', delayed: 'deferred', delivered: 'delivered', relayed: 'delivered', expanded: 'delivered',
};

/** RFC 5322 dates (`Thu, 1 Jul 2014 23:45:01 +0900 (JST)`) and ISO dates → UTC ms. */
export function parseMailDate(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.replace(/\([^)]{0,64}\)/g, '').trim();
  const iso = parseIsoTime(t);
  if (iso !== undefined) return iso;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function headerValue(block: string | undefined, name: string): string | undefined {
  if (!block) return undefined;
  const re = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im');
  const m = re.exec(block);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
}

function angle(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /<([^>]{1,500})>/.exec(v);
  return (m ? m[1] : v).trim() || undefined;
}

/** `dns; mx.example.com`, `[192.0.2.1]`, `192.0.2.1` → host or IP. */
function hostRef(value: string | undefined): HostRef {
  if (!value) return {};
  const v = value.replace(/\.$/, '').toLowerCase();
  const ip = /^\[?(\d{1,3}(?:\.\d{1,3}){3})\]?$/.exec(v)?.[1];
  return ip ? { ip } : { host: v };
}

/** Whose answer it is: a host under outlook.com is the identity `exchange-online` (DESIGN.md § Who answered). */
function answerer(ref: HostRef): HostRef {
  return ref.host?.endsWith('.outlook.com') ? { host: 'exchange-online' } : ref;
}

/**
 * The returned original quoted in a text-only bounce: the header block after a separator such as
 * `--- Below this line is a copy of the message.` (qmail) or `----- Original message -----` (Gmail).
 */
function originalInText(text: string): string | undefined {
  const sep = /^.{0,20}(?:below this line is a copy of the message|original message|undelivered message|returned message|message headers follow).{0,20}$/im.exec(text);
  if (!sep) return undefined;
  const after = text.slice(sep.index + sep[0].length).replace(/^\s*\n/, '');
  const end = after.search(/\n\s*\n/);
  const block = end < 0 ? after : after.slice(0, end);
  return /^[A-Za-z-]{2,40}:/m.test(block) ? block.slice(0, 20_000) : undefined;
}

const BOUNCE_WORDS = /undeliver|returned mail|failure notice|delivery status|non-deliver|nondeliver|could not be delivered|delivery fail|failed delivery|bounce|not delivered|mail delivery|returned to sender|message not delivered|unable to deliver|delivery problem|error sending/i;

function looksLikeBounce(m: ParsedMessage): boolean {
  if (m.deliveryStatus.length) return true;
  if (m.headers.has('x-failed-recipients')) return true;
  const from = m.from.toLowerCase();
  if (/mailer-daemon|postmaster|mail delivery|mdaemon|noreply-dmarc/.test(from)) return true;
  if (BOUNCE_WORDS.test(m.subject)) return true;
  // Some report only in the body, under a subject like `Mail` (KDDI): its first lines say so.
  return BOUNCE_WORDS.test(m.text.slice(0, 600));
}

function isAutoReply(m: ParsedMessage): boolean {
  const auto = (m.headers.get('auto-submitted') ?? '').toLowerCase();
  if (auto.startsWith('auto-replied')) return true;
  if (m.headers.has('x-autoreply') || m.headers.has('x-autorespond')) return true;
  if (/^(?:auto(?:matic)?[ -]?reply|out of (?:the )?office|vacation|abwesenheit|absence)/i.test(m.subject)) return true;
  return false;
}

/**
 * A `Final-Recipient` that is not a mailbox: `|/usr/bin/prog user@example.com` (an Exim pipe) gives
 * the address inside it; `@mx.example.org` (Sendmail, a host with no local part) gives the one
 * recipient the text names, if it names exactly one.
 */
function usableAddress(value: string | undefined, fromText: { address: string }[]): string | undefined {
  if (value === undefined || /^[^@\s|/]+@[^@\s]+$/.test(value)) return value;
  const inner = ADDRESS.exec(value)?.[0];
  if (inner) return inner;
  return fromText.length === 1 ? fromText[0]!.address : undefined;
}

/**
 * A bounce whose text names no recipient (Verizon's `Message could not be delivered to mobile.`,
 * Postfix's `Delivery report unavailable`): the returned original's one `To:` address, with the
 * text's `Error:`/`Reason:` line. Only when the original has exactly one recipient.
 */
function recipientOfOriginal(original: string | undefined, text: string): TextRecipient[] {
  const to = headerValue(original, 'To');
  if (!to || headerValue(original, 'Cc')) return [];
  const addresses = to.match(new RegExp(ADDRESS.source, 'g')) ?? [];
  if (new Set(addresses.map((a) => a.toLowerCase())).size !== 1) return [];
  const reason = /^\s*(?:error|reason|because)\s*:\s*(\S.{2,300})$/im.exec(text)?.[1];
  return [{ address: addresses[0]!, diagnostic: reason?.trim() }];
}

/** The raw message after its header block, at most 200 KB. */
function bodyOf(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return end < 0 ? '' : raw.slice(end, end + 200_000);
}

export interface MessageEvents {
  events: DeliveryEvent[];
  /** Why the message gave no event: not a bounce, auto-reply, feedback report, no recipient. */
  skipped?: 'not a bounce' | 'auto-reply' | 'feedback report' | 'no recipient';
}

export async function eventsOfMessage(raw: RawMessage, ctx: ReadContext): Promise<MessageEvents> {
  const m = await parseMessage(raw.text);
  if (m.depthCapped) countCap(ctx.stats, 'MIME nesting cut at MAX_MIME_DEPTH');
  if (raw.truncated) countCap(ctx.stats, 'message cut at MAX_MESSAGE_BYTES');
  const ses = m.deliveryStatus.length ? undefined : amazonSesNotification(m.text);
  if (m.feedbackReport || ses?.kind === 'complaint') return { events: [], skipped: 'feedback report' };
  // Exchange NDRs carry `Auto-Submitted: auto-replied` too: only a message that does not look like
  // a bounce is taken for an auto-reply.
  if (!ses && !looksLikeBounce(m)) return { events: [], skipped: isAutoReply(m) ? 'auto-reply' : 'not a bounce' };

  const original = m.originalHeaders ?? originalInText(m.text);
  const sender = angle(headerValue(original, 'From')) ?? angle(m.headers.get('x-postfix-sender'));
  const messageId = angle(headerValue(original, 'Message-ID'));
  const subject = headerValue(original, 'Subject');
  const bounceDate = m.date?.getTime() ?? parseMailDate(m.headers.get('date'));
  const envelopeDate = parseMailDate(raw.envelopeDate);
  const fallbackTime = bounceDate ?? envelopeDate ?? ctx.referenceTime ?? 0;
  const origin = { file: ctx.file, line: raw.line, ...(raw.mbox ? { message: raw.index } : {}) };

  const statusParts = m.deliveryStatus.length || ses ? m.deliveryStatus : [deliveryStatusInText(raw.text)].filter((s): s is string => s !== undefined);
  const reports = statusParts.map(parseDeliveryStatus);
  if (ses) reports.push(ses.report);
  const fromText = notesRecipients(m.text) ?? textRecipients(m.text, m.headers.get('x-failed-recipients'));
  const recipients: (DsnRecipient & { reportingMta?: string; arrivalDate?: string })[] = [];
  for (const r of reports) {
    for (const rc of r.recipients) {
      recipients.push({ ...rc, finalRecipient: usableAddress(rc.finalRecipient, fromText), reportingMta: r.message.reportingMta, arrivalDate: r.message.arrivalDate });
    }
  }

  const textDiag = globalDiagnostic(m.text);
  const events: DeliveryEvent[] = [];
  const data = subject ? { subject: subject.slice(0, 200) } : undefined;

  if (recipients.some((r) => r.finalRecipient || r.originalRecipient)) {
    if (recipients.length > MAX_RECIPIENTS_PER_MESSAGE) countCap(ctx.stats, 'recipients past MAX_RECIPIENTS_PER_MESSAGE');
    for (const r of recipients.slice(0, MAX_RECIPIENTS_PER_MESSAGE)) {
      const address = r.finalRecipient ?? r.originalRecipient;
      if (!address) continue;
      const norm = normaliseAddress(address).address.toLowerCase();
      const textHit = fromText.find((t) => t.address.toLowerCase() === norm);
      const outcome: Outcome = ACTION_OUTCOME[r.action ?? ''] ?? (r.status?.startsWith('4') ? 'deferred' : r.status?.startsWith('2') ? 'delivered' : 'bounced');
      const time = parseMailDate(r.lastAttemptDate) ?? parseMailDate(r.arrivalDate) ?? fallbackTime;
      // A reply found once in the text belongs to this recipient only when it is the only one.
      const diagnostic = bestDiagnostic([r.diagnosticCode, textHit?.diagnostic, recipients.length === 1 ? textDiag : undefined]) ?? textDiag;
      const remote = hostRef(r.remoteMta);
      events.push(buildEvent({
        time, source: 'dsn', origin, recipient: address,
        originalRecipient: r.originalRecipient && r.finalRecipient && normaliseAddress(r.originalRecipient).address.toLowerCase() !== norm ? r.originalRecipient : undefined,
        sender, messageId, outcome, status: r.status, diagnostic,
        remoteHost: remote.host, remoteIp: remote.ip,
        reporter: r.reportingMta,
        answeredBy: answerer(r.remoteMta ? remote : hostRef(r.reportingMta)),
        data,
      }, ctx.classifier));
    }
  } else {
    const own = new Set([m.from.toLowerCase(), m.to.toLowerCase(), (sender ?? '').toLowerCase()]);
    const reporter = (/(?:at|from) host ([a-z0-9.-]+\.[a-z]{2,})/i.exec(m.text)?.[1] ?? /qmail-send program at ([a-z0-9.-]+)/i.exec(m.text)?.[1]
      ?? /Generating server: ([a-z0-9.-]+)/i.exec(m.text)?.[1])?.replace(/\.+$/, '');
    // The bounce's own From/To and the original sender also appear in the text; they are not
    // recipients unless a reply is quoted for them (anonymised bounces use one address for all).
    const notOwn = (t: TextRecipient): boolean => {
      const lower = t.address.toLowerCase();
      return !(own.has(lower) && !t.diagnostic) && !/^(?:mailer-daemon|postmaster)@/.test(lower);
    };
    let named = fromText.filter(notOwn);
    // A text part the MIME parse lost (a malformed part header) is still in the raw body.
    if (!named.length && !m.text.includes('@')) named = textRecipients(bodyOf(raw.text)).filter(notOwn);
    if (!named.length) named = recipientOfOriginal(original, m.text);
    if (named.length > MAX_RECIPIENTS_PER_MESSAGE) countCap(ctx.stats, 'recipients past MAX_RECIPIENTS_PER_MESSAGE');
    for (const t of named.slice(0, MAX_RECIPIENTS_PER_MESSAGE)) {
      const diagnostic = bestDiagnostic([t.diagnostic, named.length === 1 ? textDiag : undefined]) ?? textDiag;
      // `host mx.example.com [192.0.2.1]` (Exim, qmail) or `… by mx.example.com. [192.0.2.1]` (Gmail).
      const remote = /(?:host|by) ([a-z0-9.-]+\.[a-z]{2,})\.?\s*\[(\d{1,3}(?:\.\d{1,3}){3})\]/i.exec(t.diagnostic ?? diagnostic ?? '');
      events.push(buildEvent({
        time: fallbackTime, source: 'dsn', origin, recipient: t.address, sender, messageId,
        outcome: /\b4\d\d[ -]|\b4\.\d{1,3}\.\d{1,3}\b|delayed|will (?:keep trying|retry)/i.test(diagnostic ?? '') && !/\b5\d\d[ -]|\b5\.\d/.test(diagnostic ?? '') ? 'deferred' : 'bounced',
        diagnostic, remoteHost: remote?.[1], remoteIp: remote?.[2], reporter,
        answeredBy: answerer(remote ? { host: remote[1]!.toLowerCase(), ip: remote[2] } : hostRef(reporter)),
        data,
      }, ctx.classifier));
    }
  }
  return events.length ? { events } : { events, skipped: 'no recipient' };
}

const HEADER_LINE = /^[A-Za-z0-9-]{1,76}:[ \t]?/;
const MAIL_HEADERS = /^(?:received|return-path|from|to|date|subject|message-id|mime-version|content-type|delivered-to|x-[a-z0-9-]+|reply-to|auto-submitted|x-failed-recipients):/i;

export const dsnReader: Reader = {
  format: 'dsn',
  detect(head) {
    const lines = head.replace(/\r\n?/g, '\n').split('\n', 40);
    const first = lines.find((l) => l.trim() !== '');
    if (first === undefined) return false;
    if (/^From \S+/.test(first)) return true; // mbox
    if (!HEADER_LINE.test(first)) return false;
    let known = 0;
    for (const l of lines) {
      if (l === '') break;
      if (MAIL_HEADERS.test(l)) known++;
    }
    return known >= 2;
  },
  read(lines: AsyncIterable<LineBatch>, ctx: ReadContext) {
    return readMessages(splitMessages(lines), ctx);
  },
};

/** The events of bounce messages, counted into `ctx.stats` (a file's lines split into messages, or one message read whole). */
export async function* readMessages(messages: AsyncIterable<RawMessage> | Iterable<RawMessage>, ctx: ReadContext): AsyncGenerator<DeliveryEvent[]> {
  const { stats } = ctx;
  for await (const raw of messages) {
    stats.records++;
    let result: MessageEvents;
    try {
      result = await eventsOfMessage(raw, ctx);
    } catch {
      countUnrecognised(stats, raw.line);
      stats.notices.push(`message ${raw.index} (line ${raw.line}) could not be parsed`);
      continue;
    }
    if (result.events.length) {
      stats.eventRecords++;
      stats.events += result.events.length;
      yield result.events;
    } else {
      stats.nonEvents++;
      const kind = result.skipped ?? 'no event';
      stats.nonEventKinds[kind] = (stats.nonEventKinds[kind] ?? 0) + 1;
    }
  }
}
