/**
 * Delivery times of one recipient in bounded memory, whatever the input order: the 8 earliest and
 * the 8 latest, and the count. Exact up to 16 deliveries; beyond, "the first delivery after t" may
 * be later than the true one (never earlier), and counts before a time are lower bounds.
 */

const KEEP = 8;

export class DeliveryTimes {
  count = 0;
  /** The first time added; most recipients never get a second one, so no array until then. */
  private only = 0;
  /** Every time, once there are two, while there are at most 2 × KEEP. */
  private all: number[] | undefined;
  /** After that: the KEEP earliest (ascending) and the KEEP latest (descending). */
  private earliest: number[] | undefined;
  private latest: number[] | undefined;

  add(t: number): void {
    this.count++;
    if (this.count === 1) { this.only = t; return; }
    if (this.count === 2) { this.all = [this.only, t]; return; }
    if (this.all) {
      if (this.all.length < 2 * KEEP) {
        // A new array of the exact size: push grows the capacity by half plus 16, which made these
        // arrays the largest part of the heap (most recipients have a few deliveries).
        this.all = this.all.concat(t);
        return;
      }
      const sorted = this.all.concat(t).sort((a, b) => a - b);
      this.earliest = sorted.slice(0, KEEP);
      this.latest = sorted.slice(-KEEP).reverse();
      this.all = undefined;
      return;
    }
    insertBounded(this.earliest!, t, (a, b) => a - b);
    insertBounded(this.latest!, t, (a, b) => b - a);
  }

  /** The kept times, ascending. */
  times(): number[] {
    if (this.count === 0) return [];
    if (this.count === 1) return [this.only];
    if (this.all) return [...this.all].sort((a, b) => a - b);
    return [...this.earliest!, ...[...this.latest!].reverse()];
  }

  get exact(): boolean {
    return this.count <= 2 * KEEP;
  }

  first(): number | undefined {
    return this.count === 0 ? undefined : this.times()[0];
  }

  /** The first kept delivery strictly after `t`. */
  firstAfter(t: number): number | undefined {
    return this.times().find((x) => x > t);
  }

  /** Deliveries before `t` (a lower bound when not exact). */
  countBefore(t: number): number {
    return this.times().filter((x) => x < t).length;
  }
}

/** Keep `list` (KEEP long) sorted by `cmp`: `t` goes in its place, the last falls off; in place, so the array never grows. */
function insertBounded(list: number[], t: number, cmp: (a: number, b: number) => number): void {
  if (cmp(t, list[KEEP - 1]!) >= 0) return;
  let i = KEEP - 1;
  while (i > 0 && cmp(t, list[i - 1]!) < 0) {
    list[i] = list[i - 1]!;
    i--;
  }
  list[i] = t;
}
