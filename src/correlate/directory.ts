/**
 * `--old-users` / `--new-users`: directory exports. One address per line; a CSV with an address
 * column (`PrimarySmtpAddress`, `EmailAddresses` split on `;` with `SMTP:`/`smtp:` stripped and
 * `X500:` entries kept, `mail`, `address`, `UserPrincipalName`); or a Postfix map file
 * (`address  value`, `#` comments).
 */

import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../errors.js';
import { describeFsError } from '../io/inputs.js';

const ADDRESS_COLUMNS = ['primarysmtpaddress', 'emailaddresses', 'proxyaddresses', 'mail', 'address', 'emailaddress', 'userprincipalname', 'windowsemailaddress'];

/** Lower-cased addresses (and `x500:` entries) of a directory export. */
export function parseDirectory(text: string, where: string): Set<string> {
  const out = new Set<string>();
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#TYPE')) ?? '';
  const header = first.toLowerCase().replace(/"/g, '').split(/[,;]/).map((h) => h.trim());
  const columns = header.filter((h) => ADDRESS_COLUMNS.includes(h));
  if (columns.length) {
    const delimiter = first.split(';').length > first.split(',').length ? ';' : ',';
    const csvText = lines.filter((l) => !l.startsWith('#TYPE')).join('\n');
    let rows: Record<string, string>[];
    try {
      rows = parse(csvText, { columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), delimiter, relax_column_count: true, skip_empty_lines: true, bom: true });
    } catch (err) {
      throw new UsageError(`${where}: not a readable CSV (${(err as Error).message})`);
    }
    for (const row of rows) {
      for (const c of columns) {
        for (const part of (row[c] ?? '').split(/[;\s]+/)) add(out, part);
      }
    }
    return out;
  }
  for (const line of lines) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    // A Postfix map: the key is the first field; a plain list has one address per line.
    add(out, l.split(/\s+/)[0]!);
  }
  return out;
}

function add(out: Set<string>, raw: string): void {
  let a = raw.trim().replace(/^"|"$/g, '');
  if (!a) return;
  if (/^x500:/i.test(a)) { out.add(`x500:${a.slice(5)}`.toLowerCase()); return; }
  a = a.replace(/^smtp:/i, '');
  if (a.includes('@')) out.add(a.toLowerCase());
}

export async function loadDirectory(flag: string, file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${describeFsError(err)}`);
  }
  return parseDirectory(text, `${flag} ${file}`);
}
