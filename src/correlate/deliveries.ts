/**
 * Delivery times per recipient in bounded memory, whatever the input order: the 8 earliest and
 * the 8 latest, and the count. Exact up to 16 deliveries; beyond, "the first delivery after t" may
 * be later than the true one (never earlier), and counts before a time are lower bounds.
 *
 * Kept in typed arrays indexed by a recipient number, not in an object per recipient: a gigabyte
 * of log names a quarter of a million recipients, and an object with its boxed first time and an
 * array of times took ~170 bytes of heap each (Node 20's V8 has no pointer compression), which the
 * heap then grew by half again. Here a recipient costs its count, its block's offset and the block.
 */

const KEEP = 8;
/** Most times a block holds: all of them up to 2 × KEEP, then the KEEP earliest and the KEEP latest. */
const FULL = 2 * KEEP;

/**
 * The smallest block: four slots. Grown one slot at a time (1, 2, 4, …), a recipient's first four
 * deliveries moved it three times, and two in three recipients of a gigabyte of log have three or
 * more; the slots this leaves unused in the blocks of the others cost under a megabyte there.
 */
const FIRST_BLOCK = 4;

/** Block sizes are powers of two from FIRST_BLOCK to FULL: the size class of a block of `n` slots. */
function sizeClass(n: number): number {
  return 32 - Math.clz32(Math.max(n, FIRST_BLOCK) - 1);
}

/** Slots per page (256 KiB of offsets, 512 KiB of doubles): blocks never cross a page, and the table grows a page at a time. */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const IN_PAGE = PAGE - 1;

export class DeliveryTimesTable {
  /**
   * Per recipient, side by side (one memory read for both: a delivery's recipient is seldom the
   * last one's, and this index is megabytes): at 2 × id its count, at 2 × id + 1 where its block
   * starts (page number × PAGE + index in the page).
   */
  private index = new Int32Array(2048);
  /**
   * Blocks of times. While a recipient has at most FULL times its block holds them as added;
   * after, the KEEP earliest ascending then the KEEP latest descending. In pages rather than one
   * array doubled when full, which left up to half of it unused.
   *
   * Times are whole milliseconds, and a log spans days: they are kept as 32-bit offsets from the
   * first time added (± 24 days), half the memory of doubles, and the largest table the correlator
   * keeps that grows with the log. A time that is not a whole number of milliseconds, or lies
   * further away, turns every page into doubles for good (`widen`).
   */
  private pages: (Int32Array | Float64Array)[] = [];
  /** Pages of Int32Array offsets from `base`; false once widened to Float64Array times. */
  private narrow = true;
  private base: number | undefined;
  /** The next free slot (page × PAGE + index). */
  private used = 0;
  /** Freed blocks by size class (a block moves to the next class when it fills). */
  private readonly free: number[][] = Array.from({ length: sizeClass(FULL) + 1 }, () => []);

  /**
   * Times added and not yet in the blocks. Added one at a time, each delivery's recipient is a
   * random one of a quarter of a million: its entry in the index and its block were two cache misses
   * (the largest cost of a delivery in the 1 GB profile). A batch applied in recipient order reads
   * the index in order, and the blocks mostly so (a block is made at the recipient's first
   * delivery, near the time its number was given). What the table answers does not depend on the
   * order of the times added (the kept times are sorted; past FULL, the earliest and latest).
   */
  private readonly pendingIds = new Int32Array(PENDING);
  private readonly pendingTimes = new Float64Array(PENDING);
  private pending = 0;
  /** A batch's order by recipient, and the sort's scratch. */
  private readonly order = new Int32Array(PENDING);
  private readonly scratch = new Int32Array(PENDING);

  count(id: number): number {
    this.flush();
    return 2 * id < this.index.length ? this.index[2 * id]! : 0;
  }

  /** A delivery of recipient `id` at `time` (kept in the blocks with the next batch). */
  add(id: number, time: number): void {
    const p = this.pending;
    this.pendingIds[p] = id;
    this.pendingTimes[p] = time;
    if ((this.pending = p + 1) === PENDING) this.flush();
  }

  /** The pending times into the blocks, in recipient order (each recipient's in the order added). */
  private flush(): void {
    const n = this.pending;
    if (n === 0) return;
    this.pending = 0;
    const ids = this.pendingIds, times = this.pendingTimes;
    const order = orderByKey(ids, n, this.order, this.scratch);
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      this.keep(ids[k]!, times[k]!);
    }
  }

  private keep(id: number, time: number): void {
    // As kept: an offset from `base` while the pages are narrow (this may widen them).
    const t = this.stored(time);
    if (2 * id >= this.index.length) this.growIndex(id);
    const index = this.index;
    const n = index[2 * id]!;
    index[2 * id] = n + 1;
    let at = index[2 * id + 1]!;
    if (n < FULL) {
      // A block is full when n is a power of two (sizes 4, 8, 16) from FIRST_BLOCK on.
      if (n === 0 || (n >= FIRST_BLOCK && (n & (n - 1)) === 0)) {
        const next = this.allocate(sizeClass(n + 1));
        if (n > 0) {
          const from = this.pages[at >>> PAGE_BITS]!, to = this.pages[next >>> PAGE_BITS]!;
          for (let i = 0; i < n; i++) to[(next & IN_PAGE) + i] = from[(at & IN_PAGE) + i]!;
          this.free[sizeClass(n)]!.push(at);
        }
        index[2 * id + 1] = at = next;
      }
      this.pages[at >>> PAGE_BITS]![(at & IN_PAGE) + n] = t;
      return;
    }
    const s = this.pages[at >>> PAGE_BITS]!;
    at &= IN_PAGE;
    if (n === FULL) {
      // The 17th time: keep the KEEP earliest and the KEEP latest of all 17.
      const sorted = Array.from(s.subarray(at, at + FULL));
      sorted.push(t);
      sorted.sort((a, b) => a - b);
      for (let i = 0; i < KEEP; i++) s[at + i] = sorted[i]!;
      for (let i = 0; i < KEEP; i++) s[at + KEEP + i] = sorted[FULL - i]!;
      return;
    }
    insertBounded(s, at, t, 1);
    insertBounded(s, at + KEEP, t, -1);
  }

  /**
   * The kept times of a recipient and its count, for reading. Read into one array (an insertion
   * sort of at most FULL): the diagnosis reads one for each recipient with refusals, on the
   * single-threaded tail of `analyze`.
   */
  history(id: number): DeliveryHistory {
    const n = this.count(id);
    if (n === 0) return NO_DELIVERIES;
    const slot = this.index[2 * id + 1]!;
    const at = slot & IN_PAGE, s = this.pages[slot >>> PAGE_BITS]!;
    const base = this.narrow ? this.base! : 0;
    const times = new Array<number>(Math.min(n, FULL));
    if (n <= FULL) {
      for (let i = 0; i < n; i++) {
        const v = s[at + i]! + base;
        let j = i;
        for (; j > 0 && times[j - 1]! > v; j--) times[j] = times[j - 1]!;
        times[j] = v;
      }
    } else {
      // The KEEP earliest ascending, then the KEEP latest, kept descending.
      for (let i = 0; i < KEEP; i++) times[i] = s[at + i]! + base;
      for (let i = 0; i < KEEP; i++) times[KEEP + i] = s[at + FULL - 1 - i]! + base;
    }
    return new DeliveryHistory(n, times);
  }

  /** Bytes a kept time takes: 4 while times are offsets, 8 once widened. */
  get bytesPerTime(): number {
    this.flush();
    return this.narrow ? 4 : 8;
  }

  /** `t` as the pages keep it: its offset from the first time while narrow; widens the pages when it does not fit. */
  private stored(t: number): number {
    if (this.narrow) {
      this.base ??= t;
      const v = t - this.base;
      if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
      this.widen();
    }
    return t;
  }

  private widen(): void {
    const base = this.base ?? 0;
    this.pages = this.pages.map((p) => Float64Array.from(p, (v) => v + base));
    this.narrow = false;
  }

  private allocate(cls: number): number {
    const reused = this.free[cls]!.pop();
    if (reused !== undefined) return reused;
    const size = 1 << cls;
    // A block that would cross into the next page starts there instead.
    if ((this.used & IN_PAGE) + size > PAGE) this.used = (this.used | IN_PAGE) + 1;
    if (this.used >>> PAGE_BITS === this.pages.length) this.pages.push(this.narrow ? new Int32Array(PAGE) : new Float64Array(PAGE));
    const at = this.used;
    this.used += size;
    return at;
  }

  private growIndex(id: number): void {
    let size = this.index.length;
    while (size <= 2 * id) size *= 2;
    this.index = widened(this.index, size);
  }
}

/** Times a table holds before it keeps them in its blocks (see DeliveryTimesTable.add): 1 MiB of batch and its order. */
const PENDING = 1 << 16;

/** Bits of the key sorted on by each pass of orderByKey. */
const RADIX_BITS = 11;
const radixCounts = new Int32Array(1 << RADIX_BITS);

/**
 * The indexes 0..n-1 ordered by `keys` (non-negative), those of equal keys in index order: a radix
 * sort, RADIX_BITS of the key a pass, as many passes as the largest key needs. `out` and `tmp` hold
 * n; the answer is one of them.
 */
export function orderByKey(keys: Int32Array, n: number, out: Int32Array, tmp: Int32Array): Int32Array {
  let src = out, dst = tmp;
  let max = 0;
  for (let i = 0; i < n; i++) {
    src[i] = i;
    if (keys[i]! > max) max = keys[i]!;
  }
  const mask = (1 << RADIX_BITS) - 1;
  for (let shift = 0; shift < 32 && (shift === 0 || max >>> shift !== 0); shift += RADIX_BITS) {
    radixCounts.fill(0);
    for (let i = 0; i < n; i++) radixCounts[(keys[src[i]!]! >>> shift) & mask]!++;
    let at = 0;
    for (let b = 0; b <= mask; b++) {
      const c = radixCounts[b]!;
      radixCounts[b] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const k = src[i]!;
      dst[radixCounts[(keys[k]! >>> shift) & mask]!++] = k;
    }
    const t = src; src = dst; dst = t;
  }
  return src;
}

/** A copy of `a` of length `size` (at least a's), the rest zero: a typed-array column grown. */
export function widened<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * Keep the KEEP values from `at` sorted (ascending when `dir` is 1, descending when -1): `t` goes
 * in its place and the last falls off; nothing when `t` would be last.
 */
function insertBounded(s: Int32Array | Float64Array, at: number, t: number, dir: 1 | -1): void {
  if ((t - s[at + KEEP - 1]!) * dir >= 0) return;
  let i = KEEP - 1;
  while (i > 0 && (t - s[at + i - 1]!) * dir < 0) {
    s[at + i] = s[at + i - 1]!;
    i--;
  }
  s[at + i] = t;
}

/** One recipient's delivery times as kept (see DeliveryTimesTable), ascending. */
export class DeliveryHistory {
  constructor(readonly count: number, private readonly kept: readonly number[]) {}

  get exact(): boolean {
    return this.count <= FULL;
  }

  times(): number[] {
    return [...this.kept];
  }

  first(): number | undefined {
    return this.kept[0];
  }

  /** The first kept delivery strictly after `t`. */
  firstAfter(t: number): number | undefined {
    return this.kept.find((x) => x > t);
  }

  /** Deliveries before `t` (a lower bound when not exact). */
  countBefore(t: number): number {
    return this.kept.filter((x) => x < t).length;
  }
}

/** The history of a recipient never delivered to (one for all: a history is only read). */
const NO_DELIVERIES = new DeliveryHistory(0, []);
