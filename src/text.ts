/** Cleaning text written by strangers (bounce texts, log lines) before it enters an event. */

import { MAX_DIAGNOSTIC_CHARS } from './limits.js';

// C0 controls, DEL and C1 controls; also the Unicode line/paragraph separators and bidi overrides,
// which can make a terminal or a spreadsheet show something other than what is there.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** True when the text has nothing to clean: the common case, checked without a regex. */
function isClean(text: string, collapseBlanks: boolean): boolean {
  const n = text.length;
  if (n === 0) return true;
  if (text.charCodeAt(0) === 32 || text.charCodeAt(n - 1) === 32) return false;
  let prevBlank = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return false;
    if (c === 32) {
      if (prevBlank && collapseBlanks) return false;
      prevBlank = true;
    } else prevBlank = false;
  }
  return true;
}

/** Replace every run of control characters with one space and trim. */
export function stripControls(text: string): string {
  if (isClean(text, false)) return text;
  return text.replace(CONTROL, ' ').trim();
}

/** Strip controls, collapse runs of blanks and cut to `max` characters (with an ellipsis). */
export function cleanText(text: string, max = MAX_DIAGNOSTIC_CHARS): string {
  let out = isClean(text, true) ? text : text.replace(CONTROL, ' ').trim().replace(/ {2,}/g, ' ');
  if (out.length > max) out = out.slice(0, max - 1) + '…';
  return out;
}

/**
 * A copy of `s` that does not keep its parent alive. V8 makes substrings (split, slice, regex
 * groups) views into the string they came from; keeping one in a long-lived map keeps the whole
 * chunk of log text it was cut from. The JSON round trip yields one flat string, exact for any
 * text (lone surrogates included); slicing a concatenation, as before, left a view over a copy:
 * two objects, 82 bytes for a 24-character address against 48, and slower.
 * Used wherever the correlator keeps text across lines (a queue id mostly: short, and left as it is).
 */
export function detach(s: string): string;
export function detach(s: string | undefined): string | undefined;
export function detach(s: string | undefined): string | undefined {
  // Under 13 characters V8 copies instead of making a view (a slice, a concatenation): nothing to let go.
  return s === undefined || s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * Kept copies (detach) shared by equal strings: the reply codes, senders and file names of refusal
 * records repeat, and each record had its own copy. At most `cap` strings are shared; past that,
 * each gets its own copy as before (see MAX_SHARED_VALUES).
 */
export class Interner {
  private readonly kept = new Map<string, string>();

  constructor(private readonly cap: number) {}

  get(s: string): string;
  get(s: string | undefined): string | undefined;
  get(s: string | undefined): string | undefined {
    if (s === undefined || s.length === 0) return s;
    let k = this.kept.get(s);
    if (k === undefined) {
      k = detach(s);
      if (this.kept.size < this.cap) this.kept.set(k, k);
    }
    return k;
  }
}
