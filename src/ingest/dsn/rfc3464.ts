/**
 * message/delivery-status (RFC 3464 §2; RFC 6533 for the UTF-8 `global` variant): one block of
 * per-message fields, then one block per recipient, separated by blank lines. Folded lines are
 * unfolded; `rfc822;`, `dns;`, `smtp;` type prefixes are split off.
 *
 * Real reports bend the grammar, and each bend below was seen in a real bounce:
 *  - recipient blocks with no blank line between them (AOL): a recipient field that the current
 *    block already has starts the next recipient;
 *  - ISO-2022-JP text in a Diagnostic-Code (Domino in Japanese): decoded, not shown as `$B…(B`;
 *  - the report in the plain body, or behind a broken MIME boundary: `deliveryStatusInText`
 *    finds the field blocks in the raw message.
 */

import { TextDecoder } from 'node:util';

export interface DsnMessageFields {
  reportingMta?: string;
  arrivalDate?: string;
  receivedFromMta?: string;
}

export interface DsnRecipient {
  finalRecipient?: string;
  originalRecipient?: string;
  action?: string;
  status?: string;
  remoteMta?: string;
  diagnosticCode?: string;
  diagnosticType?: string;
  lastAttemptDate?: string;
}

export interface DeliveryStatusReport {
  message: DsnMessageFields;
  recipients: DsnRecipient[];
}

const RECIPIENT_FIELDS = new Set(['final-recipient', 'original-recipient', 'action', 'status', 'remote-mta', 'diagnostic-code', 'last-attempt-date', 'will-retry-until', 'x-actual-recipient']);
const MESSAGE_FIELDS = new Set(['reporting-mta', 'arrival-date', 'received-from-mta', 'original-envelope-id', 'dsn-gateway', 'x-postfix-queue-id', 'x-postfix-sender']);

let iso2022: TextDecoder | undefined;
/** 7-bit ISO-2022-JP (`ESC $ B … ESC ( B`) left undecoded in a field → text. */
function decodeIso2022(value: string): string {
  if (!value.includes('\x1b$')) return value;
  try {
    iso2022 ??= new TextDecoder('iso-2022-jp');
    return iso2022.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** `Name: value` lines with their folded continuations, in order. */
function fieldsOf(block: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line)) {
      const last = fields[fields.length - 1];
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 60) continue;
    fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** `rfc822; user@example.com` → [`rfc822`, `user@example.com`]. */
export function splitTyped(value: string | undefined): { type?: string; value?: string } {
  if (value === undefined) return {};
  const semi = value.indexOf(';');
  if (semi > 0 && semi < 20 && /^[A-Za-z0-9-]+$/.test(value.slice(0, semi).trim())) {
    return { type: value.slice(0, semi).trim().toLowerCase(), value: value.slice(semi + 1).trim() };
  }
  return { value: value.trim() };
}

function recipientOf(f: Map<string, string>): DsnRecipient {
  const diag = splitTyped(f.get('diagnostic-code'));
  return {
    finalRecipient: splitTyped(f.get('final-recipient')).value,
    originalRecipient: splitTyped(f.get('original-recipient')).value,
    action: f.get('action')?.toLowerCase().split(/\s/)[0],
    status: /[245]\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '')?.[0],
    remoteMta: splitTyped(f.get('remote-mta')).value,
    diagnosticCode: diag.value === undefined ? undefined : decodeIso2022(diag.value),
    diagnosticType: diag.type,
    lastAttemptDate: f.get('last-attempt-date'),
  };
}

export function parseDeliveryStatus(body: string): DeliveryStatusReport {
  const blocks = body.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).filter((b) => b.trim() !== '');
  const report: DeliveryStatusReport = { message: {}, recipients: [] };
  const m = report.message;
  for (const block of blocks) {
    let current: Map<string, string> | undefined;
    const flush = (): void => {
      if (current && (current.has('final-recipient') || current.has('original-recipient') || (current.has('action') && current.has('status')))) {
        report.recipients.push(recipientOf(current));
      }
      current = undefined;
    };
    for (const [name, value] of fieldsOf(block)) {
      if (RECIPIENT_FIELDS.has(name)) {
        // A field this recipient already has: the next recipient's block began without a blank line.
        if (current?.has(name)) flush();
        current ??= new Map();
        current.set(name, value);
      } else if (name === 'reporting-mta') m.reportingMta ??= splitTyped(value).value;
      else if (name === 'arrival-date') m.arrivalDate ??= value;
      else if (name === 'received-from-mta') m.receivedFromMta ??= splitTyped(value).value;
      else current?.set(name, value);
    }
    flush();
  }
  return report;
}

const DSN_FIELD_LINE = /^(?:final-recipient|original-recipient|action|status|remote-mta|diagnostic-code|reporting-mta|arrival-date|last-attempt-date):/i;

/**
 * The delivery-status field blocks inside a raw message, for reports that the MIME parse did not
 * give as a `message/delivery-status` part: a report in the plain body (Sun/Oracle Messaging
 * Server), a boundary that does not match its declaration, a bounce forwarded as an attachment.
 * A paragraph counts when every line is a field or a continuation and it has a recipient field.
 */
export function deliveryStatusInText(raw: string): string | undefined {
  const limit = raw.length > 500_000 ? raw.slice(0, 500_000) : raw;
  if (!/^(?:final|original)-recipient:/im.test(limit)) return undefined;
  const kept: string[] = [];
  for (const para of limit.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const lines = para.split('\n').filter((l) => l.trim() !== '');
    if (!lines.length || !lines.some((l) => DSN_FIELD_LINE.test(l))) continue;
    if (!lines.every((l) => /^[ \t]/.test(l) || /^[A-Za-z][A-Za-z0-9-]{0,60}:/.test(l))) continue;
    const names = lines.filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    if (!names.some((n) => RECIPIENT_FIELDS.has(n) || MESSAGE_FIELDS.has(n))) continue;
    kept.push(lines.join('\n'));
  }
  return kept.length ? kept.join('\n\n') : undefined;
}
