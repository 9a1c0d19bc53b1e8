import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteSink, type WrittenBytes } from '../../src/io/byte-sink.js';
import { openOutput } from '../../src/cli/output.js';

test('ByteSink: pieces joined are the UTF-8 of the lines, whatever the piece size', () => {
  // ASCII, Latin-1, three-byte, a surrogate pair, a lone surrogate (written as U+FFFD), empty.
  const lines = ['{"a":1}', 'Grüße', 'ünknown user – 550', 'mailbox 📫 full', 'lone \ud800 half', '', 'x'.repeat(40)];
  const want = Buffer.from(lines.map((l) => `${l}\n`).join('') + 'tail', 'utf8');
  for (const size of [1, 7, 16, 64, 1 << 20]) {
    const pieces: Uint8Array[] = [];
    const sink = new ByteSink((p) => pieces.push(p), size);
    for (const l of lines) sink.line(l);
    sink.write('tail');
    sink.write('');
    sink.end();
    sink.end();
    assert.deepEqual(Buffer.concat(pieces), want, `pieces of ${size} bytes`);
    assert.ok(pieces.every((p) => p.length > 0), 'no empty piece');
    if (size === 1 << 20) assert.equal(pieces.length, 1, 'one piece when everything fits');
  }
});

test('ByteSink.flush hands on what was written since, and later text goes after it in the same buffer', () => {
  const pieces: Uint8Array[] = [];
  const sink = new ByteSink((p) => pieces.push(p), 64);
  sink.line('first');
  sink.flush();
  assert.deepEqual(pieces.map((p) => Buffer.from(p).toString()), ['first\n']);
  sink.flush(); // nothing new: no empty piece
  sink.line('second');
  sink.line('x'.repeat(30)); // no longer fits: the buffer's text so far is handed on first
  sink.end();
  assert.deepEqual(pieces.map((p) => Buffer.from(p).toString()), ['first\n', 'second\n', `${'x'.repeat(30)}\n`]);
  assert.equal(pieces[0]!.buffer, pieces[1]!.buffer, 'one buffer for the first two');
  assert.equal(Buffer.from(pieces[0]!).toString(), 'first\n', 'the first piece untouched by later writes');
});

test('ByteSink fills the buffers it is given, and a written piece handed back is filled again', async () => {
  const reused = Buffer.alloc(16, 0x2a);
  const given: Buffer[] = [reused];
  const asked: number[] = [];
  const pieces: Uint8Array[] = [];
  const sink = new ByteSink((p) => pieces.push(p), 16, (bytes) => {
    asked.push(bytes);
    return given.pop() ?? Buffer.allocUnsafeSlow(bytes);
  });
  sink.line('abc');
  sink.end();
  sink.line('x'.repeat(20)); // longer than a piece: a buffer of its size is asked for
  sink.end();
  assert.deepEqual(asked, [16, 61]);
  assert.equal(pieces[0]!.buffer, reused.buffer, 'the first piece is in the buffer given');
  assert.deepEqual(pieces.map((p) => Buffer.from(p).toString()), ['abc\n', `${'x'.repeat(20)}\n`]);

  // Output tells a piece it was written once the stream is done with it.
  const dir = mkdtempSync(join(tmpdir(), 'bouncelens-sink-'));
  const file = join(dir, 'out.ndjson');
  const out = await openOutput(file);
  const piece: WrittenBytes = Buffer.from('{"a":1}\n');
  let written = 0;
  piece.written = () => { written++; };
  await out.write('head\n');
  await out.write(piece);
  await out.close();
  assert.equal(written, 1);
  assert.equal(readFileSync(file, 'utf8'), 'head\n{"a":1}\n');
  rmSync(dir, { recursive: true });
});
