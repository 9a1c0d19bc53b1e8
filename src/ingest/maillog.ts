/**
 * A syslog mail log: Postfix lines go to the Postfix parser, Exim lines to the Exim parser,
 * lines of other programs (dovecot, amavis, opendkim…) are counted per program as "other".
 * Also reads `journalctl -o json` exports (one JSON object per line).
 */

import { separatorOf, splitLines, type LineBatch, type LineStats } from '../io/lines.js';
import type { DeliveryEvent } from '../types.js';
import { readSyslogChunks } from './postfix-fast.js';
import type { ReadContext, Reader } from './reader.js';
import { looksLikeSyslog } from './syslog.js';
import { SyslogLines } from './syslog-lines.js';

function isJournalJson(line: string): boolean {
  return line.startsWith('{') && line.includes('"MESSAGE"') && line.includes('__REALTIME_TIMESTAMP');
}

export const syslogReader: Reader = {
  format: 'postfix',
  detect(head) {
    const lines = head.split('\n', 6).filter((l) => l.trim() !== '');
    return lines.length > 0 && lines.slice(0, 5).some((l) => looksLikeSyslog(l) || isJournalJson(l));
  },
  async *read(lines: AsyncIterable<LineBatch>, ctx: ReadContext) {
    const reader = new SyslogLines(ctx);
    // Deliveries handed to ctx.onDelivered reach the consumer at once; the events of earlier lines
    // are yielded before, so the consumer sees everything in line order.
    const inOrder = ctx.onDelivered !== undefined;
    for await (const batch of lines) {
      let out: DeliveryEvent[] = [];
      for (let i = 0; i < batch.lines.length; i++) {
        if (inOrder && out.length) { yield out; out = []; }
        if (!reader.read(batch.lines[i]!, batch.first + i, out)) return;
      }
      if (out.length) yield out;
    }
    reader.finish();
  },
  async *readBytes(chunks: AsyncIterable<Buffer>, ctx: ReadContext, lineStats: LineStats) {
    const iterator = chunks[Symbol.asyncIterator]();
    let head: Buffer | undefined;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      if (r.value.length) { head = r.value; break; }
    }
    const all = prepend(head, { [Symbol.asyncIterator]: () => iterator });
    // Old Mac line ends (as splitLines decides): the scanner knows only LF.
    if (head && separatorOf(head) === 0x0d) yield* this.read(splitLines(all, lineStats), ctx);
    else yield* readSyslogChunks(all, ctx, lineStats);
  },
};

async function* prepend(first: Buffer | undefined, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (first) yield first;
  yield* rest;
}
