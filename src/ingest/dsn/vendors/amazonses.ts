/**
 * Amazon SES notifications delivered by e-mail through SNS: the body is one JSON document,
 * `{"notificationType":"Bounce"|"Delivery"|"Complaint", …}`. Bounce recipients carry RFC 3464's
 * own fields (action, status, diagnosticCode), so they are returned as a delivery-status report.
 * Complaints are feedback, not bounces. SNS wraps long lines as `!` + newline + space.
 */

import type { DeliveryStatusReport, DsnRecipient } from '../rfc3464.js';
import { splitTyped } from '../rfc3464.js';

interface SesRecipient { emailAddress?: unknown; action?: unknown; status?: unknown; diagnosticCode?: unknown }
interface SesNotification {
  notificationType?: unknown;
  bounce?: { bouncedRecipients?: SesRecipient[]; timestamp?: unknown; reportingMTA?: unknown };
  delivery?: { recipients?: unknown[]; timestamp?: unknown; smtpResponse?: unknown; reportingMTA?: unknown; remoteMtaIp?: unknown };
  mail?: { timestamp?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function parseObject(json: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function notificationIn(text: string): SesNotification | undefined {
  // Raw SNS delivery: the notification is the envelope's `Message`, a JSON string inside JSON.
  if (text.includes('\\"notificationType\\"')) {
    const start = text.indexOf('{');
    const envelope = parseObject(text.slice(start, text.lastIndexOf('}') + 1).replace(/!\r?\n /g, '').replace(/\r?\n/g, ''));
    return typeof envelope?.Message === 'string' ? parseObject(envelope.Message) : undefined;
  }
  const start = text.indexOf('{"notificationType"');
  if (start < 0) return undefined;
  let body = text.slice(start, start + 200_000);
  const end = body.search(/\n--\s*\n/);
  if (end > 0) body = body.slice(0, end);
  body = body.replace(/!\r?\n /g, '').replace(/\r?\n/g, '');
  return parseObject(body.slice(0, body.lastIndexOf('}') + 1));
}

export type SesResult = { kind: 'report'; report: DeliveryStatusReport } | { kind: 'complaint' };

export function amazonSesNotification(text: string): SesResult | undefined {
  const n = notificationIn(text);
  if (!n) return undefined;
  const type = str(n.notificationType);
  if (type === 'Complaint') return { kind: 'complaint' };
  const recipients: DsnRecipient[] = [];
  if (type === 'Bounce' && Array.isArray(n.bounce?.bouncedRecipients)) {
    for (const r of n.bounce.bouncedRecipients) {
      const address = str(r.emailAddress);
      if (!address) continue;
      const diag = splitTyped(str(r.diagnosticCode));
      recipients.push({
        finalRecipient: address, action: str(r.action) ?? 'failed', status: str(r.status),
        diagnosticCode: diag.value, diagnosticType: diag.type, lastAttemptDate: str(n.bounce.timestamp),
      });
    }
    return { kind: 'report', report: { message: { reportingMta: splitTyped(str(n.bounce.reportingMTA)).value }, recipients } };
  }
  if (type === 'Delivery' && Array.isArray(n.delivery?.recipients)) {
    for (const a of n.delivery.recipients) {
      const address = str(a);
      if (!address) continue;
      const reply = str(n.delivery.smtpResponse);
      recipients.push({
        finalRecipient: address, action: 'delivered', status: /\b2\.\d{1,3}\.\d{1,3}\b/.exec(reply ?? '')?.[0] ?? '2.0.0',
        diagnosticCode: reply, lastAttemptDate: str(n.delivery.timestamp),
      });
    }
    return { kind: 'report', report: { message: { reportingMta: str(n.delivery.reportingMTA) }, recipients } };
  }
  return undefined;
}
