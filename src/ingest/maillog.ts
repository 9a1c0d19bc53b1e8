/**
 * A syslog mail log: Postfix lines go to the Postfix parser, Exim lines to the Exim parser,
 * lines of other programs (dovecot, amavis, opendkim…) are counted per program as "other".
 * Also reads `journalctl -o json` exports (one JSON object per line).
 */

import type { LineBatch } from '../io/lines.js';
import type { DeliveryEvent } from '../types.js';
import { EximEvents } from './exim.js';
import { isPostfixProgram, PostfixEvents } from './postfix.js';
import { countOther, countUnrecognised, tally, type ReadContext, type Reader, type RecordResult } from './reader.js';
import { looksLikeSyslog, parseJournalJson, parseSyslogLine, SyslogClock, type SyslogEnvelope } from './syslog.js';

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
    const { stats, range } = ctx;
    const clock = new SyslogClock({
      tz: ctx.tz, year: ctx.year, referenceTime: ctx.referenceTime, referenceFrom: ctx.referenceFrom,
      notice: (t) => stats.notices.push(t), start: ctx.resume?.clock ?? range?.clockStart,
    });
    const postfix = new PostfixEvents(ctx);
    const exim = new EximEvents(ctx);
    // Deliveries handed to ctx.onDelivered reach the consumer at once; the events of earlier lines
    // are yielded before, so the consumer sees everything in line order.
    const inOrder = ctx.onDelivered !== undefined;
    for await (const batch of lines) {
      let out: DeliveryEvent[] = [];
      for (let i = 0; i < batch.lines.length; i++) {
        if (inOrder && out.length) { yield out; out = []; }
        const text = batch.lines[i]!;
        const line = batch.first + i;
        stats.records++;
        // Only a line starting with what trim() removes (ASCII blanks, U+00A0 and above) can be blank.
        const c0 = text.charCodeAt(0);
        if (text.length === 0 || ((c0 <= 32 || c0 >= 0xa0) && text.trim() === '')) { stats.blank++; continue; }
        let env: SyslogEnvelope | undefined;
        if (c0 === 123 /* { */) env = parseJournalJson(text);
        else env = parseSyslogLine(text, clock, ctx.tz);
        if (!env) { countUnrecognised(stats, line); continue; }
        let result: RecordResult;
        if (isPostfixProgram(env.program)) result = postfix.handle(env, line);
        else if (env.program.startsWith('exim')) {
          // Exim's message state is not carried across ranges: this range is read again in order.
          if (range) { range.anomaly = `an Exim line (line ${line})`; return; }
          result = exim.handle(env.time, env.message.replace(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /, ''), line, env.host);
        } else { countOther(stats, env.program); continue; }
        tally(stats, result, line, out);
      }
      if (out.length) yield out;
    }
    if (range) {
      range.clockFirst = clock.first;
      range.clockEnd = clock.state;
      range.queue = postfix.rangeState();
    }
    if (postfix.queue.evicted) {
      stats.capped['postfix queue entries'] = postfix.queue.evicted;
      stats.notices.push(`${postfix.queue.evicted} queue ids were forgotten before their 'removed' line (cap of open queue ids reached); their later lines lack sender and Message-ID`);
    }
  },
};
