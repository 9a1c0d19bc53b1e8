/** classify(): reply code + enhanced status + text → class; the first matching signature wins. */

import type { BounceClass, Outcome } from '../types.js';
import { compileSignature, normaliseInput, type ClassifyInput, type CompiledSignature, type NormalisedInput, type Signature } from './compile.js';
import { SIGNATURES } from './signatures.js';
import { PhraseIndex } from './phrases.js';

export interface Classification {
  class: BounceClass;
  /** Id of the row that matched; absent when no row did. */
  signature?: string;
}

export interface Classifier {
  classify(input: ClassifyInput & { outcome?: Outcome }): Classification;
  readonly rows: readonly Signature[];
}

/** Distinct (reply code, status, recipient kind) keys a classifier keeps its rows for. */
const MAX_REPLY_KEYS = 4096;

/** Classifiers made by createClassifier, with the user's rows they were made from. */
const userRowsOfClassifier = new WeakMap<Classifier, readonly Signature[]>();

/**
 * The user's rows a classifier was made from, so that a worker thread can make the same one;
 * undefined for a classifier made elsewhere (a library user's own), which only this thread has.
 */
export function userRowsOf(c: Classifier): readonly Signature[] | undefined {
  return userRowsOfClassifier.get(c);
}

/** A classifier over the user's rows (tried first) and the built-in table. */
export function createClassifier(userRows: readonly Signature[] = [], where = '--signatures'): Classifier {
  const compiled: CompiledSignature[] = [
    ...userRows.map((r) => compileSignature(r, where)),
    ...SIGNATURES.map((r) => compileSignature(r, 'built-in table')),
  ];
  // Every row's phrases looked for in one pass, the first time a row with phrases is reached
  // (without an index, too large for the user's rows, each row's own test).
  const phrases = PhraseIndex.of(compiled.map((c) => c.phrases));
  // The rows whose conditions on code, status and recipient a reply meets, by those three: a log's
  // replies have a few dozen such keys, and every row's conditions tested for each reply were most
  // of a classification (bench/NOTES.md, session 18). Keys past the cap are tested row by row.
  const rowsByKey = new Map<string, Int32Array>();
  const rowsFor = (norm: NormalisedInput): Int32Array => {
    const code = norm.smtpCode ?? '';
    // The code's length first: no code and status run into the same key as another pair.
    const key = `${code.length}:${code}${norm.status ?? ''}${norm.imceaex ? '1' : '0'}`;
    let rows = rowsByKey.get(key);
    if (!rows) {
      const met: number[] = [];
      for (let i = 0; i < compiled.length; i++) if (compiled[i]!.testButText(norm)) met.push(i);
      rows = Int32Array.from(met);
      if (rowsByKey.size < MAX_REPLY_KEYS) rowsByKey.set(key, rows);
    }
    return rows;
  };
  const classifier: Classifier = {
    rows: compiled.map((c) => c.row),
    classify(input) {
      if (input.outcome === 'delivered') return { class: 'none' };
      const norm = normaliseInput(input);
      let found: Uint32Array | undefined;
      const rows = rowsFor(norm);
      for (let k = 0; k < rows.length; k++) {
        const i = rows[k]!, c = compiled[i]!;
        if (!c.testRegex(norm.lower)) continue;
        if (c.phrases.length) {
          const has = phrases ? ((found ??= phrases.rowsIn(norm.lower))[i >>> 5]! & (1 << (i & 31))) !== 0 : c.containsPhrase(norm.lower);
          if (!has) continue;
        }
        return { class: c.row.class, signature: c.row.id };
      }
      return { class: 'other' };
    },
  };
  userRowsOfClassifier.set(classifier, userRows);
  return classifier;
}

let builtIn: Classifier | undefined;
/** The built-in table alone. */
export function defaultClassifier(): Classifier {
  return (builtIn ??= createClassifier());
}

export function classify(input: ClassifyInput & { outcome?: Outcome }): Classification {
  return defaultClassifier().classify(input);
}
