/** Running the CLI on generated hostile inputs, with the checks every case shares. */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { CLI, ROOT, tempDir } from '../helpers/paths.js';

export const HEAVY = process.env.BOUNCELENS_HEAVY === '1';
export const WRAPPER = path.join(ROOT, 'test', 'hostile', 'rss-wrapper.mjs');

export function tmp(): string {
  return tempDir('bl-hostile-');
}

export interface Run { code: number | null; stdout: string; stderr: string; rssMiB: number }

/** Run the CLI (through the RSS wrapper); stdout is kept only up to 64 MiB. */
export function run(args: string[], input?: string): Promise<Run> {
  const rssFile = path.join(tmp(), 'rss');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRAPPER, CLI, ...args], { cwd: ROOT, env: { ...process.env, RSS_OUT: rssFile } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { if (stdout.length < 64 * 2 ** 20) stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
    child.on('close', (code) => {
      let rss = 0;
      try { rss = Number(readFileSync(rssFile, 'utf8')) / 1024; } catch { /* the child died before exit */ }
      resolve({ code, stdout, stderr, rssMiB: rss });
    });
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** What every run must show: no stack trace, no control characters on a terminal view. */
export function assertClean(r: Run, what: string): void {
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `${what}: stack trace on stderr`);
  assert.doesNotMatch(r.stderr, /internal error/, `${what}: internal error`);
  assert.doesNotMatch(r.stderr, CONTROL, `${what}: control characters on stderr`);
}

export function assertNdjson(text: string, what: string): number {
  const lines = text.split('\n').filter(Boolean);
  for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `${what}: invalid NDJSON line`);
  return lines.length;
}

export function assertCsvGuarded(text: string, what: string): string[][] {
  const rows = parse(text, { relax_column_count: false }) as string[][];
  for (const row of rows) for (const cell of row) {
    assert.ok(!/^[=+\-@\t\r]/.test(cell), `${what}: unguarded cell ${JSON.stringify(cell.slice(0, 40))}`);
  }
  return rows;
}

export function assertTableClean(text: string, what: string): void {
  assert.doesNotMatch(text.replace(/\n/g, ''), CONTROL, `${what}: control characters in the table`);
}
