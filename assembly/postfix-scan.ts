/**
 * AssemblyScript, compiled to WebAssembly (`npm run build`): the line loop of a Postfix syslog
 * range on bytes. JavaScript spent ~1 µs a line decoding, splitting and parsing lines of which
 * nine in ten change nothing but a counter or one queue entry (bench/NOTES.md, sessions 7–9).
 * This walks the bytes once and writes one record per line JavaScript must see; JavaScript
 * (src/ingest/postfix-fast.ts) decodes only the fields those records point at.
 *
 * The rule it follows: a line is claimed (a kind other than SLOW) only where the JavaScript parser
 * (syslog.ts parseSyslogLine, postfix.ts parsePostfixMessage) would read it the same way, and
 * everything else is SLOW, read by that parser. So a line it cannot be sure of costs speed, never
 * a different result. test/ingest/postfix-fast.test.ts checks every claim against the parser.
 *
 * Claimed: pure-ASCII lines of `Mmm dd hh:mm:ss host postfix…[pid]: message` (no fraction of a
 * second), and of those
 *   - lines with no queue id and no `status=` (connect, disconnect, TLS, warnings): INFO;
 *   - `QID: from=<s>, …` without `, status=` (qmgr): SENDER;
 *   - `QID: message-id=…` (cleanup): MESSAGE_ID;
 *   - `QID: removed` (qmgr): REMOVED;
 *   - `QID: to=<r>, relay=R, …, status=sent …` whose relay is not on loopback, when the caller asks
 *     (an export that keeps no deliveries: CLAIM_SENT): SENT; or, for a caller that takes deliveries
 *     apart from events (analyze: CLAIM_DELIVERED), when besides its text is a plain reply — no
 *     remote host named, nothing of a legacy DN — SENT with the relay's place;
 *   - `QID: x` where x starts with none of the parser's prefixes and has no `status=`: INFO.
 * An INFO line whose month is the month of the line before (parsed here too) is only counted
 * (`skipped`): the clock of a syslog file changes only when the month does.
 *
 * A whole message (when the caller allows it, ELIDE): a MESSAGE_ID line whose message's other lines
 * — SENDER, SENT, and last REMOVED, of the same queue id, host and instance — follow within
 * LOOKAHEAD lines, with nothing between them that the parser must read (no SLOW line) and no change
 * of month. What those lines do to the queue (open or change the entry, forget deferred recipients,
 * remove it) comes to removing the entry, so only the REMOVED line is recorded (flagged WHOLE) and
 * the others are counted (`skipped`, `skippedSent`) — except, with CLAIM_DELIVERED, its SENT lines,
 * recorded and flagged WHOLE (a delivery, with nothing to change in the queue). One message at a
 * time is left out so: the caller's queue is then at most one entry smaller than reading every
 * line would have made it.
 */

import { alloc, hashBytes, init, keyHash, keyOf, lastDomain, lookupKeyed, sameBytes, slotOfHash } from './ledger';

/** Record kinds. */
const SLOW: i32 = 0;
const INFO: i32 = 1;
const SENDER: i32 = 2;
const MESSAGE_ID: i32 = 3;
const K_REMOVED: i32 = 4;
const SENT: i32 = 5;

/** Set in a record's kind when host and Postfix instance are the bytes of the claimed line before. */
const SAME_SCOPE: i32 = 0x100;
/** Set in a SLOW record's kind when the line has a byte ≥ 0x80 (it is not ASCII). */
const NOT_ASCII: i32 = 0x200;
/** Set in a REMOVED record's kind when the message's other lines were only counted (see ELIDE). */
const WHOLE: i32 = 0x400;

/** Scan flags. */
const CLAIM_SENT: u32 = 1;
const ELIDE: u32 = 2;
const CLAIM_DELIVERED: u32 = 4;
/** SENT records get their relay's number (F_RELAY_ID; see relayId). */
const RELAY_IDS: u32 = 8;
/**
 * SENT records get their recipient's number in the ledger of this instance (F_RECIPIENT, F_DOMAIN;
 * see ledger.ts lookupLogged): looked up here, a batch at a time, not numbered — JavaScript numbers
 * the new ones as it reaches them, in line order. From the keys KEYS read, in the same call or in a
 * prescan's (resolveSent).
 */
const RESOLVE: u32 = 16;
/**
 * SENT records get their recipient's key read (ledger.ts keyOf: its answer in F_DOMAIN, the key's
 * hash in F_RECIPIENT), which depends on the bytes alone: a prescan worker reads the keys, and the
 * thread with the ledger only looks them up.
 */
const KEYS: u32 = 32;

/** Lines after a MESSAGE_ID line looked through for the rest of its message. */
const LOOKAHEAD: i32 = 32;

/** Fields of a record, each an i32 (src/ingest/postfix-fast.ts reads them by these offsets). */
const F_KIND = 0;
const F_LINE = 1;
const F_START = 2;
const F_END = 3;
const F_MONTH = 4;
const F_DAY = 5;
const F_HOUR = 6;
const F_MINUTE = 7;
const F_SECOND = 8;
const F_HOST = 9;
const F_HOST_END = 10;
const F_PROGRAM = 11;
const F_PROGRAM_END = 12;
const F_QID = 13;
const F_QID_END = 14;
const F_VALUE = 15;
const F_VALUE_END = 16;
/** Lines only counted before this record, since resetRange: INFO, and a whole message's MESSAGE_ID and SENDER. */
const F_SKIPPED = 17;
/** SENT lines of whole messages only counted before this record, since resetRange. */
const F_SKIPPED_SENT = 18;
/** SENT with CLAIM_DELIVERED: the relay's value. */
const F_RELAY = 19;
const F_RELAY_END = 20;
/** RELAY_IDS: the relay's number, or -1. */
const F_RELAY_ID = 21;
/**
 * RESOLVE: the recipient's number, or ledger.ts FALLBACK, DROPPED, UNKNOWN; and its domain's number.
 * KEYS, until then: the key's hash, and keyOf's answer.
 */
const F_RECIPIENT = 22;
const F_DOMAIN = 23;
/** REMOVED records: the queue id's tail number (see qidTail), in the place SENT records keep their recipient. */
const F_QID_TAIL = F_RECIPIENT;
export const RECORD_FIELDS: i32 = 24;

/** Lines longer than this go to the parser (which also cuts over-long ones). */
const MAX_CLAIMED_LINE: i32 = 8192;

let inputBase: usize = 0;
let recordBase: usize = 0;
let recordCapacity: i32 = 0;

/** Where the last scan stopped, and the number of the line there (relative to the range). */
let nextPos: i32 = 0;
let nextLine: i32 = 0;
/** Lines counted and not recorded since resetRange (F_SKIPPED, F_SKIPPED_SENT). */
let skipped: i32 = 0;
let skippedSent: i32 = 0;
/** Month of the line before, when parsed here; -1 otherwise. */
let prevMonth: i32 = -1;
/** Host and instance of the last claimed line with a queue id (offsets into the input). */
let scopeHost: i32 = 0;
let scopeHostEnd: i32 = 0;
let scopeInstance: i32 = 0;
let scopeInstanceEnd: i32 = 0;
let scopeKnown: bool = false;

let inputCapacity: i32 = 0;

/**
 * Memory for `inputBytes` of input and `records` records; returns the input's offset. An instance
 * serves one input after the other (the correlator's, see RESOLVE): asked again for no more, it
 * gives the same memory. A scan allocates nothing after: the memory grows only where the ledger
 * numbers recipients.
 */
export function reserve(inputBytes: i32, records: i32): usize {
  if (inputBase != 0 && inputBytes <= inputCapacity && records <= recordCapacity) return inputBase;
  // 64 bytes after the input: `at` and the SIMD loops read a little past a range's end.
  inputBase = alloc((<usize>inputBytes + 64 + 15) & ~<usize>15);
  recordBase = alloc(<usize>records * RECORD_FIELDS * 4);
  inputCapacity = inputBytes;
  recordCapacity = records;
  if (relaySlots == 0) {
    const bytes = (<usize>1 << RELAY_SLOT_BITS) * 8;
    relaySlots = alloc(bytes);
    memory.fill(relaySlots, 0, bytes);
    relayRecords = alloc(RELAY_BYTES);
  }
  return inputBase;
}

export function records(): usize { return recordBase; }
export function scanEnd(): i32 { return nextPos; }
export function scanLine(): i32 { return nextLine; }
export function skippedLines(): i32 { return skipped; }
export function skippedSentLines(): i32 { return skippedSent; }

/** Before the first scan of a range or of a body of lines read in order: nothing is known of the lines before it (the bytes there are others now). */
export function resetRange(): void {
  skipped = 0;
  skippedSent = 0;
  wholeCount = 0;
  wholeLine = false;
  prevMonth = -1;
  scopeKnown = false;
}

@inline function byte(p: i32): i32 { return <i32>load<u8>(inputBase + <usize>p); }

/**
 * True when the n bytes at p (p + n ≤ end) are those of a literal given as little-endian words
 * (`a`: its first 8 bytes, `b`: the next ones). Reading past `end` is safe: the input area has
 * room after it, and the bytes there are masked off.
 */
@inline function at(p: i32, end: i32, n: i32, a: u64, b: u64 = 0): bool {
  if (end - p < n) return false;
  const ptr = inputBase + <usize>p;
  if (n <= 8) return (load<u64>(ptr) & (n == 8 ? <u64>-1 : (<u64>1 << (<u64>n * 8)) - 1)) == a;
  return load<u64>(ptr) == a && (load<u64>(ptr + 8) & (n == 16 ? <u64>-1 : (<u64>1 << (<u64>(n - 8) * 8)) - 1)) == b;
}

// The literals compared, as `at` takes them.
const POSTFIX: u64 = 0x0078696674736f70; // 'postfix'
const SLASH_POSTFIX: u64 = 0x78696674736f702f; // '/postfix'
const TO_EQ: u64 = 0x00000000003d6f74; // 'to='
const REJECT: u64 = 0x203a7463656a6572; // 'reject: '
const REJECT_WARNING: u64 = 0x775f7463656a6572; const REJECT_WARNING_2: u64 = 0x203a676e696e7261; // 'reject_warning: '
const REDIRECT: u64 = 0x7463657269646572; const REDIRECT_2: u64 = 0x000000000000203a; // 'redirect: '
const REMOVED: u64 = 0x006465766f6d6572; // 'removed'
const MILTER_REJECT: u64 = 0x722d7265746c696d; const MILTER_REJECT_2: u64 = 0x00203a7463656a65; // 'milter-reject: '
const MESSAGE_ID_EQ: u64 = 0x2d6567617373656d; const MESSAGE_ID_EQ_2: u64 = 0x00000000003d6469; // 'message-id='
const DISCARD: u64 = 0x3a64726163736964; const DISCARD_2: u64 = 0x0000000000000020; // 'discard: '
const HOLD: u64 = 0x0000203a646c6f68; // 'hold: '
const WARN: u64 = 0x0000203a6e726177; // 'warn: '
const FILTER: u64 = 0x203a7265746c6966; // 'filter: '
const FROM_EQ: u64 = 0x00003c3d6d6f7266; // 'from=<'
const STATUS: u64 = 0x0000737574617473; // 'status'
const STATUS_EQ: u64 = 0x003d737574617473; // 'status='
const SENT_: u64 = 0x00000000746e6573; // 'sent'
const TO: u64 = 0x0000000000006f74; // 'to'
const RELAY: u64 = 0x00000079616c6572; // 'relay'
const LOOPBACK_4: u64 = 0x000000002e373231; // '127.'

/** First index of byte c in [p, end), or -1; sixteen bytes at a time. */
function indexOf(c: i32, p: i32, end: i32): i32 {
  const v = i8x16.splat(<i8>c);
  for (let i = p; i < end; i += 16) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(inputBase + <usize>i), v));
    if (m != 0) {
      const j = i + ctz(m);
      return j < end ? j : -1;
    }
  }
  return -1;
}

/** First index of the two bytes c0 c1 in [p, end), or -1. */
function indexOf2(c0: i32, c1: i32, p: i32, end: i32): i32 {
  let j = indexOf(c0, p, end - 1);
  while (j >= 0 && byte(j + 1) != c1) j = indexOf(c0, j + 1, end - 1);
  return j;
}

/** First index of `status=` in [p, end), or -1: found by its `=`. */
function indexOfStatus(p: i32, end: i32): i32 {
  let j = indexOf(61, p + 6, end);
  while (j >= 0 && !at(j - 6, end, 7, STATUS_EQ)) j = indexOf(61, j + 1, end);
  return j < 0 ? -1 : j - 6;
}

@inline function isDigit(c: i32): bool { return c >= 48 && c <= 57; }
@inline function isAlnum(c: i32): bool { return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122); }

/** The month of three letters at p, or 0. */
function monthAt(p: i32): i32 {
  const k = (byte(p) << 16) | (byte(p + 1) << 8) | byte(p + 2);
  switch (k) {
    case 0x4a616e: return 1; // Jan
    case 0x466562: return 2; // Feb
    case 0x4d6172: return 3; // Mar
    case 0x417072: return 4; // Apr
    case 0x4d6179: return 5; // May
    case 0x4a756e: return 6; // Jun
    case 0x4a756c: return 7; // Jul
    case 0x417567: return 8; // Aug
    case 0x536570: return 9; // Sep
    case 0x4f6374: return 10; // Oct
    case 0x4e6f76: return 11; // Nov
    case 0x446563: return 12; // Dec
  }
  return 0;
}

// The stamp of the line being read (parseStamp).
let sMonth = 0, sDay = 0, sHour = 0, sMinute = 0, sSecond = 0;

/**
 * `Mmm dd hh:mm:ss ` as syslog.ts parseBsdStamp reads it, without a fraction of a second; returns
 * where the host starts, or -1.
 */
function parseStamp(s: i32, end: i32): i32 {
  if (end - s < 16 || byte(s + 3) != 32) return -1;
  const month = monthAt(s);
  if (month == 0) return -1;
  let i = s + 4;
  if (byte(i) == 32) i++;
  if (!isDigit(byte(i))) return -1;
  let day = byte(i) - 48;
  i++;
  if (isDigit(byte(i))) { day = day * 10 + byte(i) - 48; i++; }
  if (byte(i) != 32) return -1;
  i++;
  if (i + 9 > end) return -1;
  if (!(isDigit(byte(i)) && isDigit(byte(i + 1)) && byte(i + 2) == 58 && isDigit(byte(i + 3)) && isDigit(byte(i + 4)) &&
    byte(i + 5) == 58 && isDigit(byte(i + 6)) && isDigit(byte(i + 7)))) return -1;
  // A fraction of a second (`.123456`) is left to the parser.
  if (byte(i + 8) != 32) return -1;
  sMonth = month;
  sDay = day;
  sHour = (byte(i) - 48) * 10 + byte(i + 1) - 48;
  sMinute = (byte(i + 3) - 48) * 10 + byte(i + 4) - 48;
  sSecond = (byte(i + 6) - 48) * 10 + byte(i + 7) - 48;
  return i + 9;
}

/** Set by lineEnd: the line has a byte ≥ 0x80 (it is not ASCII). */
let lineHigh: bool = false;

/** The end of the line starting at p: the next newline, or end. Sets lineHigh. */
function lineEnd(p: i32, end: i32): i32 {
  const nl = i8x16.splat(10);
  let high = 0;
  for (let i = p; i < end; i += 16) {
    const v = v128.load(inputBase + <usize>i);
    const m = i8x16.bitmask(i8x16.eq(v, nl));
    const h = i8x16.bitmask(v);
    if (m != 0) {
      const j = i + ctz(m);
      if (j < end) {
        // Bytes before the newline only.
        lineHigh = high != 0 || (h & ((1 << ctz(m)) - 1)) != 0;
        return j;
      }
    }
    if (end - i < 16) {
      high |= h & ((1 << (end - i)) - 1);
    } else {
      high |= h;
    }
  }
  lineHigh = high != 0;
  return end;
}

/** Newlines in [p, end). */
export function countNewlines(p: i32, end: i32): i32 {
  const nl = i8x16.splat(10);
  let n = 0;
  let i = p;
  for (; i + 16 <= end; i += 16) n += popcnt(i8x16.bitmask(i8x16.eq(v128.load(inputBase + <usize>i), nl)));
  for (; i < end; i++) if (byte(i) == 10) n++;
  return n;
}

let rec: usize = 0;

@inline function put(field: i32, v: i32): void { store<i32>(rec + (<usize>field << 2), v); }
@inline function got(field: i32): i32 { return load<i32>(rec + (<usize>field << 2)); }

/** Writes the stamp and envelope fields of the current record. */
function putEnvelope(host: i32, hostEnd: i32, program: i32, programEnd: i32): void {
  put(F_MONTH, sMonth); put(F_DAY, sDay); put(F_HOUR, sHour); put(F_MINUTE, sMinute); put(F_SECOND, sSecond);
  put(F_HOST, host); put(F_HOST_END, hostEnd); put(F_PROGRAM, program); put(F_PROGRAM_END, programEnd);
}

// Fields found by classify for the current line.
let cHost = 0, cHostEnd = 0, cProgram = 0, cProgramEnd = 0, cQid = 0, cQidEnd = 0, cValue = 0, cValueEnd = 0, cRelay = 0, cRelayEnd = 0;

/**
 * What the line [s, e) is (e without a CR), as the parser would read it; fills the c* fields.
 * `flags`: CLAIM_SENT.
 */
function classify(s: i32, e: i32, flags: u32): i32 {
  const hostStart = parseStamp(s, e);
  if (hostStart < 0) return SLOW;
  // syslog.ts splitRest: Sendmail's `<mail.notice>` tag is left to the parser.
  if (byte(hostStart) == 60) return SLOW;
  const sp = indexOf(32, hostStart, e);
  if (sp <= hostStart) return SLOW;
  const colon = indexOf2(58, 32, sp + 1, e);
  if (colon < 0) return SLOW;
  let programEnd = colon;
  const bracket = indexOf(91, sp + 1, colon);
  if (bracket >= 0) programEnd = bracket;
  if (programEnd == sp + 1 || indexOf(32, sp + 1, programEnd) >= 0) return SLOW;
  // postfix.ts isPostfixProgram: `postfix…` or `/postfix…`.
  const program = sp + 1;
  if (!(at(program, programEnd, 7, POSTFIX) || at(program, programEnd, 8, SLASH_POSTFIX))) return SLOW;
  cHost = hostStart; cHostEnd = sp; cProgram = program; cProgramEnd = programEnd;
  const m = colon + 2;

  // postfix.ts queueIdLength.
  let n = 0;
  while (n <= 20 && m + n < e && isAlnum(byte(m + n))) n++;
  let idLength = 0;
  if (m + n + 1 < e && byte(m + n) == 58 && byte(m + n + 1) == 32) {
    if (n >= 5 && n <= 20) idLength = n;
    else if ((n == 1 && (byte(m) == 81 || byte(m) == 78)) || (n == 2 && byte(m) == 81 && byte(m + 1) == 50)) idLength = n;
  }
  if (idLength == 0) return indexOfStatus(m, e) >= 0 ? SLOW : INFO;
  cQid = m; cQidEnd = m + idLength;
  const r = m + idLength + 2;
  switch (r < e ? byte(r) : 0) {
    case 116: /* t */
      if (at(r, e, 3, TO_EQ)) return (flags & (CLAIM_SENT | CLAIM_DELIVERED)) != 0 ? sentDelivery(r, e, flags) : SLOW;
      break;
    case 114: /* r */
      if (at(r, e, 8, REJECT) || at(r, e, 16, REJECT_WARNING, REJECT_WARNING_2) || at(r, e, 10, REDIRECT, REDIRECT_2)) return SLOW;
      if (at(r, e, 7, REMOVED) && (r + 7 == e || byte(r + 7) == 32)) return K_REMOVED;
      break;
    case 109: /* m */
      if (at(r, e, 15, MILTER_REJECT, MILTER_REJECT_2)) return SLOW;
      if (at(r, e, 11, MESSAGE_ID_EQ, MESSAGE_ID_EQ_2)) return messageId(r + 11, e);
      break;
    case 100: /* d */ if (at(r, e, 9, DISCARD, DISCARD_2)) return SLOW; break;
    case 104: /* h */ if (at(r, e, 6, HOLD)) return SLOW; break;
    case 119: /* w */ if (at(r, e, 6, WARN)) return SLOW; break;
    case 102: /* f */
      if (at(r, e, 8, FILTER)) return SLOW;
      if (at(r, e, 6, FROM_EQ)) {
        const close = indexOf(62, r, e);
        // `from=<s>, status=expired` and the like are the parser's.
        if (close < 0 || indexOfStatus(close, e) >= 0) return SLOW;
        cValue = r + 6; cValueEnd = close;
        return SENDER;
      }
      break;
  }
  return indexOfStatus(r, e) >= 0 ? SLOW : INFO;
}

@inline function isTrimmed(c: i32): bool { return c == 32 || (c >= 9 && c <= 13); }

/** postfix.ts: `message-id=` then the id trimmed, without its `<…>`. */
function messageId(p: i32, e: i32): i32 {
  let a = p, b = e;
  while (a < b && isTrimmed(byte(a))) a++;
  while (b > a && isTrimmed(byte(b - 1))) b--;
  if (a < b && byte(a) == 60) {
    a++;
    if (b > a && byte(b - 1) == 62) b--;
  }
  cValue = a; cValueEnd = b;
  return MESSAGE_ID;
}

/**
 * postfix.ts parseDelivery, for `status=sent` only: `key=value, ` fields up to `status=`, values in
 * `<…>` ending at `>, `. SENT when it is a delivery whose relay is not on loopback (a content
 * filter's hop is the parser's), SLOW otherwise.
 */
function sentDelivery(r: i32, e: i32, flags: u32): i32 {
  let to = -1, toEnd = -1, relay = -1, relayEnd = -1;
  let i = r;
  while (i < e) {
    const eq = indexOf(61, i, e);
    if (eq < 0) return SLOW;
    const space = indexOf(32, i, eq);
    if (space >= 0) return SLOW;
    if (eq - i == 6 && at(i, e, 6, STATUS)) {
      if (!(at(eq + 1, e, 4, SENT_) && (eq + 5 == e || byte(eq + 5) == 32))) return SLOW;
      if (to < 0 || relay < 0) return SLOW;
      if ((flags & CLAIM_SENT) == 0 && !plainReply(eq + 5, e)) return SLOW;
      cRelay = relay; cRelayEnd = relayEnd;
      return sentRelay(relay, relayEnd) ? setValue(to, toEnd) : SLOW;
    }
    let start: i32, end: i32, next: i32;
    if (eq + 1 < e && byte(eq + 1) == 60) {
      let close = indexOfCloseComma(eq + 2, e);
      if (close < 0) close = indexOf(62, eq + 2, e);
      if (close < 0) return SLOW;
      start = eq + 2; end = close; next = close + 1;
    } else {
      const comma = indexOf2(44, 32, eq + 1, e);
      if (comma < 0) return SLOW;
      start = eq + 1; end = comma; next = comma;
    }
    const k = eq - i;
    if (k == 2 && at(i, e, 2, TO)) { to = start; toEnd = end; }
    else if (k == 5 && at(i, e, 5, RELAY)) { relay = start; relayEnd = end; }
    if (next + 1 < e && byte(next) == 44 && byte(next + 1) == 32) next += 2;
    else return SLOW;
    i = next;
  }
  return SLOW;
}

/**
 * True when the text after `status=sent ` ([p, e), p at the space) is nothing, or `(` and a reply
 * that starts with a digit — not `host X[ip] said:` nor `connect to X[ip]`, whose host postfix.ts
 * parseRemoteReply would take — and holds nothing of what event.ts namesLegacyDn looks for
 * (`IMCEAEX-`, `X500:/o=`; here any `x-` or `:/`, of either case: text.ts cleanText only turns
 * control characters into spaces, which make no such match).
 */
function plainReply(p: i32, e: i32): bool {
  if (p == e) return true;
  if (!(e - p >= 3 && byte(p + 1) == 40 && isDigit(byte(p + 2)))) return false;
  for (let i = p + 3; i < e; i++) {
    const c = byte(i);
    if (c == 45 && (byte(i - 1) | 32) == 120) return false;
    if (c == 47 && byte(i - 1) == 58) return false;
  }
  return true;
}

/** First index of `>, ` in [p, end), or -1. */
function indexOfCloseComma(p: i32, end: i32): i32 {
  let j = indexOf2(62, 44, p, end - 1);
  while (j >= 0 && byte(j + 2) != 32) j = indexOf2(62, 44, j + 1, end - 1);
  return j;
}

function setValue(a: i32, b: i32): i32 {
  cValue = a; cValueEnd = b;
  return SENT;
}

/**
 * postfix.ts parseRelay and isLoopback: true when the relay is not an address on loopback (no
 * `[`, a socket, or an address that starts with neither `127.`, `:` nor `0`); the rest is the parser's.
 */
function sentRelay(a: i32, b: i32): bool {
  const open = indexOf(91, a, b);
  if (open < 0) return true;
  let close = indexOf(93, open, b);
  if (close < 0) close = b;
  if (indexOf(47, open + 1, close) >= 0) return true;
  const c = open + 1 < close ? byte(open + 1) : 0;
  if (c == 58 || c == 48) return false;
  return !at(open + 1, close, 4, LOOPBACK_4);
}

/** True when host and instance (the program up to its first `/`) are those of the scope before. */
function sameScope(): bool {
  const instanceEnd = instanceEndOf();
  const same = scopeKnown && bytesEqual(cHost, cHostEnd, scopeHost, scopeHostEnd) && bytesEqual(cProgram, instanceEnd, scopeInstance, scopeInstanceEnd);
  scopeHost = cHost; scopeHostEnd = cHostEnd; scopeInstance = cProgram; scopeInstanceEnd = instanceEnd;
  scopeKnown = true;
  return same;
}

/**
 * The last four bytes of a queue id as a 16-bit number, -1 for a shorter id: the number the
 * caller's queue counts its keys by (src/ingest/postfix-queue.ts queueIdTail). Taken here, where
 * the bytes were just read: when the caller gets to the record, its 1 MiB of input has left the cache.
 */
function qidTail(q: i32, qEnd: i32): i32 {
  if (qEnd - q < 4) return -1;
  const x = <u32>byte(qEnd - 1) | <u32>byte(qEnd - 2) << 8 | <u32>byte(qEnd - 3) << 16 | <u32>byte(qEnd - 4) << 24;
  return <i32>((x * 0x9e3779b1) >>> 16);
}

function bytesEqual(a: i32, aEnd: i32, b: i32, bEnd: i32): bool {
  const n = aEnd - a;
  if (n != bEnd - b) return false;
  for (let i = 0; i < n; i++) if (byte(a + i) != byte(b + i)) return false;
  return true;
}

/**
 * Reads lines from `start` (a line start) to `end`, numbering the first `line`, and writes records
 * until `end` or the records are full. Returns the records written; scanEnd() and scanLine() say
 * where the next scan goes on.
 */
export function scan(start: i32, end: i32, line: i32, flags: u32): i32 {
  let p = start;
  let n: i32 = 0;
  let ln = line;
  while (p < end && n < recordCapacity) {
    let nl: i32;
    let kind = SLOW;
    let month = -1;
    if (wholeNext < wholeCount && p == load<i32>(WHOLE_LINES + (<usize>wholeNext << 3))) {
      // A line the look-ahead classified (its month is prevMonth's): the message's, counted or
      // recorded; or another between them (OTHER_LINE), read as any line.
      nl = load<i32>(WHOLE_LINES + (<usize>wholeNext << 3) + 4);
      const k = load<i32>(WHOLE_KINDS + (<usize>wholeNext << 2));
      if ((k & OTHER_LINE) != 0) {
        // Not the message's: as the scan reads any line, with the fields wholeMessage classified it with.
        restoreLine(WHOLE_FIELDS + <usize>wholeNext * KEPT_BYTES);
        kind = k & ~OTHER_LINE;
        month = sMonth;
        wholeNext++;
      } else if (wholeNext == wholeCount - 1 || ((flags & CLAIM_DELIVERED) != 0 && k == SENT)) {
        // Its REMOVED line, or a delivery: recorded below, as wholeMessage classified it.
        restoreLine(WHOLE_FIELDS + <usize>wholeNext * KEPT_BYTES);
        kind = k;
        month = sMonth;
        if (k == K_REMOVED) wholeCount = 0;
        else wholeNext++;
        wholeLine = true;
      } else {
        if (k == SENT) skippedSent++;
        else skipped++;
        wholeNext++;
        ln++;
        p = nl < end ? nl + 1 : end;
        continue;
      }
    } else {
      nl = lineEnd(p, end);
      let e = nl;
      if (e > p && byte(e - 1) == 13) e--;
      const c0 = byte(p);
      if (c0 >= 65 && c0 <= 90 && nl - p <= MAX_CLAIMED_LINE && !lineHigh) {
        kind = classify(p, e, flags);
        // The stamp was read when classify got past it (a SLOW line may have a stamp the parser reads too).
        if (kind != SLOW || parseStamp(p, e) >= 0) month = sMonth;
      }
    }
    if (kind == INFO && month == prevMonth) {
      skipped++;
    } else if (kind == MESSAGE_ID && (flags & ELIDE) != 0 && wholeCount == 0 && month == prevMonth && wholeMessage(nl, end, flags)) {
      skipped++;
    } else {
      rec = recordBase + <usize>n * RECORD_FIELDS * 4;
      if (kind >= SENDER && sameScope()) kind |= SAME_SCOPE;
      if (wholeLine) { kind |= WHOLE; wholeLine = false; }
      if (lineHigh) kind |= NOT_ASCII;
      put(F_KIND, kind); put(F_LINE, ln); put(F_START, p); put(F_END, nl); put(F_SKIPPED, skipped); put(F_SKIPPED_SENT, skippedSent);
      if ((kind & 0xff) != SLOW) {
        putEnvelope(cHost, cHostEnd, cProgram, cProgramEnd);
        put(F_QID, cQid); put(F_QID_END, cQidEnd); put(F_VALUE, cValue); put(F_VALUE_END, cValueEnd);
        put(F_RELAY, cRelay); put(F_RELAY_END, cRelayEnd);
        if ((kind & 0xff) == K_REMOVED) put(F_QID_TAIL, qidTail(cQid, cQidEnd));
      }
      n++;
    }
    prevMonth = month;
    ln++;
    p = nl < end ? nl + 1 : end;
  }
  nextPos = p;
  nextLine = ln;
  if ((flags & (RELAY_IDS | RESOLVE | KEYS)) != 0) numberSent(n, flags);
  return n;
}

/** The keys and numbers KEYS, RELAY_IDS and RESOLVE ask for, in the scan's SENT records. */
function numberSent(n: i32, flags: u32): void {
  for (let r: i32 = 0; r < n; r++) {
    rec = recordBase + <usize>r * RECORD_FIELDS * 4;
    if ((load<i32>(rec) & 0xff) != SENT) continue;
    if ((flags & RELAY_IDS) != 0) put(F_RELAY_ID, relayId(got(F_RELAY), got(F_RELAY_END)));
    if ((flags & KEYS) != 0) {
      const value = got(F_VALUE);
      const key = keyOf(inputBase + <usize>value, got(F_VALUE_END) - value);
      put(F_DOMAIN, key);
      put(F_RECIPIENT, key < 0 ? 0 : <i32>keyHash());
    }
  }
  if ((flags & RESOLVE) == 0) return;
  init();
  // The ledger's memory read ahead, a pass at a time (see ledger.ts slotOfHash): the slots, then
  // the records their first entries point at; then the lookups, which find both in the cache.
  let touched: u64 = 0;
  for (let r: i32 = 0; r < n; r++) {
    rec = recordBase + <usize>r * RECORD_FIELDS * 4;
    if ((load<i32>(rec) & 0xff) != SENT || got(F_DOMAIN) < 0) continue;
    touched ^= load<u64>(slotOfHash(<u32>got(F_RECIPIENT)));
  }
  for (let r: i32 = 0; r < n; r++) {
    rec = recordBase + <usize>r * RECORD_FIELDS * 4;
    if ((load<i32>(rec) & 0xff) != SENT || got(F_DOMAIN) < 0) continue;
    const h = <u32>got(F_RECIPIENT);
    const slot = load<u64>(slotOfHash(h));
    if (<u32>(slot >> 32) == h) touched ^= <u64>load<u32>(<usize>(<u32>slot) + 8);
  }
  lastTouched = touched;
  for (let r: i32 = 0; r < n; r++) {
    rec = recordBase + <usize>r * RECORD_FIELDS * 4;
    if ((load<i32>(rec) & 0xff) != SENT) continue;
    const value = got(F_VALUE);
    put(F_RECIPIENT, lookupKeyed(inputBase + <usize>value, got(F_DOMAIN), <u32>got(F_RECIPIENT)));
    put(F_DOMAIN, lastDomain());
  }
}

/**
 * The ledger's lookups (RESOLVE) of the SENT records among the first `n`, written by a scan in
 * another instance (a prescan on a worker thread, src/ingest/prescan.ts) over the same bytes.
 */
export function resolveSent(n: i32): void {
  numberSent(n, RESOLVE);
}

/** What the lookups' first passes read (kept, so that its reads are not optimised away). */
let lastTouched: u64 = 0;

/**
 * Relays numbered by their bytes (`relay=` values: a domain's MX host, its address and port), so
 * that JavaScript keeps each one's answering host in an array instead of making the relay's string
 * for a map, a delivery at a time. At most MAX_RELAYS; after, -1.
 */
const MAX_RELAYS: i32 = 10_000;
/** Open addressing: a slot holds its relay's hash << 32 | its record's offset (0: empty); a record is [length i32, number i32, bytes]. */
const RELAY_SLOT_BITS: i32 = 15;
/** Room for the relays' records, taken with the scanner's memory (see reserve): relays past it get no number either. */
const RELAY_BYTES: usize = 1 << 20;
let relaySlots: usize = 0;
let relayRecords: usize = 0;
let relayUsed: usize = 0;
let relayCount: i32 = 0;

function relayId(start: i32, end: i32): i32 {
  const p = inputBase + <usize>start, length = end - start;
  const h = hashBytes(p, length, 0x2545f491);
  const mask: u32 = (1 << RELAY_SLOT_BITS) - 1;
  let i = h & mask;
  while (true) {
    const slot = load<u64>(relaySlots + (<usize>i << 3));
    if (slot == 0) break;
    const r = <usize>(<u32>slot);
    if (<u32>(slot >> 32) == h && load<i32>(r) == length && sameBytes(r + 8, p, length)) return load<i32>(r + 4);
    i = (i + 1) & mask;
  }
  const size: usize = (<usize>length + 15) & ~(<usize>7); // 8 bytes of header, 8-byte aligned
  if (relayCount == MAX_RELAYS || relayUsed + size > RELAY_BYTES) return -1;
  const id = relayCount++;
  const r = relayRecords + relayUsed;
  relayUsed += size;
  store<i32>(r, length);
  store<i32>(r + 4, id);
  memory.copy(r + 8, p, <usize>length);
  store<u64>(relaySlots + (<usize>i << 3), (<u64>h << 32) | <u64>r);
  return id;
}

/**
 * The lines from the message left out (ELIDE) to its REMOVED line, the last: start and end of each
 * (WHOLE_LINES) and its kind (WHOLE_KINDS), in order; `wholeNext` is the next one the scan reaches.
 */
const MAX_WHOLE_LINES = LOOKAHEAD + 1;
const WHOLE_LINES = memory.data(MAX_WHOLE_LINES * 8, 8);
const WHOLE_KINDS = memory.data(MAX_WHOLE_LINES * 4, 4);
/** Bytes of a line's stamp and fields as saveLine keeps them (16 i32). */
const KEPT_BYTES: usize = 64;
/** What classify left for each of those lines (saveLine's fields): the scan does not classify them again. */
const WHOLE_FIELDS = memory.data(MAX_WHOLE_LINES * <i32>KEPT_BYTES, 4);
/** In WHOLE_KINDS: a line between the message's lines that is not one of them (read as the scan reads any line). */
const OTHER_LINE: i32 = 0x10000;
let wholeCount: i32 = 0;
let wholeNext: i32 = 0;
/** Set when the scan reached a line of the message left out that is recorded (its REMOVED line; with CLAIM_DELIVERED its SENT lines). */
let wholeLine: bool = false;

/**
 * True when the MESSAGE_ID line just classified (ending at `nl`) starts a whole message (see ELIDE),
 * whose lines are then noted in WHOLE_LINES. The fields of the line are those classify left.
 */
function wholeMessage(nl: i32, end: i32, flags: u32): bool {
  const month = sMonth;
  const qid = cQid, qidEnd = cQidEnd, host = cHost, hostEnd = cHostEnd, program = cProgram;
  const instanceEnd = instanceEndOf();
  saveLine(KEPT);
  let found = 0;
  let q = nl + 1;
  let ok = false;
  for (let lines = 0; q < end && lines < LOOKAHEAD; lines++) {
    const qn = lineEnd(q, end);
    let qe = qn;
    if (qe > q && byte(qe - 1) == 13) qe--;
    const c0 = byte(q);
    if (!(c0 >= 65 && c0 <= 90 && qn - q <= MAX_CLAIMED_LINE && !lineHigh)) break;
    const k = classify(q, qe, flags);
    if (k == SLOW || sMonth != month) break;
    const own = k >= SENDER && bytesEqual(cQid, cQidEnd, qid, qidEnd) && bytesEqual(cHost, cHostEnd, host, hostEnd) && instanceIs(program, instanceEnd);
    if (own && k == MESSAGE_ID) break;
    // A line of another message, or of none, is noted too (OTHER_LINE): the scan takes it as classified here.
    store<i32>(WHOLE_LINES + (<usize>found << 3), q);
    store<i32>(WHOLE_LINES + (<usize>found << 3) + 4, qn);
    store<i32>(WHOLE_KINDS + (<usize>found << 2), own ? k : k | OTHER_LINE);
    saveLine(WHOLE_FIELDS + <usize>found * KEPT_BYTES);
    found++;
    if (own && k == K_REMOVED) { ok = true; break; }
    q = qn + 1;
  }
  restoreLine(KEPT);
  if (ok) { wholeCount = found; wholeNext = 0; }
  return ok;
}

/** Where the current line's instance (its program up to the first `/`) ends. */
function instanceEndOf(): i32 {
  const slash = indexOf(47, cProgram, cProgramEnd);
  return slash < 0 ? cProgramEnd : slash;
}

/** True when the current line's instance is the bytes [a, aEnd). */
function instanceIs(a: i32, aEnd: i32): bool {
  return bytesEqual(cProgram, instanceEndOf(), a, aEnd);
}

// The stamp and fields of the line being read (classify's), kept while others are classified.
const KEPT = memory.data(<i32>KEPT_BYTES, 4);

function saveLine(k: usize): void {
  store<i32>(k, sMonth); store<i32>(k + 4, sDay); store<i32>(k + 8, sHour); store<i32>(k + 12, sMinute); store<i32>(k + 16, sSecond);
  store<i32>(k + 20, cHost); store<i32>(k + 24, cHostEnd); store<i32>(k + 28, cProgram); store<i32>(k + 32, cProgramEnd);
  store<i32>(k + 36, cQid); store<i32>(k + 40, cQidEnd); store<i32>(k + 44, cValue); store<i32>(k + 48, cValueEnd);
  store<i32>(k + 52, lineHigh ? 1 : 0);
  store<i32>(k + 56, cRelay); store<i32>(k + 60, cRelayEnd);
}

function restoreLine(k: usize): void {
  sMonth = load<i32>(k); sDay = load<i32>(k + 4); sHour = load<i32>(k + 8); sMinute = load<i32>(k + 12); sSecond = load<i32>(k + 16);
  cHost = load<i32>(k + 20); cHostEnd = load<i32>(k + 24); cProgram = load<i32>(k + 28); cProgramEnd = load<i32>(k + 32);
  cQid = load<i32>(k + 36); cQidEnd = load<i32>(k + 40); cValue = load<i32>(k + 44); cValueEnd = load<i32>(k + 48);
  lineHigh = load<i32>(k + 52) != 0;
  cRelay = load<i32>(k + 56); cRelayEnd = load<i32>(k + 60);
}
