/**
 * The common bounce read without the MIME parser. Most bounces are one shape: a `multipart/report`
 * of plain ASCII parts — the human text, the `message/delivery-status` report and the returned
 * headers — in 7-bit, with ASCII headers. For that shape this reads what the DSN reader uses in
 * one pass over the lines; mailparser took three quarters of the time of a Maildir of bounces and
 * 0.35 s to load. Anything else — an encoded word, a transfer encoding, a nested or unknown part,
 * CR line ends, 8-bit text, an unusual address — returns `undefined`, and the caller parses the
 * message with mailparser. `test/ingest/dsn-simple.test.ts` checks, on the fixtures, generated
 * bounces and every corpus message this accepts, that each field reads as mailparser reads it;
 * a property test (`test/fuzz`) does the same on messages assembled from tricky pieces.
 */

import type { ParsedMessage } from './mime.js';

interface Header {
  key: string;
  value: string;
}

/**
 * Header keys mailparser turns into structures: the fast path keeps them out of `headers`. (Date is
 * one too, and kept: it is converted the way mailparser converts it.)
 */
const STRUCTURED = new Set([
  'content-type', 'content-disposition', 'dkim-signature', 'subject', 'references', 'message-id', 'in-reply-to',
  'priority', 'x-priority', 'x-msmail-priority', 'importance', 'from', 'to', 'cc', 'bcc', 'sender', 'reply-to',
  'delivered-to', 'return-path', 'disposition-notification-to',
]);

/** mailparser keeps only the first of these when a header is repeated. */
const SINGLE = new Set([
  'content-transfer-encoding', 'mime-version', 'content-description', 'precedence', 'errors-to', 'content-id',
]);

/** Printable ASCII and tab: headers with anything else (8-bit, controls) go to the MIME parser. */
function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c > 126) return false;
  }
  return true;
}

/** Header lines (`lines[from..to)`) unfolded as libmime does; undefined when one is not `Name: value`. */
function readHeaders(lines: string[], from: number, to: number): Header[] | undefined {
  const out: Header[] = [];
  if (from < to && /^[ \t]/.test(lines[from]!)) return undefined; // a continuation with nothing to continue
  for (let i = from; i < to; i++) {
    let line = lines[i]!;
    if (!plainAscii(line) || line.includes('=?')) return undefined;
    while (i + 1 < to && (lines[i + 1]!.startsWith(' ') || lines[i + 1]!.startsWith('\t'))) {
      const next = lines[++i]!;
      if (!plainAscii(next) || next.includes('=?')) return undefined;
      line += ' ' + next.trimStart();
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (key === '' || key.includes(' ')) return undefined;
    out.push({ key, value: line.slice(colon + 1).trim() });
  }
  return out;
}

/**
 * True for the header keys the fast path leaves out of `ParsedMessage.headers`: those mailparser
 * turns into structures (addresses, content types, priorities, `list-*` → `list`), which the
 * bounce reader does not read from the map.
 */
export function leftOutHeader(key: string): boolean {
  return STRUCTURED.has(key) || key === 'list' || key.startsWith('list-');
}

/** The header block at the start of a returned message or headers part: up to its first blank line. */
export function headerBlock(body: string): string {
  const end = body.search(/\r?\n\r?\n/);
  return end < 0 ? body : body.slice(0, end);
}

function first(headers: Header[], key: string): string | undefined {
  for (const h of headers) if (h.key === key) return h.value;
  return undefined;
}

/** `type/subtype; name=value; name="value"` without comments or encodings; undefined otherwise. */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } | undefined {
  if (value === undefined) return { type: 'text/plain', params: new Map() };
  if (value.includes('(') || value.includes('\\') || value.includes('*')) return undefined;
  const parts = value.split(';');
  const type = parts[0]!.trim().toLowerCase();
  if (!/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type)) return undefined;
  const params = new Map<string, string>();
  for (const p of parts.slice(1)) {
    if (p.trim() === '') continue;
    const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"([^"]*)"|([^\s"]+))\s*$/.exec(p);
    if (!m) return undefined;
    params.set(m[1]!.toLowerCase(), m[2] ?? m[3]!);
  }
  return { type, params };
}

/** No disposition, or a bare `inline` (one with a file name makes mailparser take a text part as an attachment). */
function inline(disposition: string | undefined): boolean {
  return disposition === undefined || disposition.toLowerCase() === 'inline';
}

function sevenBit(headers: Header[]): boolean {
  const cte = first(headers, 'content-transfer-encoding');
  return cte === undefined || /^(?:7bit|8bit)$/i.test(cte);
}

/**
 * One address as addressparser reads the simple forms: `a@b`, `<a@b>`, `Name <a@b>`,
 * `"Name" <a@b>`, `a@b (Comment)`. Several addresses, groups, quoted local parts and IDN domains
 * (mailparser decodes `xn--`) are left to the MIME parser.
 */
const MAILBOX = /^[^\s<>()",;:@\\]+@[A-Za-z0-9.-]+$/;
const DISPLAY_NAME = /^(?:[A-Za-z0-9 ._'-]*|"[^"\\]*")$/;
const BARE_WITH_COMMENT = /^([^\s<>()",;:@\\]+@[A-Za-z0-9.-]+)(?:\s*\([^()\\]*\))?$/;

/**
 * The address, '' for none, undefined for a form left to the MIME parser. Cut apart by hand, not
 * by one regex: a display name and the blank before `<` would overlap, and a long run of blanks
 * then took seconds to refuse (test/hostile/regex.test.ts).
 */
function addressOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return '';
  if (value.length > 998) return undefined; // longer than RFC 5322 allows a line
  let address: string;
  if (value.endsWith('>')) {
    const open = value.lastIndexOf('<');
    if (open < 0 || !DISPLAY_NAME.test(value.slice(0, open).trimEnd())) return undefined;
    address = value.slice(open + 1, -1);
    if (!MAILBOX.test(address)) return undefined;
  } else {
    const m = BARE_WITH_COMMENT.exec(value);
    if (!m) return undefined;
    address = m[1]!;
  }
  return /(?:^|[.@])xn--/i.test(address) ? undefined : address;
}

export function parseSimpleReport(raw: string): ParsedMessage | undefined {
  if (raw.includes('\r')) return undefined;
  const lines = raw.split('\n');
  const blank = lines.indexOf('');
  if (blank < 0) return undefined;
  const top = readHeaders(lines, 0, blank);
  if (!top || !sevenBit(top)) return undefined;
  const ct = contentType(first(top, 'content-type'));
  if (!ct || first(top, 'content-disposition') !== undefined) return undefined;
  if (ct.type === 'text/plain') {
    // A single text part: qmail, Gmail and most of the older bounces.
    const body = lines.slice(blank + 1).join('\n');
    return plainText(ct, body) ? finish(top, [body], [], undefined) : undefined;
  }
  const boundary = ct.params.get('boundary');
  // mailparser reads the parts of a multipart/mixed bounce (qmail, Exim, Exchange) as those of a report.
  if ((ct.type !== 'multipart/report' && ct.type !== 'multipart/mixed') || !boundary) return undefined;

  // Parts between `--boundary` lines; the line break before a delimiter belongs to it (RFC 2046).
  const open = `--${boundary}`;
  const close = `${open}--`;
  const starts: number[] = [];
  let closed = -1;
  for (let i = blank + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith('--') || !l.startsWith(open)) continue;
    if (l === open) starts.push(i);
    else if (l === close) { closed = i; break; }
    else return undefined; // trailing blanks or a longer boundary: the parser's rules
  }
  if (starts.length === 0 || closed < 0) return undefined;

  const texts: string[] = [];
  const deliveryStatus: string[] = [];
  let originalHeaders: string | undefined;
  for (let p = 0; p < starts.length; p++) {
    const begin = starts[p]! + 1;
    const end = p + 1 < starts.length ? starts[p + 1]! : closed;
    let headEnd = begin;
    while (headEnd < end && lines[headEnd] !== '') headEnd++;
    if (headEnd === end) return undefined;
    const headers = readHeaders(lines, begin, headEnd);
    if (!headers || !sevenBit(headers) || !inline(first(headers, 'content-disposition'))) return undefined;
    const type = contentType(first(headers, 'content-type'));
    if (!type) return undefined;
    const body = lines.slice(headEnd + 1, end).join('\n');
    if (body === '') return undefined; // the MIME splitter reads an empty body as a line break
    switch (type.type) {
      case 'text/plain':
        if (!plainText(type, body)) return undefined;
        texts.push(body);
        break;
      case 'message/delivery-status':
        deliveryStatus.push(body);
        break;
      case 'text/rfc822-headers':
      case 'message/rfc822':
        // mailparser keeps a returned message as an attachment, its bytes as they are (an embedded
        // multipart is not opened): its header block is all the reader takes from either.
        originalHeaders ??= headerBlock(body);
        break;
      default:
        return undefined;
    }
  }
  if (texts.length === 0) return undefined;
  return finish(top, texts, deliveryStatus, originalHeaders);
}

/** ASCII text in a charset that reads ASCII as itself, and not `format=flowed` (which mailparser unwraps). */
function plainText(type: { params: Map<string, string> }, body: string): boolean {
  const charset = (type.params.get('charset') ?? 'us-ascii').toLowerCase();
  const format = (type.params.get('format') ?? 'fixed').toLowerCase();
  return format === 'fixed' && /^(?:us-ascii|utf-8|iso-8859-1)$/.test(charset) && plainAscii(body.replace(/\n/g, ' '));
}

/** The message-level fields, as mailparser gives them for these headers. */
function finish(top: Header[], texts: string[], deliveryStatus: string[], originalHeaders: string | undefined): ParsedMessage | undefined {
  // mailparser keeps the first From but every To: several To lines are left to it.
  if (top.filter((h) => h.key === 'to').length > 1) return undefined;
  const from = addressOf(first(top, 'from'));
  const to = addressOf(first(top, 'to'));
  if (from === undefined || to === undefined) return undefined;
  const dateText = first(top, 'date');
  let date: Date | undefined;
  if (dateText !== undefined) {
    date = new Date(dateText);
    if (Number.isNaN(date.getTime())) return undefined; // mailparser would put the current time
  }

  // In header order, as mailparser's map: repeated values joined, `date` as ISO text.
  const values = new Map<string, string[]>();
  for (const h of top) {
    if (h.key === 'date' && date && !values.has('date')) values.set('date', [date.toISOString()]);
    if (h.value === '' || h.key === 'date' || leftOutHeader(h.key)) continue;
    const seen = values.get(h.key);
    if (seen) { if (!SINGLE.has(h.key)) seen.push(h.value); } else values.set(h.key, [h.value]);
  }
  const headers = new Map<string, string>();
  for (const [k, v] of values) headers.set(k, v.join(', '));

  return {
    // mailparser drops empty values before it keeps the first: `Subject:` then `Subject: x` is x.
    subject: top.find((h) => h.key === 'subject' && h.value !== '')?.value ?? '',
    from, to, date, headers,
    text: texts.join('\n'),
    deliveryStatus, originalHeaders, feedbackReport: false, depthCapped: false,
  };
}
