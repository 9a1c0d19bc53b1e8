/**
 * Which rows' phrases a text contains, found in one pass over the text (an Aho–Corasick automaton
 * over every row's phrases). Each row's phrases as one regex, tried row after row, searched a
 * reply that matches a late row, or none, once per row. Here a text is read once whatever the
 * number of rows; a row matches its phrases exactly when one of them occurs in the text, as with
 * the regex.
 */

/** Transitions an index may have (4 bytes each): past this (tens of thousands of user phrases over a wide alphabet), each row's regex is tried instead. */
const MAX_TRANSITIONS = 1 << 22;

export class PhraseIndex {
  /** The automaton's symbol of each UTF-16 code unit: 0 for one that no phrase has. */
  private readonly symbolOf: Uint16Array;
  private readonly symbols: number;
  /** Transitions: from state s on symbol y to delta[s × symbols + y]. State 0 is the start. */
  private readonly delta: Int32Array;
  /** Per state, the rows with a phrase ending there (or at a suffix of it), `words` 32-bit words a state. */
  private readonly out: Uint32Array;
  /** Whether a state has any row in `out` (most states have none). */
  private readonly hasOut: Uint8Array;
  /** 32-bit words of a set of rows. */
  readonly words: number;
  /** What rowsIn returns, cleared at each call (one array, not one a reply). */
  private readonly found: Uint32Array;

  /** The index of `phrases[i]`, the phrases of row i (none for a row without); undefined when it would be too large. */
  static of(phrases: readonly (readonly string[])[]): PhraseIndex | undefined {
    const chars = new Set<number>();
    let length = 0;
    for (const list of phrases) for (const p of list) { length += p.length; for (let i = 0; i < p.length; i++) chars.add(p.charCodeAt(i)); }
    // At most a state per phrase character and the start.
    return (length + 1) * (chars.size + 1) > MAX_TRANSITIONS ? undefined : new PhraseIndex(phrases);
  }

  private constructor(phrases: readonly (readonly string[])[]) {
    this.words = Math.max(1, Math.ceil(phrases.length / 32));
    const symbolOf = new Uint16Array(65536);
    let symbols = 1;
    for (const list of phrases) for (const p of list) for (let i = 0; i < p.length; i++) if (symbolOf[p.charCodeAt(i)] === 0) symbolOf[p.charCodeAt(i)] = symbols++;
    this.symbolOf = symbolOf;
    this.symbols = symbols;
    // The trie: goto by (state, symbol), and the rows whose phrase ends at each state.
    const next: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    phrases.forEach((list, row) => {
      for (const p of list) {
        let s = 0;
        for (let i = 0; i < p.length; i++) {
          const y = symbolOf[p.charCodeAt(i)]!;
          let t = next[s]!.get(y);
          if (t === undefined) {
            t = next.length;
            next.push(new Map());
            ends.push([]);
            next[s]!.set(y, t);
          }
          s = t;
        }
        ends[s]!.push(row);
      }
    });
    const states = next.length, words = this.words;
    const delta = new Int32Array(states * symbols);
    const out = new Uint32Array(states * words);
    const fail = new Int32Array(states);
    for (let s = 0; s < states; s++) for (const row of ends[s]!) out[s * words + (row >>> 5)]! |= 1 << (row & 31);
    // Breadth first: a state's failure state is shallower, so its transitions and rows are complete.
    const queue: number[] = [];
    for (let y = 0; y < symbols; y++) {
      const t = next[0]!.get(y);
      if (t !== undefined) { delta[y] = t; queue.push(t); }
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      const f = fail[s]!;
      for (let w = 0; w < words; w++) out[s * words + w]! |= out[f * words + w]!;
      for (let y = 0; y < symbols; y++) {
        const t = next[s]!.get(y);
        if (t === undefined) delta[s * symbols + y] = delta[f * symbols + y]!;
        else {
          fail[t] = delta[f * symbols + y]!;
          delta[s * symbols + y] = t;
          queue.push(t);
        }
      }
    }
    this.delta = delta;
    this.out = out;
    this.hasOut = new Uint8Array(states);
    this.found = new Uint32Array(words);
    for (let s = 0; s < states; s++) for (let w = 0; w < words; w++) if (out[s * words + w]) this.hasOut[s] = 1;
  }

  /**
   * The rows with a phrase in `text`: bit (row & 31) of word (row >>> 5). The array is the index's
   * own, valid until its next call.
   */
  rowsIn(text: string): Uint32Array {
    const { symbolOf, symbols, delta, out, hasOut, words, found } = this;
    found.fill(0);
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * symbols + symbolOf[text.charCodeAt(i)]!]!;
      if (hasOut[s]) for (let w = 0; w < words; w++) found[w]! |= out[s * words + w]!;
    }
    return found;
  }
}
