/** The nearest known-good address for a `pre-existing` finding: edit distance ≤ 2 on the local part. */

/**
 * Edit distance with adjacent transpositions (optimal string alignment): `jonh` → `john` is one
 * edit, as typists make it. Gives up (returning max + 1) as soon as the result must exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest of `known` to `address` within distance 2 (ties: alphabetical), or undefined. */
export function nearestKnownGood(address: string, known: Iterable<string>): string | undefined {
  const local = address.slice(0, address.lastIndexOf('@')).toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    if (k.toLowerCase() === address.toLowerCase()) continue;
    const d = editDistance(local, k.slice(0, k.lastIndexOf('@')).toLowerCase(), 2);
    if (d < bestD || (d === bestD && best !== undefined && k < best)) { best = k; bestD = d; }
  }
  return bestD <= 2 ? best : undefined;
}
