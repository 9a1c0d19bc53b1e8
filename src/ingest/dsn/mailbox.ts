/**
 * Split a line stream into messages: an mbox (a new message at every `From ` line that follows a
 * blank line or starts the file; `>From` quoting is undone), or one single message (.eml, a
 * Maildir file). Each message is capped at MAX_MESSAGE_BYTES before it reaches the MIME parser.
 */

import { decode, type LineBatch } from '../../io/lines.js';
import { plainBytes } from '../../io/open.js';
import { MAX_LINE_BYTES, MAX_MESSAGE_BYTES } from '../../limits.js';

export interface RawMessage {
  /** 1-based index inside the file. */
  index: number;
  /** True when the file is an mbox (its messages are numbered in origins). */
  mbox: boolean;
  /** Line where the message starts (the `From ` line in an mbox). */
  line: number;
  /** The mbox `From ` line's date, when there is one. */
  envelopeDate?: string;
  text: string;
  /** True when the message was cut at MAX_MESSAGE_BYTES. */
  truncated: boolean;
}

const MBOX_FROM = /^From \S+ +(.{10,60})$/;

export async function* splitMessages(lines: AsyncIterable<LineBatch>, maxBytes = MAX_MESSAGE_BYTES): AsyncGenerator<RawMessage> {
  let parts: string[] = [];
  let size = 0;
  let truncated = false;
  let index = 0;
  let start = 1;
  let envelopeDate: string | undefined;
  let mbox: boolean | undefined;
  let previousBlank = true;
  let any = false;

  const flush = (): RawMessage | undefined => {
    if (!any) return undefined;
    const msg: RawMessage = { index: ++index, mbox: mbox === true, line: start, envelopeDate, text: parts.join('\n'), truncated };
    parts = [];
    size = 0;
    truncated = false;
    any = false;
    return msg;
  };

  for await (const batch of lines) {
    for (let i = 0; i < batch.lines.length; i++) {
      const l = batch.lines[i]!;
      const n = batch.first + i;
      if (mbox === undefined) {
        if (l === '' && !any) continue;
        mbox = l.startsWith('From ');
      }
      if (mbox && previousBlank && l.startsWith('From ')) {
        const m = flush();
        if (m) yield m;
        start = n;
        envelopeDate = MBOX_FROM.exec(l)?.[1];
        previousBlank = false;
        continue;
      }
      previousBlank = l === '';
      if (!any) { any = true; if (!mbox) start = n; }
      const text = mbox && l.startsWith('>') && /^>+From /.test(l) ? l.slice(1) : l;
      if (size + text.length + 1 > maxBytes) { truncated = true; continue; }
      parts.push(text);
      size += text.length + 1;
    }
  }
  const m = flush();
  if (m) yield m;
}

/**
 * The one message of a file read whole, as splitMessages gives it from the file's lines (splitLines);
 * undefined when the file needs the streams: compressed, UTF-16 or with a byte-order mark, bare-CR
 * line ends, larger than a line may be (no line of it can then be cut), an mbox, or nothing but blank
 * lines. A Maildir is thousands of small files, and each went through the chunk, line and message
 * streams: the lines were cut apart only to be joined again.
 */
export function wholeMessage(bytes: Buffer, maxLine = MAX_LINE_BYTES): RawMessage | undefined {
  if (bytes.length === 0 || bytes.length > maxLine || bytes.length >= MAX_MESSAGE_BYTES) return undefined;
  if (!plainBytes(bytes)) return undefined;
  if (!bytes.includes(0x0a)) return undefined; // one line, or bare-CR line ends
  let text = decode(bytes);
  // Each line loses one CR before its LF, the last line too (with or without a final LF).
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.includes('\r')) text = text.replace(/\r\n/g, '\n');
  // Blank lines before the message are skipped; it starts at its first other line.
  let blank = 0;
  while (text.charCodeAt(blank) === 10) blank++;
  if (blank === text.length || text.startsWith('From ', blank)) return undefined;
  return { index: 1, mbox: false, line: blank + 1, envelopeDate: undefined, text: blank ? text.slice(blank) : text, truncated: false };
}
