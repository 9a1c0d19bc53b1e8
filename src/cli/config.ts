/**
 * `--config FILE.json`: the same keys as the flags (camelCase), flags win. Unknown keys are an
 * error (a typo must not silently drop a host list). Relative paths in it are taken relative to
 * the config file.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { describeFsError } from '../io/inputs.js';

const LIST_KEYS = ['cutover', 'oldMx', 'newMx', 'domain', 'oldUsers', 'newUsers'] as const;
const STRING_KEYS = ['tz', 'year', 'since', 'until', 'signatures', 'inputFormat', 'maxInputBytes', 'dateOrder', 'format', 'output', 'dns'] as const;
const PATH_KEYS = new Set(['oldUsers', 'newUsers', 'signatures', 'output', 'dns']);

export type ConfigValues = Partial<Record<(typeof LIST_KEYS)[number], string[]> & Record<(typeof STRING_KEYS)[number], string>>;

export async function loadConfig(file: string): Promise<ConfigValues> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${file}: ${describeFsError(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config ${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--config ${file}: expected a JSON object`);
  const dir = path.dirname(file);
  const out: ConfigValues = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key.startsWith('$') || key === 'comment') continue;
    const rel = (v: string): string => (PATH_KEYS.has(key) && !path.isAbsolute(v) ? path.join(dir, v) : v);
    if ((LIST_KEYS as readonly string[]).includes(key)) {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((v) => typeof v === 'string')) throw new UsageError(`--config ${file}: "${key}" must be a string or a list of strings`);
      out[key as (typeof LIST_KEYS)[number]] = (list as string[]).map(rel);
    } else if ((STRING_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`--config ${file}: "${key}" must be a string`);
      out[key as (typeof STRING_KEYS)[number]] = rel(String(value));
    } else {
      throw new UsageError(`--config ${file}: unknown key "${key}" (known: ${[...LIST_KEYS, ...STRING_KEYS].join(', ')})`);
    }
  }
  return out;
}

/** Flags win over the config file; list flags given on the command line replace the file's list. */
export function mergeConfig<T extends object>(flags: T, config: ConfigValues): T {
  const merged: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    merged[k] = v;
  }
  return merged as T;
}
