/** Cleaning text written by strangers (bounce texts, log lines) before it enters an event. */

import { MAX_DIAGNOSTIC_CHARS } from './limits.js';

// C0 controls, DEL and C1 controls; also the Unicode line/paragraph separators and bidi overrides,
// which can make a terminal or a spreadsheet show something other than what is there.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** Replace every run of control characters with one space and trim. */
export function stripControls(text: string): string {
  return text.replace(CONTROL, ' ').trim();
}

/** Strip controls, collapse runs of blanks and cut to `max` characters (with an ellipsis). */
export function cleanText(text: string, max = MAX_DIAGNOSTIC_CHARS): string {
  let out = stripControls(text).replace(/ {2,}/g, ' ');
  if (out.length > max) out = out.slice(0, max - 1) + '…';
  return out;
}
