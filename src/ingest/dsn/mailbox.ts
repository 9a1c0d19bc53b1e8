/**
 * Split a line stream into messages: an mbox (a new message at every `From ` line that follows a
 * blank line or starts the file; `>From` quoting is undone), or one single message (.eml, a
 * Maildir file). Each message is capped at MAX_MESSAGE_BYTES before it reaches the MIME parser.
 */

import type { LineBatch } from '../../io/lines.js';
import { MAX_MESSAGE_BYTES } from '../../limits.js';

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
