import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CUT, NEW, OLD, UNKNOWN, correlate, event } from './helpers.js';

test('one refusal in three inputs (relay bounce, receiving NOQUEUE, DSN) is one attempt with all origins', () => {
  const rcpt = 'kate@example.net';
  const a = correlate([
    event(rcpt, CUT + 60_000, NEW, UNKNOWN(rcpt), { messageId: 'm1@app.example', queueId: 'Q1', sender: 'billing@example.info' }),
    event(rcpt, CUT + 60_000, { host: 'mx' }, UNKNOWN(rcpt), { outcome: 'rejected', sender: 'billing@example.info' }),
    event(rcpt, CUT + 62_000, { host: 'mx.new.example' }, UNKNOWN(rcpt), { messageId: 'm1@app.example', sender: 'billing@example.info' }),
  ]);
  assert.equal(a.findings.length, 1);
  assert.equal(a.findings[0]!.events, 1);
  assert.equal(a.findings[0]!.sources.length, 3);
  assert.deepEqual(a.findings[0]!.remoteHosts, ['mx.new.example [198.51.100.40]'], 'the short syslog name and the bare name fold into the full one');
});

test('two messages with different Message-IDs, or the same one 11 minutes apart, are two attempts', () => {
  const rcpt = 'leo@example.com';
  const a = correlate([
    event(rcpt, CUT + 60_000, OLD, UNKNOWN(rcpt), { messageId: 'a@x.example' }),
    event(rcpt, CUT + 120_000, OLD, UNKNOWN(rcpt), { messageId: 'b@x.example' }),
    event(rcpt, CUT + 60_000 + 11 * 60_000, OLD, UNKNOWN(rcpt), { messageId: 'a@x.example' }),
  ]);
  assert.equal(a.findings[0]!.events, 3);
});
