/**
 * The lines of one syslog input, one at a time: Postfix lines to the Postfix parser, Exim lines to
 * the Exim parser, lines of other programs counted per program. Used by the syslog reader
 * (maillog.ts) for every line, and by the line scanner (postfix-fast.ts) for the lines it leaves.
 */

import type { DeliveryEvent } from '../types.js';
import { EximEvents } from './exim.js';
import { isPostfixProgram, PostfixEvents } from './postfix.js';
import { countOther, countUnrecognised, tally, type ReadContext, type RecordResult } from './reader.js';
import { parseJournalJson, parseSyslogLine, SyslogClock, type SyslogEnvelope } from './syslog.js';

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
