/** `--signatures FILE.json`: extra rows in the shape of the built-in table, checked before use. */

import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { describeFsError } from '../io/inputs.js';
import type { Signature } from './compile.js';

export async function loadUserSignatures(file: string): Promise<Signature[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--signatures ${file}: ${describeFsError(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--signatures ${file}: not valid JSON (${(err as Error).message})`);
  }
  const rows = Array.isArray(data) ? data : (data as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(rows)) throw new UsageError(`--signatures ${file}: expected an array of signatures (or {"signatures": [...]})`);
  return rows.map((r: unknown, i): Signature => {
    if (!r || typeof r !== 'object') throw new UsageError(`--signatures ${file}: entry ${i + 1} is not an object`);
    const row = r as Partial<Signature>;
    return {
      explanation: '', vendor: 'user', source: file,
      ...row,
      sample: row.sample ?? { text: '' },
    } as Signature;
  });
}
