/**
 * Lotus Notes / Domino SMTP MTA (R4–R6) plain-text NDRs. The reason comes first and the address
 * after it, the reverse of every other family, so the generic reader would give the address the
 * wrong text:
 *
 *   ------- Failure Reasons  --------
 *   User  not listed in public Name & Address Book
 *   kijitora@example.com
 *   ------- Returned Message --------
 */

import { ADDRESS, type TextRecipient } from './text.js';

const ADDRESS_LINE = new RegExp(`^\\s*<?(${ADDRESS.source})>?\\s*$`);

export function notesRecipients(text: string): TextRecipient[] | undefined {
  const start = text.search(/^-{3,} Failure Reasons\s+-{3,}\s*$/m);
  if (start < 0) return undefined;
  const out: TextRecipient[] = [];
  let reason: string[] = [];
  let afterAddress = false; // a reason line after an address starts the next recipient's reason
  for (const line of text.slice(start).split(/\r?\n/).slice(1, 200)) {
    if (/^-{3,} Returned Message/.test(line)) break;
    const m = ADDRESS_LINE.exec(line);
    if (m) {
      out.push({ address: m[1]!, diagnostic: reason.join(' ').slice(0, 1000) || undefined });
      afterAddress = true;
    } else if (line.trim()) {
      if (afterAddress) reason = [];
      afterAddress = false;
      reason.push(line.trim().replace(/\s+/g, ' '));
    }
  }
  return out.length ? out : undefined;
}
