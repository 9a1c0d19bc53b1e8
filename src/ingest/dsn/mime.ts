/**
 * The only importer of the MIME parser (mailparser). Returns a bounce message as plain data: its
 * headers, its human-readable text, the `message/delivery-status` parts verbatim
 * (`keepDeliveryStatus`, so they do not melt into the text), and the returned original's headers.
 */

import type { AddressObject, Attachment } from 'mailparser';
import { MAX_MIME_DEPTH } from '../../limits.js';
import { headerBlock, parseSimpleReport } from './simple.js';

export interface ParsedMessage {
  subject: string;
  from: string;
  to: string;
  date?: Date;
  /**
   * Lower-cased header name → value as text (repeated headers joined with `, `). Messages read by
   * the fast path (simple.ts) leave out the structured headers (see `leftOutHeader`); the bounce
   * reader reads none of those from here.
   */
  headers: Map<string, string>;
  text: string;
  /** `message/delivery-status` and `message/global-delivery-status` bodies. */
  deliveryStatus: string[];
  /** Header block of the returned original (`message/rfc822` or `text/rfc822-headers`). */
  originalHeaders?: string;
  /** `message/feedback-report` present: an ARF complaint, not a bounce. */
  feedbackReport: boolean;
  /** MIME nesting cut at MAX_MIME_DEPTH. */
  depthCapped: boolean;
}

function addressText(a: AddressObject | AddressObject[] | undefined): string {
  if (!a) return '';
  return (Array.isArray(a) ? a : [a]).map((x) => x.value.map((v) => v.address ?? '').join(',')).join(',');
}

function headerText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(headerText).join(', ');
  if (typeof v === 'object') {
    const o = v as { text?: unknown; value?: unknown };
    if (typeof o.text === 'string') return o.text;
    if (typeof o.value === 'string') return o.value;
  }
  return String(v);
}

/**
 * Cap on multipart containers: a MIME tree 1,000 levels deep declares 1,000 boundaries. Past
 * MAX_MIME_DEPTH declared boundaries, the further `boundary=` parameters are renamed so the parser
 * reads those bodies as opaque text. (This counts containers, which bounds depth from above; a
 * real bounce declares a handful.)
 */
function capDepth(raw: string): { text: string; capped: boolean } {
  let depth = 0;
  let capped = false;
  const text = raw.replace(/boundary=/gi, (m) => {
    depth++;
    if (depth > MAX_MIME_DEPTH) { capped = true; return 'x-capped-boundary='; }
    return m;
  });
  return { text, capped };
}

// mailparser and its dependencies take ~0.35 s to load: only runs that read mail pay for it.
let parser: typeof import('mailparser').simpleParser | undefined;

/** `simple: false` always uses the MIME parser (tests compare the two). */
export async function parseMessage(raw: string, options: { simple?: boolean } = {}): Promise<ParsedMessage> {
  const { text: source, capped } = capDepth(raw);
  if (options.simple !== false) {
    const simple = parseSimpleReport(source);
    if (simple) return { ...simple, depthCapped: capped };
  }
  parser ??= (await import('mailparser')).simpleParser;
  const mail = await parser(source, {
    keepDeliveryStatus: true,
    checksumAlgo: false, // attachment checksums: never used, measurable on a Maildir
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    maxHtmlLengthToParse: 1_000_000,
  });
  const headers = new Map<string, string>();
  for (const [k, v] of mail.headers) headers.set(k, headerText(v));
  const deliveryStatus: string[] = [];
  let originalHeaders: string | undefined;
  let feedbackReport = false;
  const atts: Attachment[] = mail.attachments ?? [];
  for (const a of atts) {
    const type = a.contentType.toLowerCase();
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      deliveryStatus.push(a.content.toString('utf8'));
    } else if (type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/global' || type === 'message/global-headers') {
      originalHeaders ??= headerBlock(a.content.toString('utf8'));
    } else if (type === 'message/feedback-report') {
      feedbackReport = true;
    }
  }
  // mailparser fills `text` from the HTML part when there is no text part (html-to-text).
  const text = mail.text ?? '';
  return {
    subject: mail.subject ?? '',
    from: addressText(mail.from),
    to: addressText(mail.to),
    date: mail.date,
    headers, text, deliveryStatus, originalHeaders, feedbackReport, depthCapped: capped,
  };
}
