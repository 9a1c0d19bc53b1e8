/**
 * message/delivery-status (RFC 3464 §2; RFC 6533 for the UTF-8 `global` variant): one block of
 * per-message fields, then one block per recipient, separated by blank lines. Folded lines are
 * unfolded; `rfc822;`, `dns;`, `smtp;` type prefixes are split off.
 */

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

function unfold(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split(/\r?\n|\r/)) {
    if (/^[ \t]/.test(line) && last) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(last)) fields.set(last, line.slice(colon + 1).trim());
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

export function parseDeliveryStatus(body: string): DeliveryStatusReport {
  const blocks = body.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).filter((b) => b.trim() !== '');
  const report: DeliveryStatusReport = { message: {}, recipients: [] };
  for (const block of blocks) {
    const f = unfold(block);
    if (f.has('final-recipient') || f.has('original-recipient') || (f.has('action') && f.has('status'))) {
      const diag = splitTyped(f.get('diagnostic-code'));
      report.recipients.push({
        finalRecipient: splitTyped(f.get('final-recipient')).value,
        originalRecipient: splitTyped(f.get('original-recipient')).value,
        action: f.get('action')?.toLowerCase().split(/\s/)[0],
        status: /[245]\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '')?.[0],
        remoteMta: splitTyped(f.get('remote-mta')).value,
        diagnosticCode: diag.value,
        diagnosticType: diag.type,
        lastAttemptDate: f.get('last-attempt-date'),
      });
    } else {
      report.message.reportingMta ??= splitTyped(f.get('reporting-mta')).value;
      report.message.arrivalDate ??= f.get('arrival-date');
      report.message.receivedFromMta ??= splitTyped(f.get('received-from-mta')).value;
    }
  }
  return report;
}
