/** Cell helpers shared by the CSV and table views. */

import { stripControls } from '../text.js';

/**
 * Spreadsheet formula injection guard (OWASP CSV injection): a cell that starts with `=`, `+`,
 * `-`, `@`, tab or CR is prefixed with `'`. Bounce texts come from strangers.
 */
export function guardCell(value: string): string {
  const c = value.charCodeAt(0);
  if (c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13) return `'${value}`;
  return value;
}

/** Text for a terminal: no control characters, whatever the log held. */
export function terminalText(value: string): string {
  return stripControls(value);
}

export function joinDistinct(values: Iterable<string | undefined>, max = 20): string {
  const seen = new Set<string>();
  for (const v of values) if (v) { seen.add(v); if (seen.size >= max) break; }
  return [...seen].join(';');
}
