/** classify(): reply code + enhanced status + text → class; the first matching signature wins. */

import type { BounceClass, Outcome } from '../types.js';
import { compileSignature, normaliseInput, type ClassifyInput, type CompiledSignature, type Signature } from './compile.js';
import { SIGNATURES } from './signatures.js';

export interface Classification {
  class: BounceClass;
  /** Id of the row that matched; absent when no row did. */
  signature?: string;
}

export interface Classifier {
  classify(input: ClassifyInput & { outcome?: Outcome }): Classification;
  readonly rows: readonly Signature[];
}

/** A classifier over the user's rows (tried first) and the built-in table. */
export function createClassifier(userRows: readonly Signature[] = [], where = '--signatures'): Classifier {
  const compiled: CompiledSignature[] = [
    ...userRows.map((r) => compileSignature(r, where)),
    ...SIGNATURES.map((r) => compileSignature(r, 'built-in table')),
  ];
  return {
    rows: compiled.map((c) => c.row),
    classify(input) {
      if (input.outcome === 'delivered') return { class: 'none' };
      const norm = normaliseInput(input);
      for (const c of compiled) if (c.test(norm)) return { class: c.row.class, signature: c.row.id };
      return { class: 'other' };
    },
  };
}

let builtIn: Classifier | undefined;
/** The built-in table alone. */
export function defaultClassifier(): Classifier {
  return (builtIn ??= createClassifier());
}

export function classify(input: ClassifyInput & { outcome?: Outcome }): Classification {
  return defaultClassifier().classify(input);
}
