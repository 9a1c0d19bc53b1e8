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

/** The lines of one syslog input, one at a time, with the state they carry (clock, Postfix queue, Exim messages). */
export class SyslogLines {
  readonly clock: SyslogClock;
  readonly postfix: PostfixEvents;
  private readonly exim: EximEvents;

  constructor(private readonly ctx: ReadContext) {
    const { stats } = ctx;
    this.clock = new SyslogClock({
      tz: ctx.tz, year: ctx.year, referenceTime: ctx.referenceTime, referenceFrom: ctx.referenceFrom,
      notice: (t) => stats.notices.push(t), start: ctx.resume?.clock ?? ctx.range?.clockStart,
    });
    this.postfix = new PostfixEvents(ctx);
    this.exim = new EximEvents(ctx);
  }

  /**
   * Line number `line`, its events added to `out`. False when a range read apart must stop here
   * (an Exim line: its message state is not carried across ranges; the range is read again in order).
   */
  read(text: string, line: number, out: DeliveryEvent[]): boolean {
    const { stats, range } = this.ctx;
    stats.records++;
    // Only a line starting with what trim() removes (ASCII blanks, U+00A0 and above) can be blank.
    const c0 = text.charCodeAt(0);
    if (text.length === 0 || ((c0 <= 32 || c0 >= 0xa0) && text.trim() === '')) { stats.blank++; return true; }
    let env: SyslogEnvelope | undefined;
    if (c0 === 123 /* { */) env = parseJournalJson(text);
    else env = parseSyslogLine(text, this.clock, this.ctx.tz);
    if (!env) { countUnrecognised(stats, line); return true; }
    let result: RecordResult;
    if (isPostfixProgram(env.program)) result = this.postfix.handle(env, line);
    else if (env.program.startsWith('exim')) {
      if (range) { range.anomaly = `an Exim line (line ${line})`; return false; }
      result = this.exim.handle(env.time, env.message.replace(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /, ''), line, env.host);
    } else { countOther(stats, env.program); return true; }
    tally(stats, result, line, out);
    return true;
  }

  /** After the last line: the state a range leaves for the merge, and the queue cap's count. */
  finish(): void {
    const { stats, range } = this.ctx;
    const { postfix, clock } = this;
    if (range) {
      range.clockFirst = clock.first;
      range.clockEnd = clock.state;
      range.queue = postfix.rangeState();
    }
    if (postfix.queue.evicted) {
      stats.capped['postfix queue entries'] = postfix.queue.evicted;
      stats.notices.push(`${postfix.queue.evicted} queue ids were forgotten before their 'removed' line (cap of open queue ids reached); their later lines lack sender and Message-ID`);
    }
  }
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
};
