/**
 * AssemblyScript, compiled to WebAssembly (`npm run build`): the correlator's numbering of domains
 * and recipients (src/correlate/ledger.ts wraps it). A gigabyte of log delivers to ~200,000
 * recipients, and `analyze` spent a third of its time finding each delivery's recipient in a
 * JavaScript Map: a fresh string hashed and compared with a key that was no longer in the cache
 * (bench/NOTES.md, session 11). Here a recipient is found from the bytes of its log line, with one
 * slot and one record read, and no string is made.
 *
 * Keys are bytes the caller encodes (ASCII as it is; any other text as 0xFF then UTF-16LE, so that
 * equal strings, and only they, have equal bytes). A domain is its name; a recipient is its domain's
 * number and its address lower-cased, and keeps its address as first written. Numbers are given in
 * the order keys are first seen, from 0.
 *
 * Memory only grows (a bump allocator; the largest table outgrown is handed out again for records):
 * one instance serves one correlator and goes with it.
 */

/** `logged`: the bytes are not an address this reads exactly as normaliseAddress would (the caller reads them). */
const FALLBACK: i32 = -1;
/** `logged`: an address without a domain (handOverDelivery drops it). */
const DROPPED: i32 = -2;
/** `lookupLogged`: an address `logged` would read, of a recipient not numbered yet. */
export const UNKNOWN: i32 = -3;
/** normaliseAddress cuts addresses longer than this (src/limits.ts MAX_ADDRESS_CHARS): `logged` leaves those to the caller. */
const MAX_ADDRESS: i32 = 512;

let top: usize = 0;
let scratchAt: usize = 0;
let scratchSize: i32 = 0;
/** `logged`'s lower-cased address and address as written. */
let keyBuf: usize = 0;
let spellBuf: usize = 0;

/** Domains: slots hold a record's offset (0: empty); a record is [hash u32, length u32, bytes]. */
let dSlots: usize = 0;
let dMask: u32 = 0;
let dCount: i32 = 0;
let dRecords: usize = 0;
let dCapacity: i32 = 0;

/**
 * Recipients: slots hold hash << 32 | the record's offset (0: empty), so that most misses end at the
 * slot; a record is [hash u32, domain u32, key length u32, spelling length u32 (0: as the key), number u32,
 * natural u32, key, spelling]. The hash is of the key alone, and a record is natural when its domain is the
 * key's own (after its last `@`): `logged` finds a recipient without looking its domain up first.
 */
let rSlots: usize = 0;
let rMask: u32 = 0;
let rCount: i32 = 0;
let rRecords: usize = 0;
let rCapacity: i32 = 0;
const R_KEY: usize = 24;

let lastDomainId: i32 = -1;

/**
 * Memory let go — the largest table outgrown so far — handed out again before the top: on a
 * gigabyte of log the tables left behind would otherwise be a fifth of the ledger's memory.
 */
let spareAt: usize = 0;
let spareEnd: usize = 0;

function release(p: usize, bytes: usize): void {
  if (bytes > spareEnd - spareAt) { spareAt = p; spareEnd = p + bytes; }
}

/** `bytes` of memory, 8-byte aligned, never let go (the line scanner takes its areas here too). */
export function alloc(bytes: usize): usize {
  const s = (spareAt + 7) & ~<usize>7;
  if (s + bytes <= spareEnd) { spareAt = s + bytes; return s; }
  if (top == 0) top = (__heap_base + 15) & ~<usize>15;
  const p = (top + 7) & ~<usize>7;
  const end = p + bytes;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    // By a quarter of the memory at least: growing detaches the caller's views of it.
    if (memory.grow(max(pages, memory.size() >> 2)) < 0 && memory.grow(pages) < 0) unreachable();
  }
  top = end;
  return p;
}

/** Zeroed slots of `size` bytes each for 2^bits entries. */
function slots(bits: i32, size: usize): usize {
  const bytes = (<usize>1 << bits) * size;
  const p = alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

/** A list of u32 offsets grown to hold `want`, its contents kept. */
function grown(list: usize, size: i32, want: i32): usize {
  const p = alloc(<usize>want * 4);
  if (size > 0) { memory.copy(p, list, <usize>size * 4); release(list, <usize>size * 4); }
  return p;
}

export function init(): void {
  if (keyBuf != 0) return;
  keyBuf = alloc(MAX_ADDRESS + 16); // lowerInto writes sixteen bytes at a time
  spellBuf = alloc(MAX_ADDRESS);
  dSlots = slots(10, 4); dMask = (1 << 10) - 1;
  dCapacity = 256; dRecords = grown(0, 0, dCapacity);
  rSlots = slots(16, 8); rMask = (1 << 16) - 1;
  rCapacity = 1 << 14; rRecords = grown(0, 0, rCapacity);
}

/** At least `bytes` of memory for the caller to write a key into; returns its offset (valid until the next call). */
export function scratch(bytes: i32): usize {
  if (bytes > scratchSize) {
    scratchSize = max(bytes, 4096);
    scratchAt = alloc(<usize>scratchSize + 8); // hashBytes reads up to 7 bytes past a key
  }
  return scratchAt;
}

/** A hash of the `n` bytes at `p` (`seed` keeps tables of different things apart). */
@inline export function hashBytes(p: usize, n: i32, seed: u64): u32 {
  let h: u64 = seed ^ (<u64>n * 0x9e3779b97f4a7c15);
  let i: i32 = 0;
  for (; i + 8 <= n; i += 8) {
    h = (h ^ load<u64>(p + <usize>i)) * 0xff51afd7ed558ccd;
    h ^= h >> 32;
  }
  // The last 0–7 bytes in one load, the bytes after them masked off (every caller's bytes have
  // room after them: the scanner's input area, keyBuf, scratch).
  const rest = n - i;
  const tail: u64 = rest == 0 ? 0 : load<u64>(p + <usize>i) & ((<u64>1 << (<u64>rest * 8)) - 1);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53;
  h ^= h >> 29;
  return <u32>(h >> 32) ^ <u32>h;
}

@inline export function sameBytes(a: usize, b: usize, n: i32): bool {
  let i: i32 = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
  for (; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

/** The number of the domain whose name is the `length` bytes at `at`, given on first sight. */
function domainOf(at: usize, length: i32): i32 {
  const h = hashBytes(at, length, 0x5bd1e995);
  let i = h & dMask;
  while (true) {
    const rec = <usize>load<u32>(dSlots + (<usize>i << 2));
    if (rec == 0) break;
    if (load<u32>(rec) == h && load<i32>(rec + 4) == length && sameBytes(rec + 8, at, length)) return load<i32>(rec + 8 + <usize>length);
    i = (i + 1) & dMask;
  }
  const id = dCount;
  const rec = alloc(<usize>(12 + length));
  store<u32>(rec, h);
  store<i32>(rec + 4, length);
  memory.copy(rec + 8, at, <usize>length);
  store<i32>(rec + 8 + <usize>length, id);
  store<u32>(dSlots + (<usize>i << 2), <u32>rec);
  if (id == dCapacity) { dRecords = grown(dRecords, dCapacity, dCapacity * 2); dCapacity *= 2; }
  store<u32>(dRecords + (<usize>id << 2), <u32>rec);
  dCount = id + 1;
  if (<u32>dCount * 2 > dMask) rehashDomains();
  return id;
}

function rehashDomains(): void {
  const bits = 32 - clz(dMask) + 1;
  const old = dSlots, oldBytes = (<usize>dMask + 1) * 4;
  dSlots = slots(bits, 4);
  release(old, oldBytes);
  dMask = (1 << bits) - 1;
  for (let id = 0; id < dCount; id++) {
    const rec = load<u32>(dRecords + (<usize>id << 2));
    let i = load<u32>(<usize>rec) & dMask;
    while (load<u32>(dSlots + (<usize>i << 2)) != 0) i = (i + 1) & dMask;
    store<u32>(dSlots + (<usize>i << 2), rec);
  }
}

/** Where `find` stopped: the slot of the record found, or the empty slot a new one goes in. */
let foundSlot: u32 = 0;

/**
 * The record of the recipient whose lower-cased address is the `keyLength` bytes at `key` (hash `h`),
 * of domain `domain` — or, when `domain` is -1, of the key's own domain; 0 when none.
 */
@inline function find(key: usize, keyLength: i32, h: u32, domain: i32): usize {
  let i = h & rMask;
  while (true) {
    const slot = load<u64>(rSlots + (<usize>i << 3));
    if (slot == 0) break;
    if (<u32>(slot >> 32) == h) {
      const rec = <usize>(<u32>slot);
      if (load<i32>(rec + 8) == keyLength && (domain < 0 ? load<i32>(rec + 20) != 0 : load<i32>(rec + 4) == domain) && sameBytes(rec + R_KEY, key, keyLength)) {
        foundSlot = i;
        return rec;
      }
    }
    i = (i + 1) & rMask;
  }
  foundSlot = i;
  return 0;
}

/** A new recipient in the slot `find` left, with its address as first written (`spellLength` bytes at `spell`; 0: the key). */
function insert(h: u32, domain: i32, natural: bool, key: usize, keyLength: i32, spell: usize, spellLength: i32): i32 {
  const id = rCount;
  const rec = alloc(R_KEY + <usize>(keyLength + spellLength));
  store<u32>(rec, h);
  store<i32>(rec + 4, domain);
  store<i32>(rec + 8, keyLength);
  store<i32>(rec + 12, spellLength);
  store<i32>(rec + 16, id);
  store<i32>(rec + 20, natural ? 1 : 0);
  memory.copy(rec + R_KEY, key, <usize>keyLength);
  if (spellLength > 0) memory.copy(rec + R_KEY + <usize>keyLength, spell, <usize>spellLength);
  store<u64>(rSlots + (<usize>foundSlot << 3), (<u64>h << 32) | <u64>rec);
  if (id == rCapacity) { rRecords = grown(rRecords, rCapacity, rCapacity * 2); rCapacity *= 2; }
  store<u32>(rRecords + (<usize>id << 2), <u32>rec);
  rCount = id + 1;
  if (<u32>rCount * 2 > rMask) rehashRecipients();
  return id;
}

/** Whether domain `domain` is the key's own: its name is the key's bytes after the last `@`. */
function isNatural(domain: i32, key: usize, keyLength: i32): bool {
  let at = keyLength - 1;
  while (at >= 0 && load<u8>(key + <usize>at) != 0x40) at--;
  const n = keyLength - at - 1;
  return at >= 0 && n > 0 && domainLength(domain) == n && sameBytes(domainAt(domain), key + <usize>(at + 1), n);
}

function rehashRecipients(): void {
  const bits = 32 - clz(rMask) + 1;
  const old = rSlots, oldBytes = (<usize>rMask + 1) * 8;
  rSlots = slots(bits, 8);
  release(old, oldBytes);
  rMask = (1 << bits) - 1;
  for (let id = 0; id < rCount; id++) {
    const rec = load<u32>(rRecords + (<usize>id << 2));
    const h = load<u32>(<usize>rec);
    let i = h & rMask;
    while (load<u64>(rSlots + (<usize>i << 3)) != 0) i = (i + 1) & rMask;
    store<u64>(rSlots + (<usize>i << 3), (<u64>h << 32) | <u64>rec);
  }
}

/** The number of the domain named by the `length` bytes at scratch. */
export function domain(length: i32): i32 {
  return domainOf(scratchAt, length);
}

/**
 * The number of the recipient of `domain` whose lower-cased address is the `keyLength` bytes at
 * scratch, given on first sight with its address as first written, the `spellLength` bytes after
 * (0: the key).
 */
export function recipient(domain: i32, keyLength: i32, spellLength: i32): i32 {
  const key = scratchAt;
  const h = hashBytes(key, keyLength, 0);
  const rec = find(key, keyLength, h, domain);
  if (rec != 0) return load<i32>(rec + 16);
  // A key that is not ASCII (0xFF first) is never one `logged` reads.
  const natural = keyLength > 0 && load<u8>(key) != 0xff && isNatural(domain, key, keyLength);
  return insert(h, domain, natural, key, keyLength, key + <usize>keyLength, spellLength);
}

/** What `lookupLogged` read of the address it was given last: where its `@` is, where its key ends, its hash, whether it had upper case. */
let lkAt: i32 = 0;
let lkKeyEnd: i32 = 0;
let lkHash: u32 = 0;
let lkUpper: bool = false;

/** The hash of the key keyOf read last. */
export function keyHash(): u32 { return lkHash; }

/** keyOf's answer for a key: its length, and KEY_UPPER when the bytes had upper case. */
export const KEY_LENGTH: i32 = 0xffff;
export const KEY_UPPER: i32 = 0x10000;

/**
 * A recipient as a Postfix `to=<…>` logged it (the `length` bytes at `p`), read as
 * normaliseAddress reads it — the domain (after the last `@`, without one final dot) lower-cased,
 * the local part kept — and its key, the address lower-cased: in keyBuf, its hash in lkHash, its
 * `@` in lkAt. Read here only when that is all normaliseAddress does — printable ASCII, no `<`, no
 * `rfc822;` type, no IMCEAEX address (a legacy DN, which the caller reports), within the length
 * cap — else FALLBACK; DROPPED without a domain. Else returns the key's length, with KEY_UPPER when
 * the bytes had upper case. Depends on the bytes alone: a prescan worker reads it ahead of the
 * thread that looks the key up (postfix-scan.ts KEYS).
 */
export function keyOf(p: usize, length: i32): i32 {
  if (length > MAX_ADDRESS || length == 0) return FALLBACK;
  // Sixteen bytes at a time; those read past `length` are masked off (the caller's memory has room
  // after an address: the scanner's input area, or scratch of at least 4 KiB).
  let at: i32 = -1;
  let upper = false;
  for (let i: i32 = 0; i < length; i += 16) {
    const v = v128.load(p + <usize>i);
    const valid = length - i >= 16 ? 0xffff : (1 << (length - i)) - 1;
    const outside = v128.or(v128.or(i8x16.lt_u(v, i8x16.splat(0x21)), i8x16.gt_u(v, i8x16.splat(0x7e))), i8x16.eq(v, i8x16.splat(0x3c)));
    if ((i8x16.bitmask(outside) & valid) != 0) return FALLBACK;
    const ats = i8x16.bitmask(i8x16.eq(v, i8x16.splat(0x40))) & valid;
    if (ats != 0) at = i + 31 - clz(ats);
    if ((i8x16.bitmask(isUpper(v)) & valid) != 0) upper = true;
  }
  const c0 = <i32>load<u8>(p) | 0x20;
  if (c0 == 0x72 && length >= 7 && (load<u32>(p) | 0x20202020) == 0x38636672 && load<u8>(p + 4) == 0x32 && load<u8>(p + 5) == 0x32 && load<u8>(p + 6) == 0x3b) return FALLBACK;
  if (c0 == 0x69 && length >= 8 && (load<u64>(p) | 0x2020202020202020) == 0x2d78656165636d69) return FALLBACK;
  if (at < 0) return DROPPED;
  let domainEnd = length;
  if (load<u8>(p + <usize>(length - 1)) == 0x2e) domainEnd--;
  if (domainEnd <= at + 1) return DROPPED;
  // The key: the address lower-cased (the domain always; the local part too, where the spelling keeps it).
  if (keyBuf == 0) init();
  lowerInto(keyBuf, p, domainEnd);
  lkAt = at; lkKeyEnd = domainEnd; lkHash = hashBytes(keyBuf, domainEnd, 0); lkUpper = upper;
  return domainEnd | (upper ? KEY_UPPER : 0);
}

/** Lanes of `v` that are ASCII upper case letters. */
@inline function isUpper(v: v128): v128 {
  return v128.and(i8x16.ge_u(v, i8x16.splat(0x41)), i8x16.le_u(v, i8x16.splat(0x5a)));
}

/**
 * The `n` bytes at `from`, ASCII upper case lowered, at `to`; sixteen at a time, so up to 15 bytes
 * more are written after them (keyBuf has room for those).
 */
@inline function lowerInto(to: usize, from: usize, n: i32): void {
  for (let i: i32 = 0; i < n; i += 16) {
    const v = v128.load(from + <usize>i);
    v128.store(to + <usize>i, v128.or(v, v128.and(isUpper(v), i8x16.splat(0x20))));
  }
}

/** The number of the recipient whose key is the `keyLength` bytes at `key` (hash `h`), its domain's in lastDomainId; UNKNOWN when none. */
@inline function numberOfKey(key: usize, keyLength: i32, h: u32): i32 {
  const rec = find(key, keyLength, h, -1);
  if (rec == 0) return UNKNOWN;
  lastDomainId = load<i32>(rec + 4);
  return load<i32>(rec + 16);
}

/**
 * The number of the recipient Postfix logged as the `length` bytes at `p` (keyOf), its domain's in
 * `lastDomain()`; FALLBACK or DROPPED as keyOf; UNKNOWN when it has none yet: its key is then in
 * keyBuf and `find` left the slot it goes in. Looks only, so that a batch of lines can be looked up
 * ahead of the order in which their recipients are numbered (see postfix-scan.ts RESOLVE).
 */
export function lookupLogged(p: usize, length: i32): i32 {
  const key = keyOf(p, length);
  return key < 0 ? key : numberOfKey(keyBuf, key & KEY_LENGTH, lkHash);
}

/**
 * lookupLogged of the bytes at `p`, given what keyOf answered for them (`key`) and their key's
 * hash (`h`), read ahead: a key without upper case is the bytes themselves, looked up in place.
 */
export function lookupKeyed(p: usize, key: i32, h: u32): i32 {
  if (key < 0) return key;
  const keyLength = key & KEY_LENGTH;
  if ((key & KEY_UPPER) == 0) return numberOfKey(p, keyLength, h);
  lowerInto(keyBuf, p, keyLength);
  return numberOfKey(keyBuf, keyLength, h);
}

/**
 * Where the slot lies that a lookup of a key of hash `h` reads first. A lookup is two reads far
 * apart in tables of megabytes, and one at a time they wait on memory in turn: a batch of lookups
 * first reads all their slots, then all their records, each read independent of the others, so
 * the memory fetches them together (postfix-scan.ts numberSent).
 */
export function slotOfHash(h: u32): usize {
  return rSlots + (<usize>(h & rMask) << 3);
}

/** As lookupLogged, but a recipient not numbered yet is numbered (with its domain, when that is new too). */
export function loggedAt(p: usize, length: i32): i32 {
  const found = lookupLogged(p, length);
  if (found != UNKNOWN) return found;
  const at = lkAt, domainEnd = lkKeyEnd, h = lkHash;
  const d = domainOf(keyBuf + <usize>(at + 1), domainEnd - at - 1);
  lastDomainId = d;
  if (!lkUpper) return insert(h, d, true, keyBuf, domainEnd, 0, 0);
  memory.copy(spellBuf, p, <usize>(at + 1));
  memory.copy(spellBuf + <usize>(at + 1), keyBuf + <usize>(at + 1), <usize>(domainEnd - at - 1));
  // Upper case only in the domain: the spelling is the key.
  return insert(h, d, true, keyBuf, domainEnd, spellBuf, sameBytes(spellBuf, keyBuf, at) ? 0 : domainEnd);
}

/** loggedAt for the `length` bytes at scratch. */
export function logged(length: i32): i32 {
  return loggedAt(scratchAt, length);
}

export function lastDomain(): i32 { return lastDomainId; }
export function recipients(): i32 { return rCount; }
export function domains(): i32 { return dCount; }

/** A recipient's domain number. */
export function recipientDomain(id: i32): i32 {
  return load<i32>(<usize>load<u32>(rRecords + (<usize>id << 2)) + 4);
}

/** Where a recipient's address as first written lies, and its length. */
export function spellingAt(id: i32): usize {
  const rec = <usize>load<u32>(rRecords + (<usize>id << 2));
  return rec + R_KEY + (load<i32>(rec + 12) > 0 ? <usize>load<i32>(rec + 8) : 0);
}
export function spellingLength(id: i32): i32 {
  const rec = <usize>load<u32>(rRecords + (<usize>id << 2));
  const n = load<i32>(rec + 12);
  return n > 0 ? n : load<i32>(rec + 8);
}

/** Where a domain's name lies, and its length. */
export function domainAt(id: i32): usize {
  return <usize>load<u32>(dRecords + (<usize>id << 2)) + 8;
}
export function domainLength(id: i32): i32 {
  return load<i32>(<usize>load<u32>(dRecords + (<usize>id << 2)) + 4);
}
