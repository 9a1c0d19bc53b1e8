import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalTable } from '../../src/correlate/refusals.js';
import { Interner } from '../../src/text.js';
import type { Refusal } from '../../src/correlate/attempts.js';
import { Correlator } from '../../src/correlate/correlate.js';
import { context, CUT, event, H, NEW, UNKNOWN } from './helpers.js';

const HOST = { host: 'mx1.example.net', ip: '198.51.100.7' };

function input(over: Partial<Refusal>): Refusal {
  return {
    time: 1_732_600_000_000, class: 'user-unknown', outcome: 'bounced', status: '5.1.1', smtpCode: '550', host: HOST,
    messageId: 'a1@app.example.org', queueId: '4F2A81C0D3', sender: 'billing@example.org',
    diagnostic: '550 5.1.1 <Ann@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    file: 'maillog', line: 12, legacyDn: false, ...over,
  };
}

test('RefusalTable: each recipient reads back its own records in the order added, every field as given', () => {
  const table = new RefusalTable(new Interner(100));
  const ann = [
    input({}),
    input({ time: 1_732_600_060_500, outcome: 'rejected', status: undefined, smtpCode: '550', messageId: undefined, queueId: undefined, line: 40 }),
    input({ time: 1_732_600_000_000, class: 'domain-not-accepted', legacyDn: true, diagnostic: undefined, line: 41, file: 'trace.csv' }),
  ];
  const bob = [input({ diagnostic: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient bob@example.com not found by SMTP address lookup', line: 13 })];
  let annLast = -1, bobLast = -1;
  annLast = table.add(annLast, ann[0]!, 'Ann@example.com');
  bobLast = table.add(bobLast, bob[0]!, 'bob@example.com');
  annLast = table.add(annLast, ann[1]!, 'Ann@example.com');
  annLast = table.add(annLast, ann[2]!, 'Ann@example.com');
  assert.deepEqual(table.records(annLast, 'Ann@example.com'), ann);
  assert.deepEqual(table.records(bobLast, 'bob@example.com'), bob);
  assert.equal(table.count(annLast), 3);
  assert.equal(table.count(bobLast), 1);
  assert.equal(table.count(-1), 0);
});

/** An Interner that records the strings it is asked to share. */
class RecordingInterner extends Interner {
  readonly asked: string[] = [];
  override get(s: string): string;
  override get(s: string | undefined): string | undefined;
  override get(s: string | undefined): string | undefined {
    if (s !== undefined) this.asked.push(s);
    return super.get(s);
  }
}

test('RefusalTable: a diagnostic naming the address is kept as one template for every recipient, and read back whole', () => {
  const texts = new RecordingInterner(100);
  const table = new RefusalTable(texts);
  const lasts: number[] = [];
  // 2,000 records: grows its columns past their first size.
  for (let i = 0; i < 2000; i++) {
    const address = `user${i}@example.com`;
    lasts.push(table.add(-1, input({ diagnostic: `550 5.1.1 <${address}>: Recipient address rejected: User unknown (${address})`, line: i }), address));
  }
  for (const i of [0, 1023, 1024, 1999]) {
    const address = `user${i}@example.com`;
    const [r] = table.records(lasts[i]!, address);
    assert.equal(r!.diagnostic, `550 5.1.1 <${address}>: Recipient address rejected: User unknown (${address})`);
    assert.equal(r!.line, i);
  }
  assert.deepEqual(new Set(texts.asked), new Set(['550 5.1.1 <\0>: Recipient address rejected: User unknown (\0)']), 'one template shared by all 2,000');
});

test('RefusalTable: templates are exact whatever the capitals, and a diagnostic with the mark in it is kept as it is', () => {
  const table = new RefusalTable(new Interner(100));
  // The recipient first seen as `Ann@`, this event's reply naming it `ANN@` and `Ann@`.
  const mixed = input({ diagnostic: '550 5.1.1 <ANN@example.com>: unknown; see Ann@example.com' });
  let last = table.add(-1, mixed, 'Ann@example.com');
  const marked = input({ diagnostic: '550 5.1.1 <Ann@example.com>: unknown \0' });
  last = table.add(last, marked, 'Ann@example.com');
  assert.deepEqual(table.records(last, 'Ann@example.com').map((r) => r.diagnostic), [mixed.diagnostic, marked.diagnostic]);
});

test('Correlator: a finding quotes the refusal as it was written, and finish() runs once', () => {
  const c = new Correlator(context());
  c.add(event('Carol.Ng@example.com', CUT + H, NEW, UNKNOWN('Carol.Ng@example.com')));
  c.add(event('carol.ng@example.com', CUT + 2 * H, NEW, UNKNOWN('carol.ng@example.com')));
  const [f] = c.finish().findings;
  assert.equal(f!.recipient, 'Carol.Ng@example.com');
  assert.equal(f!.sampleDiagnostic, UNKNOWN('Carol.Ng@example.com'));
  assert.equal(f!.events, 2);
  assert.throws(() => c.finish(), /called twice/);
});

test('Correlator: one address under two domains (events made so by hand) is two recipients, each counted in its own domain', () => {
  const c = new Correlator(context({ lists: false }));
  const first = event('Ann@example.com', CUT + H, NEW);
  c.add(first);
  c.add({ ...event('ann@example.com', CUT + 2 * H, NEW), domain: 'example.org' });
  c.add({ ...event('ANN@example.com', CUT + 3 * H, NEW, UNKNOWN('ANN@example.com')), domain: 'example.org' });
  c.add(event('ann@EXAMPLE.com', CUT + 4 * H, NEW));
  const a = c.finish();
  const by = Object.fromEntries(a.domains.map((d) => [d.domain, d.byClass]));
  assert.deepEqual(by, { 'example.com': { none: 2 }, 'example.org': { none: 1, 'user-unknown': 1 } });
  assert.deepEqual(a.findings.map((f) => [f.domain, f.recipient]), [['example.org', 'ann@example.com']]);
});
