/**
 * Recipients and diagnostics from the human-readable part of bounces that carry no (usable)
 * message/delivery-status: qmail, Exim, Sendmail, Postfix's text, old Exchange, Microsoft 365,
 * Gmail, Yahoo and others. Each family marks failed recipients its own way; the shapes below are
 * tried in one pass over the lines, each a cheap prefix test before any pattern:
 *
 *   <user@example.com>:                       qmail, Postfix text, OpenSMTPD (then indented text)
 *     user@example.com                         Exim, Gmail (an indented address alone on its line)
 *   user@example.com [User unknown]            Sendmail-derived appliances, the reason in brackets
 *   >>> user@example.com <user@example.com>    Sendmail "permanent fatal errors" lists
 *   "user@example.com":                        GMX
 *   554 <user@example.com>... User unknown     Sendmail transcripts (V5 and later)
 *   user@example.com<mailto:user@example.com>  Microsoft 365 / Exchange 2010+
 *   RCPT TO:<user@example.com>                 Sendmail and other SMTP transcripts
 *   user@example.com on Thu, 29 Apr 2007 …     Exchange 2000/2003 ("did not reach the following recipient(s)")
 *   Your message wasn't delivered to user@…    Gmail (the sentence is the reason)
 *   Invalid final delivery userid: user@…      the reason first, then the address: IMail, KDDI,
 *   Unable to deliver message to <user@…>      MailFoundry, InterScan and other appliances
 *   X-Failed-Recipients: header                Exim
 */

export interface TextRecipient {
  address: string;
  diagnostic?: string;
}

// Local parts may carry accented Latin letters (RFC 6531); CJK is left out so that an address is not
// glued to the Japanese or Chinese sentence around it.
export const ADDRESS = /[A-Za-z0-9._%+!#$&'*/=?^`{|}~\u00c0-\u024f-]{1,128}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,10}[A-Za-z]{2,24}/;
// `> ` quote markers are allowed in front: bounces are often forwarded as quoted text.
const ALONE = new RegExp(`^[\\s>]*"?<?(${ADDRESS.source})>?"?:?`);
/** What may follow an address alone on its line: the same address in brackets, a reason in () or []. */
const ALONE_TAIL = /^\s*(?:<[^<>\s]{3,256}>)?\s*(\(.{0,200}\)|\[.{0,200}\])?\s*$/;
const SENDMAIL_REPLY = new RegExp(`^\\s*[45]\\d\\d[ -](?:[45]\\.\\d{1,3}\\.\\d{1,3} )?<(${ADDRESS.source})>\\.\\.\\.\\s*`);
/** The reason before the address: `Invalid final delivery userid:`, `Unable to deliver message to`. */
const REASON_BEFORE = /(?:undeliverable|not be delivered|unable to deliver|delivery failed|did not reach|invalid|unknown|exceeds|rejected|no such|errors?\b)[^<>@]{0,60}?(?::|\bto:?)\s*<?$/i;
/** `user@example.com Invalid Address, ERROR_CODE :550 …` (Zoho and others): the reply on the same line. */
const WITH_TEXT = new RegExp(`^[\\s>]*<?(${ADDRESS.source})>?[:,]?\\s+\\S`);
const MAILTO = new RegExp(`^[\\s>]*(${ADDRESS.source})\\s*<mailto:`);
const RCPT_TO = new RegExp(`RCPT TO: ?<(${ADDRESS.source})>`, 'i');
/** `Your message wasn't delivered to user@example.com because …` (Gmail): the whole sentence is the reason. */
const NOT_DELIVERED_TO = new RegExp(`(?:wasn't|was not|not be|couldn't be|could not be) delivered to <?(${ADDRESS.source})>?`, 'i');
const EXCHANGE_LEGACY = new RegExp(`^\\s*(${ADDRESS.source}) on (?:[A-Z][a-z]{2},? )?\\d{1,2}[ /]`);
const TEXT_LIMIT = 1000;
/** Where the human-readable report ends and the returned message begins. */
const END_OF_REPORT = /^\s*(?:-{3,}|={3,}|_{3,})|original message|message headers follow|^\s*(?:Reporting-MTA|Final-Recipient|Received|Return-Path):/i;

export function hasReplyCode(text: string): boolean {
  return /\b[245]\d\d[ -]|\b[245]\.\d{1,3}\.\d{1,3}\b/.test(text);
}

/**
 * The best of several diagnostics for one recipient: a text that starts with a reply code, then
 * one that contains a code (a help line naming "DSN 5.1.10" ranks below the reply itself), then
 * the first.
 */
export function bestDiagnostic(candidates: (string | undefined)[]): string | undefined {
  const present = candidates.filter((d): d is string => !!d && d.trim() !== '');
  return present.find((d) => /^\s*[245]\d\d[ -]/.test(d)) ?? present.find(hasReplyCode) ?? present[0];
}

/** Lines that carry a reply or an explanation: these make up the diagnostic after a recipient. */
function isReplyLine(l: string): boolean {
  return /\b[245]\d\d[ -]|#[245]\.\d|\b[245]\.\d{1,3}\.\d{1,3}\b|unknown|not found|no such|does not exist|doesn't|refused|rejected|denied|invalid|unavailable|quota|full|said:|returned|error|failed|sorry|not listed|disabled|inactive|not recognized|timed out/i.test(l);
}

/** A failed recipient named on this line, and where the text after it starts. */
function recipientOnLine(l: string): { address: string; end: number; reason?: string } | undefined {
  const alone = ALONE.exec(l);
  if (alone) {
    const tail = ALONE_TAIL.exec(l.slice(alone[0].length));
    if (tail) return { address: alone[1]!, end: l.length, reason: tail[1]?.slice(1, -1) };
  }
  const m = SENDMAIL_REPLY.exec(l) ?? MAILTO.exec(l) ?? RCPT_TO.exec(l) ?? EXCHANGE_LEGACY.exec(l);
  if (m) return { address: m[1]!, end: m.index + m[0].length };
  const w = WITH_TEXT.exec(l);
  if (w && isReplyLine(l.slice(w[0].length - 1))) return { address: w[1]!, end: w[0].length - 1 };
  const sentence = NOT_DELIVERED_TO.exec(l);
  if (sentence) return { address: sentence[1]!, end: l.length, reason: l.trim() };
  const a = ADDRESS.exec(l);
  if (a && a.index <= 160 && REASON_BEFORE.test(l.slice(0, a.index))) {
    return { address: a[0], end: l.length, reason: l.trim() };
  }
  return undefined;
}

export function textRecipients(text: string, failedHeader?: string): TextRecipient[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const found = new Map<string, TextRecipient>();
  const add = (address: string, diagnostic: string | undefined): void => {
    const key = address.toLowerCase();
    const prev = found.get(key);
    if (!prev) found.set(key, { address, diagnostic });
    else if (diagnostic && (!prev.diagnostic || (!hasReplyCode(prev.diagnostic) && hasReplyCode(diagnostic)))) prev.diagnostic = diagnostic;
  };
  for (let i = 0; i < lines.length && i < 5000; i++) {
    const l = lines[i]!;
    if (l.length > 400 || !l.includes('@')) continue;
    const hit = recipientOnLine(l);
    if (!hit) continue;
    const { address } = hit;
    // The diagnostic: the rest of this line after the address, then following lines until the
    // next recipient or the end of the report, keeping those that read like a reply.
    const parts: string[] = [];
    let length = 0;
    if (hit.reason) { parts.push(hit.reason); length += hit.reason.length + 1; }
    const restOfLine = l.slice(hit.end).replace(/^>/, '').trim();
    if (restOfLine && isReplyLine(restOfLine)) { parts.push(restOfLine); length += restOfLine.length + 1; }
    // Blank lines are crossed: Gmail and Exim put the reply a paragraph below the address.
    for (let j = i + 1; j < lines.length && j < i + 16; j++) {
      const n = lines[j]!;
      if (n.trim() === '') continue;
      if (END_OF_REPORT.test(n) || (n.includes('@') && n.length <= 400 && recipientOnLine(n))) break; // the next recipient's own text
      if (isReplyLine(n)) { parts.push(n.trim()); length += n.trim().length + 1; }
      if (length - 1 > TEXT_LIMIT) break;
    }
    add(address, parts.length ? parts.join(' ').slice(0, TEXT_LIMIT) : undefined);
  }
  for (const a of (failedHeader ?? '').split(',')) {
    const addr = ADDRESS.exec(a)?.[0];
    if (addr) add(addr, undefined);
  }
  return [...found.values()];
}

/** A diagnostic anywhere in the text, for bounces that name the reply once for all recipients. */
export function globalDiagnostic(text: string): string | undefined {
  const patterns = [
    /Remote Server returned '([^'\n]{3,500})'/,
    /#([245]\d\d [245]\.\d{1,3}\.\d{1,3}[^#\n]{0,400})##?/,
    /said: ([245]\d\d[ -][^\n]{3,500})/,
    /<<< ([245]\d\d[ -][^\n]{3,500})/,
    /^\s*([245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}[^\n]{0,500})$/m,
    /(?:The error that the other server returned was|Technical details of permanent failure):?\s*\n?\s*([^\n]{3,500})/,
    // Sendmail-style transcripts whose reply has no enhanced status: `550 sorry, no mailbox here by that name`.
    /Transcript of session follows[^\n]{0,40}\n(?:[^\n]{0,200}\n){0,6}?\s*([45]\d\d[ -][^\n]{3,500})/,
  ];
  const head = text.length > 200_000 ? text.slice(0, 200_000) : text;
  for (const p of patterns) {
    const m = p.exec(head);
    if (m) return m[1]!.trim();
  }
  return undefined;
}
