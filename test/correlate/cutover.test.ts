import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerRows, HOUR, byHour, countAnswer, newAnswerLog, recordAnswer } from '../../src/correlate/cutover.js';
import { CUT, H, NEW, OLD, UNKNOWN, context, correlate, event } from './helpers.js';

function traffic(): ReturnType<typeof event>[] {
  const out = [];
  for (let h = -30; h < 0; h += 3) out.push(event('a@example.com', CUT + h * H, OLD));
  out.push(event('a@example.com', CUT - 2 * H + 60_000, NEW)); // one early probe of the new host, then old again
  out.push(event('a@example.com', CUT - H, OLD));
  for (let h = 0; h < 30; h += 3) out.push(event('a@example.com', CUT + h * H + 5 * 60_000, NEW));
  out.push(event('b@example.com', CUT + 4 * H, NEW, UNKNOWN('b@example.com')));
  return out;
}

test('inferred with host lists: the first new-host answer after which new hosts answer most attempts', () => {
  const a = correlate(traffic(), context({ cutover: '' }));
  const d = a.domains[0]!;
  assert.equal(d.cutover.how, 'inferred');
  assert.equal(d.cutover.confidence, 'medium');
  assert.equal(d.cutover.time, new Date(CUT - 2 * H + 60_000).toISOString(),
    'the early new answer counts: from it on, new hosts answer 11 of 12 listed answers');
  assert.equal(a.findings[0]!.cause, 'unprovisioned-user');
  assert.equal(a.findings[0]!.confidence, 'medium');
});

test('inferred without host lists: the lasting change of provider, at low confidence', () => {
  const a = correlate(traffic(), context({ cutover: '', lists: false }));
  const d = a.domains[0]!;
  assert.equal(d.cutover.how, 'inferred');
  assert.equal(d.cutover.confidence, 'low');
  assert.match(d.cutover.evidence, /answers moved from old\.example to new\.example/);
  assert.equal(a.findings[0]!.confidence, 'low');
});

test('nothing to infer: undetermined, with the missing input named', () => {
  const a = correlate([event('b@example.com', CUT, OLD, UNKNOWN('b@example.com')), event('a@example.com', CUT, OLD)], context({ cutover: '' }));
  assert.equal(a.domains[0]!.cutover.how, 'unknown');
  assert.equal(a.findings[0]!.cause, 'undetermined');
  assert.match(a.findings[0]!.evidence, /no lasting answer by a listed new host: give --cutover/);
});

test('recordAnswer finds a host by name and address among the first few and through the map past them', () => {
  const log = newAnswerLog();
  // Fresh strings each time, as each log line gives.
  const ref = (i: number): { host: string; ip: string } => ({ host: `mx${i}.example.net`.slice(0), ip: ['192.0.2.', String(i)].join('') });
  const entries = Array.from({ length: 12 }, (_, i) => recordAnswer(log, ref(i), 1_000 + i));
  for (let round = 0; round < 3; round++) {
    for (let i = 11; i >= 0; i--) assert.equal(recordAnswer(log, ref(i), 2_000 + round), entries[i], `host ${i}, round ${round}`);
  }
  assert.equal(log.hosts.size, 12);
  assert.deepEqual(entries.map((h) => [h.first, h.last]), entries.map((_, i) => [1_000 + i, 2_002]));
  // A name and address whose key equals another's are the same host, as they always were in the map.
  for (const l of [log, newAnswerLog()]) {
    // One name, two addresses: two hosts (an old A record beside the new one).
    const a = recordAnswer(l, { host: 'mx.example.org', ip: '203.0.113.1' }, 3_000);
    assert.notEqual(recordAnswer(l, { host: 'mx.example.org', ip: '203.0.113.2' }, 3_000), a);
    assert.equal(recordAnswer(l, { host: 'mx.example.org', ip: '203.0.113.1' }, 3_000), a);
    const odd = recordAnswer(l, { host: 'a|b', ip: 'c' }, 3_000);
    assert.equal(recordAnswer(l, { host: 'a', ip: 'b|c' }, 3_001), odd);
  }
  assert.equal(recordAnswer(log, { ip: '198.51.100.7' }, 3_002), recordAnswer(log, { host: '', ip: '198.51.100.7' }, 3_003));
});

test('answers by hour: runs moved at each change of hour, those of one host and hour added up however often the hour comes back', () => {
  const log = newAnswerLog();
  const a = { host: 'mx.a.example', ip: '192.0.2.1' }, b = { host: 'mx.b.example', ip: '192.0.2.2' };
  const base = 480_000 * HOUR;
  // Out of time order: host a's answers alternate between two hours 3,000 times (a run each), which
  // fills the runs' array several times over; host b answers in between, always in a third hour.
  recordAnswer(log, b, base + 2 * HOUR + 7);
  for (let i = 0; i < 3000; i++) {
    recordAnswer(log, a, base + (i % 2) * HOUR + 1000 - (i % 500));
    if (i % 1000 === 0) recordAnswer(log, b, base + 2 * HOUR + 5);
  }
  const buckets = byHour(log);
  // Hours in the order their runs were first moved: b's one run only when the answers are read by hour.
  assert.deepEqual([...buckets.keys()], [480_000, 480_001, 480_002]);
  assert.deepEqual(buckets.get(480_000), new Map([['mx.a.example|192.0.2.1', { count: 1500, first: base + 1000 - 498 }]]));
  assert.deepEqual(buckets.get(480_001), new Map([['mx.a.example|192.0.2.1', { count: 1500, first: base + HOUR + 1000 - 499 }]]));
  assert.deepEqual(buckets.get(480_002), new Map([['mx.b.example|192.0.2.2', { count: 4, first: base + 2 * HOUR + 5 }]]));
});

test('answer runs merged when their array is full: what they add up to, and the order they were first moved in, kept; the array no larger', () => {
  const rows = new AnswerRows();
  const x = rows.add(0, 0), y = rows.add(5, 0);
  const held = rows.runsHeld();
  /** A row's runs added up by hour: the count, the first answer, the place of its first run. */
  const byRowHour = new Map<string, { order: number; count: number; first: number }>();
  const addUp = (at: number, name: string): void => rows.chainRuns(at, (order, hour, count, first) => {
    const b = byRowHour.get(`${name}${hour}`);
    if (!b) byRowHour.set(`${name}${hour}`, { order, count, first });
    else byRowHour.set(`${name}${hour}`, { order: Math.min(order, b.order), count: b.count + count, first: Math.min(first, b.first) });
  });
  // 10,000 changes of hour on two rows, a run each: merged each time the array fills, never grown.
  for (let i = 1; i <= 10_000; i++) {
    const at = i % 2 ? x : y, t = (i % 3) * HOUR + i;
    if (!countAnswer(rows.values, at, t, i % 3)) rows.newRun(at, t, i % 3);
  }
  rows.moveRun(x);
  rows.moveRun(y);
  assert.equal(rows.runsHeld(), held);
  addUp(x, 'x');
  addUp(y, 'y');
  const sums = [...byRowHour].sort((p, q) => p[1].order - q[1].order);
  // The order of first moving, across both chains: a merged run keeps the earliest place.
  assert.deepEqual(sums.map(([k]) => k), ['x0', 'y0', 'x1', 'y2', 'y1', 'x2']);
  assert.deepEqual(sums.map(([, b]) => b.first), [0, 5, 1, 2, 4, 5], 'the first answer into each hour');
  // x answers at the odd i, in hour 0 at 3, 9, …, 9999 (1,667 times, plus its first answer); y at the even.
  assert.deepEqual(sums.map(([, b]) => b.count), [1668, 1667, 1667, 1667, 1667, 1666]);
});

test('answers by hour: hosts past the 4,096th add to the runs of the 4,096th, under its key', () => {
  const log = newAnswerLog();
  const ref = (i: number): { host: string } => ({ host: `mx${i}.example.net` });
  for (let i = 0; i < 4100; i++) recordAnswer(log, ref(i), HOUR + i);
  // The last ten hosts answer in another hour, which moves their runs: the last five's to one chain.
  for (let i = 4090; i < 4100; i++) recordAnswer(log, ref(i), 2 * HOUR + 10_000 - i);
  const hour = byHour(log).get(1)!;
  assert.equal(hour.size, 4096);
  assert.deepEqual(hour.get('mx4095.example.net|'), { count: 5, first: HOUR + 4095 });
  assert.equal(hour.has('mx4096.example.net|'), false);
  const next = byHour(log).get(2)!;
  assert.deepEqual([...next.keys()], ['mx4090.example.net|', 'mx4091.example.net|', 'mx4092.example.net|', 'mx4093.example.net|', 'mx4094.example.net|', 'mx4095.example.net|']);
  assert.deepEqual(next.get('mx4095.example.net|'), { count: 5, first: 2 * HOUR + 10_000 - 4099 });
  assert.deepEqual(next.get('mx4090.example.net|'), { count: 1, first: 2 * HOUR + 10_000 - 4090 });
});
