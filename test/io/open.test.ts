import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { splitLines, type LineStats } from '../../src/io/lines.js';
import { openInput, PREFETCH_MAX_BYTES } from '../../src/io/open.js';
import { readEvents } from '../../src/ingest/index.js';
import { READ_CHUNK_BYTES } from '../../src/limits.js';
import { tempDir } from '../helpers/paths.js';

/** Lines of varied length (some longer than a read chunk), from a fixed seed. */
function generatedText(bytes: number): string {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const len = i % 97 === 0 ? Math.floor(rand() * 1.5 * READ_CHUNK_BYTES) : Math.floor(rand() * 300);
    let line = `${i} `;
    while (line.length < len) line += Math.floor(rand() * 2 ** 31).toString(36);
    parts.push(line);
    size += line.length + 1;
  }
  return parts.join('\n') + '\n';
}

async function linesOf(file: string): Promise<string[]> {
  const opened = await openInput({ name: file, path: file, explicit: true }, Number.MAX_SAFE_INTEGER);
  const stats: LineStats = { overlong: 0, bareCr: false };
  const out: string[] = [];
  for await (const batch of splitLines(opened.chunks, stats, 4 * READ_CHUNK_BYTES)) out.push(...batch.lines);
  return out;
}

// Files are read into three buffers in turn: a consumer that kept a chunk two reads longer would see
// its bytes overwritten. Twelve chunks go round the buffers four times, with lines across every border.
test('a file of many read chunks, plain and gzipped, gives every line as written', async () => {
  const dir = tempDir('bl-open-');
  const text = generatedText(12 * READ_CHUNK_BYTES);
  const expected = text.slice(0, -1).split('\n');
  const plain = path.join(dir, 'big.log');
  writeFileSync(plain, text);
  const gz = path.join(dir, 'big.log.gz');
  writeFileSync(gz, gzipSync(text, { level: 1 }));
  for (const file of [plain, gz]) {
    const got = await linesOf(file);
    assert.equal(got.length, expected.length, file);
    const firstDifference = got.findIndex((l, i) => l !== expected[i]);
    assert.equal(firstDifference, -1, `${file}: line ${firstDifference + 1} differs`);
  }
});

// An input of no known format is not read past its head: its file must be closed then, not left to
// the collector (which prints a warning on stderr and holds a descriptor per file until it runs).
test('inputs of no known format leave no file open', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc/self/fd' }, async () => {
  const dir = tempDir('bl-open-');
  const garbage = path.join(dir, 'garbage.bin');
  // Larger than what is read whole in one call, so that it is read in chunks.
  writeFileSync(garbage, Buffer.from(Array.from({ length: 3 * PREFETCH_MAX_BYTES }, (_, i) => (i * 7919 + 13) % 256)));
  const before = readdirSync('/proc/self/fd').length;
  const stream = readEvents([garbage, garbage, garbage]);
  for await (const e of stream) assert.fail(`no event expected, got ${JSON.stringify(e)}`);
  assert.equal(stream.errors.length, 3);
  assert.equal(readdirSync('/proc/self/fd').length, before);
});
