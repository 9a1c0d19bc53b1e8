/** Fixture and corpus paths, and small helpers shared by the tests. */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { readEvents, type ReadEventsOptions } from '../../src/ingest/index.js';
import type { DeliveryEvent } from '../../src/types.js';

/** The project root (tests run from .test-build/test/…). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'fixtures');
const sharedDir = path.resolve(ROOT, '..', 'shared');
/** `../shared` when present (CI, developers); a user's fresh clone has none. */
export const SHARED: string | undefined = existsSync(path.join(sharedDir, 'corpus')) ? sharedDir : undefined;
export const NO_SHARED = SHARED ? false : 'skipped: ../shared/corpus is not beside this clone (it ships with the development setup, not the package)';
export const CLI = path.join(ROOT, '.test-build', 'src', 'cli', 'main.js');

const madeDirs: string[] = [];
process.on('exit', () => {
  for (const d of madeDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the system's temporary directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  madeDirs.push(d);
  return d;
}

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

export function corpus(...parts: string[]): string {
  if (!SHARED) throw new Error('no ../shared');
  return path.join(SHARED, 'corpus', ...parts);
}

export async function collect(names: string[], options: ReadEventsOptions = {}): Promise<{ events: DeliveryEvent[]; stream: ReturnType<typeof readEvents> }> {
  const stream = readEvents(names, options);
  const events: DeliveryEvent[] = [];
  for await (const e of stream) events.push(e);
  return { events, stream };
}

/** Events with origins relative to the project root, so golden files do not depend on where the clone is. */
export function relativeOrigins(events: DeliveryEvent[]): DeliveryEvent[] {
  return events.map((e) => ({ ...e, origin: { ...e.origin, file: path.relative(ROOT, path.resolve(e.origin.file)) } }));
}

/** Compare with a golden NDJSON file; UPDATE=1 rewrites it (read that diff). */
export function assertGolden(events: DeliveryEvent[], goldenPath: string): void {
  const text = relativeOrigins(events).map((e) => JSON.stringify(e)).join('\n') + '\n';
  if (process.env.UPDATE === '1') writeFileSync(goldenPath, text);
  assert.equal(text, readFileSync(goldenPath, 'utf8'), `events differ from ${path.relative(ROOT, goldenPath)} (UPDATE=1 rewrites it)`);
}
