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
