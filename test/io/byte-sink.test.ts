import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteSink } from '../../src/io/byte-sink.js';

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
