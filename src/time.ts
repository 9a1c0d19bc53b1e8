/**
 * Time handling. Everything inside bouncelens is UTC milliseconds; logs that carry wall-clock
 * time without a zone (BSD syslog, Exim main log, PowerShell exports) are converted with `--tz`.
 */

import { UsageError } from './errors.js';

const MONTHS: Record<string, number> = {
  Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12,
};

/** The three letters' codes as one number: the lookup needs no string cut from the line. */
const MONTH_BY_CODES = new Map(Object.entries(MONTHS).map(([name, n]) => [(name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2), n]));

/** The month of the English abbreviation at `s[at..at+3)` (`Nov` → 11). */
export function monthNumberAt(s: string, at: number): number | undefined {
  return MONTH_BY_CODES.get((s.charCodeAt(at) << 16) | (s.charCodeAt(at + 1) << 8) | s.charCodeAt(at + 2));
}

/** Throw a UsageError unless `zone` is an IANA zone name Node knows (or `UTC`). */
export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new UsageError(`unknown time zone '${zone}' (use an IANA name such as Europe/Berlin, or UTC)`);
  }
  return zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in ms (positive east of Greenwich). */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

// Offsets change at most a few times a year: cache by (zone, hour of the wall clock).
const offsetCache = new Map<string, number>();

/**
 * Wall-clock time in `zone` → UTC ms. In the hour skipped by a DST change the time is taken as if
 * the old offset still held; in the repeated hour, the first (earlier) instant is taken.
 */
export function zonedToUtc(
  zone: string, year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zone === 'UTC' || zone === 'Etc/UTC') return wall;
  const key = `${zone}|${Math.floor(wall / 3_600_000)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const first = zoneOffsetMs(zone, wall);
    const second = zoneOffsetMs(zone, wall - first);
    offset = Math.max(first, second);
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return wall - offset;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parse ISO 8601 / RFC 3339 with any fraction length (Exchange Online writes 7 digits, which
 * `Date.parse` does not promise to read). No offset: the value is UTC unless `zone` is given.
 * Returns UTC ms, or undefined when the text is not such a time or names an impossible date.
 */
export function parseIsoTime(text: string, zone?: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi);
  const second = s ? Number(s) : 0;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (!validDate(year, month, day, hour, minute, second)) return undefined;
  if (off === undefined) {
    return zone ? zonedToUtc(zone, year, month, day, hour, minute, second, ms) : Date.UTC(year, month - 1, day, hour, minute, second, ms);
  }
  const base = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (off === 'Z' || off === 'z') return base;
  const sign = off[0] === '-' ? -1 : 1;
  const digits = off.slice(1).replace(':', '');
  const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return base - sign * offMin * 60_000;
}

export function validDate(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= dim;
}

let lastIsoSecond = NaN;
let lastIsoPrefix = '';
let lastIsoMs = NaN;
let lastIso = '';
let otherIsoMs = NaN;
let otherIso = '';
/**
 * ISO 8601 UTC with milliseconds. The last two strings are kept, and the date-and-second prefix:
 * log lines come many a second, and events of one time then share one string; a finding writes
 * its first and last time, each twice.
 */
export function isoUtc(ms: number): string {
  if (ms === lastIsoMs) return lastIso;
  const iso = ms === otherIsoMs ? otherIso : isoUtcUncached(ms);
  otherIsoMs = lastIsoMs;
  otherIso = lastIso;
  lastIsoMs = ms;
  lastIso = iso;
  return iso;
}

let lastIsoDay = NaN;
/** The prefix of the second being written, `YYYY-MM-DDThh:mm:ss.` (or a longer year), as bytes. */
let isoPrefixBytes = Buffer.alloc(0);

function isoUtcUncached(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastIsoSecond) {
    lastIsoSecond = second;
    // The date from Date once a day (a Date and its ISO string for every second were a tenth of
    // the events' reading), the time of day written over its digits; one flat string made from
    // the bytes (the pieces joined as strings took ~10 MiB more peak memory on the 1 GB analyze).
    const day = Math.floor(second / 86_400);
    if (day !== lastIsoDay) {
      const iso = new Date(day * 86_400_000).toISOString();
      lastIsoDay = day;
      isoPrefixBytes = Buffer.from(iso.slice(0, iso.indexOf('.') + 1), 'latin1');
    }
    let s = second - day * 86_400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    const b = isoPrefixBytes, at = b.length - 9;
    b[at] = 48 + Math.floor(h / 10); b[at + 1] = 48 + (h % 10);
    b[at + 3] = 48 + Math.floor(m / 10); b[at + 4] = 48 + (m % 10);
    b[at + 6] = 48 + Math.floor(s / 10); b[at + 7] = 48 + (s % 10);
    lastIsoPrefix = b.latin1Slice(0, b.length);
  }
  const frac = ms - second * 1000;
  return `${lastIsoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

let lastParsedIso = '';
let lastParsedMs = NaN;
/**
 * `isoUtc`'s inverse for event times; the last answer is kept (consecutive events share a time),
 * and the time isoUtc wrote last is known without parsing (a reader's event reaches the correlator
 * mostly before the next is built).
 */
export function parseEventTime(iso: string): number {
  if (iso === lastIso) return lastIsoMs;
  if (iso !== lastParsedIso) {
    lastParsedIso = iso;
    lastParsedMs = Date.parse(iso);
  }
  return lastParsedMs;
}

/**
 * A signed offset for reports: `T-2d3h`, `T+45m`, `T+0m`. Two units at most, rounded down to the
 * minute, so a person can read it at a glance.
 */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let minutes = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  minutes -= days * 1440;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes || parts.length === 0) parts.push(`${minutes}m`);
  return `T${sign}${parts.slice(0, 2).join('')}`;
}

/** Parse a user-given time for a flag: ISO 8601; no offset means UTC. */
export function parseFlagTime(flag: string, text: string): number {
  const t = parseIsoTime(text);
  if (t === undefined) throw new UsageError(`${flag}: '${text}' is not an ISO 8601 time (e.g. 2024-11-27T10:00Z)`);
  return t;
}

export type DateOrder = 'dmy' | 'mdy';

const CULTURE = /^(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?\s*([AaPp]\.?[Mm]\.?)?$/;

/**
 * Dates as Windows PowerShell writes them in the current culture (`27.11.2024 10:00:01`,
 * `11/27/2024 10:00:01 AM`, `27/11/2024 10:00`), without zone: read in `zone`. The day/month order
 * is `order` when given, else inferred from the text (a field over 12, `.` as separator → day
 * first, AM/PM → month first); `guessed` says when it was a guess. ISO dates are read as ISO.
 */
export function parseCultureTime(text: string, zone: string, order?: DateOrder): { ms: number; guessed: boolean; order?: DateOrder } | undefined {
  const t = text.trim();
  const iso = parseIsoTime(t, zone);
  if (iso !== undefined) return { ms: iso, guessed: false };
  const m = CULTURE.exec(t);
  if (!m) return undefined;
  const [, a, sep, b, c, hh, mi, ss, frac, ampm] = m;
  let year: number, month: number, day: number;
  let guessed = false;
  let used: DateOrder | undefined;
  if (a!.length === 4) {
    year = Number(a); month = Number(b); day = Number(c);
  } else {
    year = Number(c!.length === 2 ? `20${c}` : c);
    const x = Number(a), y = Number(b);
    used = order ?? (x > 12 ? 'dmy' : y > 12 ? 'mdy' : sep === '.' ? 'dmy' : ampm ? 'mdy' : undefined);
    if (used === undefined) { used = 'dmy'; guessed = true; }
    else if (!order && x <= 12 && y <= 12) guessed = sep !== '.' && !ampm;
    [day, month] = used === 'dmy' ? [x, y] : [y, x];
  }
  let hour = Number(hh);
  if (ampm) {
    const pm = /^p/i.test(ampm);
    if (hour === 12) hour = pm ? 12 : 0;
    else if (pm) hour += 12;
  }
  const second = ss ? Number(ss) : 0;
  if (!validDate(year, month, day, hour, Number(mi), second)) return undefined;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  return { ms: zonedToUtc(zone, year, month, day, hour, Number(mi), second, ms), guessed, order: used };
}
