/**
 * The syslog envelope around Postfix and Exim lines: RFC 3164 (`Jun  3 10:40:59 host prog[pid]: msg`),
 * RFC 3339 / ISO 8601 (rsyslog high precision, `journalctl -o short-iso`), RFC 5424 framing, and
 * `journalctl -o json` exports. BSD timestamps have no year and no zone: see SyslogClock.
 */

import { monthNumberAt, parseIsoTime, zonedToUtc } from '../time.js';

export interface SyslogEnvelope {
  time: number;
  host: string;
  /** As logged: `postfix/smtp`, `postfix-out/submission/smtpd`, `exim`, `dovecot`. */
  program: string;
  message: string;
}

export interface ClockOptions {
  tz: string;
  /** Year of the file's first line (`--year`). */
  year?: number;
  /** Reference for the year when `year` is absent: file mtime or gzip header time. */
  referenceTime?: number;
  referenceFrom?: string;
  /** Called once with the year assumed, for stderr. */
  notice?: (text: string) => void;
  /** Where a clock resumes reading in the middle of a file (the state after the line before); no notice then. */
  start?: ClockState;
}

/** What the year of the next BSD line depends on: the year and month of the line before. */
export interface ClockState {
  year: number;
  lastMonth: number;
}

/**
 * The year rule, one line at a time: years roll forward when the month jumps back by more than six
 * (December → January). A month more than six ahead is a late line from before the new year
 * (interleaved writers): it belongs to the year before and leaves the state as it was.
 */
export function clockStep(state: ClockState, month: number): { year: number; next: ClockState } {
  if (month < state.lastMonth - 6) {
    const year = state.year + 1;
    return { year, next: { year, lastMonth: month } };
  }
  if (month > state.lastMonth + 6) return { year: state.year - 1, next: state };
  return { year: state.year, next: { year: state.year, lastMonth: month } };
}

/** The year of a file's first line: `--year`, else the reference time's year (minus one when the month lies after the reference month). */
export function firstYear(opts: ClockOptions, month: number): number {
  if (opts.year !== undefined) return opts.year;
  const ref = new Date(opts.referenceTime ?? Date.now());
  const refYear = ref.getUTCFullYear();
  return month > ref.getUTCMonth() + 1 ? refYear - 1 : refYear;
}

/**
 * Years for BSD timestamps. The first line's year is `--year`, else the reference time's year —
 * minus one when the first line's month lies after the reference month (a file whose lines
 * start in December and whose mtime is in January). Then `clockStep`. Logs span less than a year.
 */
export class SyslogClock {
  private year: number | undefined;
  private lastMonth = 0;
  /** Month, day, hour and minute of the cached minute, as one small integer, and its year. */
  private cacheKey = -1;
  private cacheYear = 0;
  private cacheMs = 0;
  /** The first line's month, the year given it and the state after it (checked when a worker's range is merged). */
  first: { month: number; year: number; state: ClockState } | undefined;

  constructor(private readonly opts: ClockOptions) {
    if (opts.start) {
      this.year = opts.start.year;
      this.lastMonth = opts.start.lastMonth;
    }
  }

  /** The state after the last line read; undefined before any BSD line. */
  get state(): ClockState | undefined {
    return this.year === undefined ? undefined : { year: this.year, lastMonth: this.lastMonth };
  }

  /**
   * A line read for its state only (ingest/postfix-fast.ts): the clock as toUtc would leave it,
   * without computing the time when the month is the last one's (which changes nothing).
   */
  see(month: number, day: number, hour: number, minute: number, second: number): void {
    if (this.first === undefined || month !== this.lastMonth) this.toUtc(month, day, hour, minute, second, 0);
  }

  toUtc(month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
    let year: number;
    if (this.year === undefined) {
      year = this.year = firstYear(this.opts, month);
      if (this.opts.year !== undefined) {
        this.opts.notice?.(`year ${year} taken for its first line (--year)`);
      } else {
        const from = this.opts.referenceTime === undefined ? 'the current date (no file time for this input)' : `its ${this.opts.referenceFrom ?? 'modification time'}`;
        this.opts.notice?.(`year ${year} assumed for its first line, from ${from}; use --year to set it`);
      }
      this.lastMonth = month;
    } else if (month === this.lastMonth) {
      year = this.year;
    } else {
      // Only a change of month can change the year.
      const step = clockStep({ year: this.year, lastMonth: this.lastMonth }, month);
      year = step.year;
      this.year = step.next.year;
      this.lastMonth = step.next.lastMonth;
    }
    this.first ??= { month, year, state: { year: this.year, lastMonth: this.lastMonth } };
    // Fields of two digits each (a malformed `25:61` included): one distinct small integer per minute.
    const key = ((month * 100 + day) * 100 + hour) * 100 + minute;
    if (key !== this.cacheKey || year !== this.cacheYear) {
      this.cacheKey = key;
      this.cacheYear = year;
      this.cacheMs = zonedToUtc(this.opts.tz, year, month, day, hour, minute, 0);
    }
    return this.cacheMs + second * 1000 + ms;
  }
}

const BSD = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? /;
const ISO_TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) /;

const digit = (c: number): boolean => c >= 48 && c <= 57;
const two = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/** A BSD timestamp's fields; one reused object (`parseBsdStamp` runs for every log line). */
export interface BsdStamp {
  month: number; day: number; hour: number; minute: number; second: number; ms: number;
  /** Where the host starts. */
  end: number;
}
const stamp: BsdStamp = { month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0, end: 0 };

/**
 * `Mmm dd hh:mm:ss[.ffffff] ` by position, without a regex (the hot path of every log line).
 * The day may be `Jun  3`, `Jun 03` or `Jun 3`. The result is overwritten by the next call.
 */
export function parseBsdStamp(line: string): Readonly<BsdStamp> | undefined {
  if (line.length < 16 || line.charCodeAt(3) !== 32) return undefined;
  const month = monthNumberAt(line, 0);
  if (month === undefined) return undefined;
  let i = 4;
  if (line.charCodeAt(i) === 32) i++;
  if (!digit(line.charCodeAt(i))) return undefined;
  let day = line.charCodeAt(i) - 48;
  i++;
  if (digit(line.charCodeAt(i))) { day = day * 10 + line.charCodeAt(i) - 48; i++; }
  if (line.charCodeAt(i) !== 32) return undefined;
  i++;
  // hh:mm:ss
  if (!(digit(line.charCodeAt(i)) && digit(line.charCodeAt(i + 1)) && line.charCodeAt(i + 2) === 58 && digit(line.charCodeAt(i + 3)) &&
    digit(line.charCodeAt(i + 4)) && line.charCodeAt(i + 5) === 58 && digit(line.charCodeAt(i + 6)) && digit(line.charCodeAt(i + 7)))) return undefined;
  stamp.hour = two(line, i);
  stamp.minute = two(line, i + 3);
  stamp.second = two(line, i + 6);
  i += 8;
  let ms = 0;
  if (line.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < line.length && i - start < 6 && digit(line.charCodeAt(i))) i++;
    if (i === start) return undefined;
    ms = Math.floor(Number(`0.${line.slice(start, i)}`) * 1000);
  }
  if (line.charCodeAt(i) !== 32) return undefined;
  stamp.month = month;
  stamp.day = day;
  stamp.ms = ms;
  stamp.end = i + 1;
  return stamp;
}

/** Cheap test for a syslog-looking first line (format detection). */
export function looksLikeSyslog(line: string): boolean {
  const l = line.replace(/^\0+/, '').replace(/^<\d{1,3}>(?:1 )?/, '');
  return BSD.test(l) || ISO_TS.test(l);
}

/** Split `host program[pid]: message` (from `start`, after the timestamp) into the envelope, in one object. */
function splitRest(line: string, start: number, time: number): SyslogEnvelope | undefined {
  let from = start;
  // Sendmail's optional `<mail.notice>` tag before the host.
  if (line.charCodeAt(from) === 60 /* < */) {
    const close = line.indexOf('> ', from);
    if (close > from && close < from + 40) from = close + 2;
  }
  const sp = line.indexOf(' ', from);
  if (sp <= from) return undefined;
  const colon = line.indexOf(': ', sp + 1);
  let progEnd = colon;
  if (colon < 0) {
    if (!line.endsWith(':')) return undefined;
    progEnd = line.length - 1;
  }
  const bracket = line.indexOf('[', sp + 1);
  if (bracket >= 0 && bracket < progEnd) progEnd = bracket;
  const progSpace = line.indexOf(' ', sp + 1);
  if (progEnd === sp + 1 || (progSpace >= 0 && progSpace < progEnd)) return undefined;
  return { time, host: line.slice(from, sp), program: line.slice(sp + 1, progEnd), message: colon < 0 ? '' : line.slice(colon + 2) };
}

export function parseSyslogLine(raw: string, clock: SyslogClock, tz: string): SyslogEnvelope | undefined {
  let line = raw;
  if (line.charCodeAt(0) === 0) line = line.replace(/^\0+/, '');
  if (line.charCodeAt(0) === 60 /* < */) {
    const m = /^<\d{1,3}>/.exec(line);
    if (m) {
      line = line.slice(m[0].length);
      if (line.startsWith('1 ')) return parseRfc5424(line.slice(2), tz);
    }
  }
  const c0 = line.charCodeAt(0);
  if (c0 >= 65 && c0 <= 90) {
    const b = parseBsdStamp(line);
    if (!b) return undefined;
    const time = clock.toUtc(b.month, b.day, b.hour, b.minute, b.second, b.ms);
    return splitRest(line, b.end, time);
  }
  if (c0 >= 48 && c0 <= 57) {
    const m = ISO_TS.exec(line);
    if (!m) return undefined;
    const time = parseIsoTime(m[1]!, tz);
    if (time === undefined) return undefined;
    return splitRest(line, m[0].length, time);
  }
  return undefined;
}

function parseRfc5424(line: string, tz: string): SyslogEnvelope | undefined {
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
  const parts = line.split(' ');
  if (parts.length < 6) return undefined;
  const time = parseIsoTime(parts[0]!, tz);
  if (time === undefined) return undefined;
  let rest = parts.slice(5).join(' ');
  if (rest.startsWith('-')) rest = rest.slice(2);
  else if (rest.startsWith('[')) {
    // Skip structured data elements: `[id k="v"]…`; values may contain escaped `]`.
    let j = 0;
    while (rest[j] === '[') {
      j++;
      while (j < rest.length && rest[j] !== ']') j += rest[j] === '\\' ? 2 : 1;
      j++;
    }
    rest = rest.slice(j + 1);
  }
  if (rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  return { time, host: parts[1]!, program: parts[2]!, message: rest };
}

/** `journalctl -o json`: one object per line. */
export function parseJournalJson(line: string): SyslogEnvelope | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  const message = o.MESSAGE;
  const program = o.SYSLOG_IDENTIFIER ?? o._COMM;
  const usec = o.__REALTIME_TIMESTAMP ?? o._SOURCE_REALTIME_TIMESTAMP;
  if (typeof message !== 'string' || typeof program !== 'string' || typeof usec !== 'string' || !/^\d{1,20}$/.test(usec)) return undefined;
  return {
    time: Math.floor(Number(usec) / 1000),
    host: typeof o._HOSTNAME === 'string' ? o._HOSTNAME : '',
    program,
    message,
  };
}
