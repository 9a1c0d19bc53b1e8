/** SMTP reply codes and RFC 3463 enhanced status codes found in reply texts. */

export interface ReplyCodes {
  smtpCode?: string;
  status?: string;
}

/** `x.y.z` per RFC 3463 §2: class 2/4/5, subject and detail of 1–3 digits. */
export function isEnhancedStatus(s: string): boolean {
  return /^[245]\.\d{1,3}\.\d{1,3}$/.test(s);
}

// One code + status pair: `550 5.1.1`, `550-5.1.1`, `550 #5.1.1`. Bounded repeats, no nesting.
const CODE_AND_STATUS = /(?<![\d.])([245]\d\d)[ -]#?([245]\.\d{1,3}\.\d{1,3})(?![\d.])/g;
const LEADING_CODE = /^([245]\d\d)(?:[ -]|$)/;
const STATUS_ANYWHERE = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/;

/**
 * The final reply code and enhanced status of a reply text. Multi-line replies flattened into one
 * line repeat the code (`550-5.1.1 … 550 5.1.1 …`); the LAST pair is the final answer
 * (FORMATS.md §1.2).
 */
export function replyCodes(text: string): ReplyCodes {
  const t = text.length > 4000 ? text.slice(0, 4000) : text;
  let smtpCode: string | undefined;
  let status: string | undefined;
  CODE_AND_STATUS.lastIndex = 0;
  for (let m = CODE_AND_STATUS.exec(t); m; m = CODE_AND_STATUS.exec(t)) {
    smtpCode = m[1];
    status = m[2];
  }
  if (!smtpCode) {
    const lead = LEADING_CODE.exec(t.trimStart());
    if (lead) smtpCode = lead[1];
  }
  if (!status) {
    const s = STATUS_ANYWHERE.exec(t);
    if (s && (!smtpCode || s[1]![0] === smtpCode[0])) status = s[1];
  }
  return { smtpCode, status };
}
