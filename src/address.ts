/** Address normalisation and IMCEAEX → X.500 decoding. */

import { MAX_ADDRESS_CHARS } from './limits.js';
import { stripControls } from './text.js';

export interface NormalisedAddress {
  address: string;
  domain: string;
}

/**
 * Normalise an address as logged: strip `<>`, a `rfc822;` type prefix and controls; lower-case the
 * domain (RFC 5321 §2.4: the local part is case-sensitive in principle, so it is kept as written).
 */
export function normaliseAddress(raw: string): NormalisedAddress {
  let a = stripControls(raw);
  if (a.length > MAX_ADDRESS_CHARS) a = a.slice(0, MAX_ADDRESS_CHARS);
  // Tests by character first: this runs for every recipient and sender of a log.
  const c0 = a.charCodeAt(0);
  if (c0 === 114 || c0 === 82) a = a.replace(/^rfc822;\s*/i, '');
  a = a.trim();
  if (a.startsWith('<') && a.endsWith('>')) a = a.slice(1, -1).trim();
  const at = a.lastIndexOf('@');
  if (at < 0) return { address: a, domain: '' };
  const written = a.slice(at + 1);
  const domain = (written.endsWith('.') ? written.slice(0, -1) : written).toLowerCase();
  // Most addresses are logged normalised: keep the string itself rather than build an equal one.
  return { address: domain === written ? a : `${a.slice(0, at)}@${domain}`, domain };
}

/**
 * Decode an IMCEAEX address into the legacyExchangeDN to add as an `X500:` proxy address
 * (MicrosoftDocs imceaex-ndr.md): drop `IMCEAEX-` and `@domain`, `_` → `/`, `+HH` → the ASCII
 * character with that hex code (`+20` space, `+28`/`+29` parentheses, `+2E` dot).
 */
export function decodeImceaex(address: string): string | undefined {
  const m = /^IMCEAEX-(.+)@[^@]*$/i.exec(address);
  if (!m) return undefined;
  const dn = m[1]!
    .replace(/_/g, '/')
    .replace(/\+([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return `X500:${dn}`;
}
