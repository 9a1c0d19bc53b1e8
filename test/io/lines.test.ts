import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines, type LineStats } from '../../src/io/lines.js';
import { looksUtf16le } from '../../src/io/open.js';

async function lines(chunks: Buffer[], max?: number): Promise<{ lines: string[]; firsts: number[]; stats: LineStats }> {
  const stats: LineStats = { overlong: 0, bareCr: false };
  async function* src(): AsyncGenerator<Buffer> { for (const c of chunks) yield c; }
  const out: string[] = [];
  const firsts: number[] = [];
  for await (const b of splitLines(src(), stats, max)) { out.push(...b.lines); firsts.push(b.first); }
  return { lines: out, firsts, stats };
}

test('LF, CRLF and a last line without newline', async () => {
  const r = await lines([Buffer.from('a\r\nb\nc')]);
  assert.deepEqual(r.lines, ['a', 'b', 'c']);
});

test('a line split across chunks, and a multi-byte character split across chunks', async () => {
  const euro = Buffer.from('x€y\n');
  const r = await lines([Buffer.from('hel'), Buffer.from('lo\nwo'), euro.subarray(0, 2), euro.subarray(2), Buffer.from('end\n')]);
  assert.deepEqual(r.lines, ['hello', 'wox€y', 'end']);
  assert.deepEqual(r.firsts, [1, 2, 3]);
});

test('bare-CR files are split on CR', async () => {
  const r = await lines([Buffer.from('From: a\rTo: b\r\rbody\r')]);
  assert.deepEqual(r.lines, ['From: a', 'To: b', '', 'body']);
  assert.equal(r.stats.bareCr, true);
});

test('invalid UTF-8 becomes U+FFFD, NUL bytes are kept for the reader to judge', async () => {
  const r = await lines([Buffer.from([0x61, 0xff, 0x62, 0x0a, 0x00, 0x63, 0x0a])]);
  assert.deepEqual(r.lines, ['a\uFFFDb', '\u0000c']);
});

test('an endless line is cut at the cap, counted, and line numbers stay right', async () => {
  const long = Buffer.alloc(100, 0x78);
  const r = await lines([Buffer.from('first\n'), long, long, long, Buffer.from('zz\nlast\n')], 64);
  assert.equal(r.lines.length, 3);
  assert.equal(r.lines[1]!.length, 64);
  assert.equal(r.lines[2], 'last');
  assert.equal(r.stats.overlong, 1);
  assert.deepEqual(r.firsts, [1, 2, 3]);
});

test('UTF-16LE without BOM is recognised by NUL bytes at odd offsets', () => {
  assert.equal(looksUtf16le(Buffer.from('Timestamp,EventId,Source\r\n', 'utf16le')), true);
  assert.equal(looksUtf16le(Buffer.from('Timestamp,EventId,Source\r\n', 'utf8')), false);
});

test('chunks of a megabyte are decoded in pieces: every line, its number and a multi-byte character survive the cuts', async () => {
  // Lines of varied length (some with € and CRLF), cut into 1 MiB chunks at arbitrary bytes.
  const want: string[] = [];
  let size = 0;
  for (let i = 0; size < 3_000_000; i++) {
    want.push(`${i} ${'x€'.repeat(i % 97)}${i % 5 === 0 ? '' : 'y'.repeat(i % 300)}`);
    size += want[i]!.length + 1;
  }
  const bytes = Buffer.from(want.map((l, i) => (i % 7 === 0 ? `${l}\r\n` : `${l}\n`)).join(''));
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; at += 1_048_573) yield bytes.subarray(at, at + 1_048_573);
  }
  const got: string[] = [];
  let batches = 0;
  for await (const b of splitLines(chunks(), { overlong: 0, bareCr: false })) {
    assert.equal(b.first, got.length + 1, 'each batch starts at the next line number');
    got.push(...b.lines);
    batches++;
  }
  assert.deepEqual(got, want);
  assert.ok(batches > 12, `each chunk was decoded in several pieces (${batches} batches)`);
});

test('a line over the cap is cut at the same byte however the chunks fall, a last line without newline too', async () => {
  // 300 KB of two-byte characters: 150,000 characters, cut at 256 KiB = 131,072 characters.
  const long = 'é'.repeat(150_000);
  const bytes = Buffer.from(`first\n${long}\r\nmiddle\n${long}`);
  const cuts = [[bytes.length], [7, bytes.length], [100_000, 200_000, bytes.length], [1 << 20]];
  for (const ends of cuts) {
    const chunks: Buffer[] = [];
    let at = 0;
    for (const end of ends) { chunks.push(bytes.subarray(at, Math.min(end, bytes.length))); at = end; }
    const r = await lines(chunks);
    assert.deepEqual(r.lines.map((l) => l.length), [5, 131_072, 6, 131_072], `chunks ending at ${ends.join(', ')}`);
    assert.equal(r.lines[1], 'é'.repeat(131_072));
    assert.equal(r.stats.overlong, 2);
  }
});
