/** The bundled incident (fixtures/incident): the findings CSV is compared exactly with expected.csv. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, fixture, ROOT, tempDir } from '../helpers/paths.js';

function analyze(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'analyze', '--quiet', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('incident: every cause found, with evidence, as expected.csv says', () => {
  const r = analyze('--config', 'fixtures/incident/context.json', '--format', 'csv', 'fixtures/incident/inputs');
  assert.equal(r.code, 0, r.stderr);
  const expectedPath = fixture('incident', 'expected.csv');
  if (process.env.UPDATE === '1') writeFileSync(expectedPath, r.stdout);
  assert.equal(r.stdout, readFileSync(expectedPath, 'utf8'), 'findings differ from fixtures/incident/expected.csv (UPDATE=1 rewrites it)');
  const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(','));
  const causes = new Set(rows.map((c) => c[2]));
  for (const cause of ['legacy-dn', 'pre-existing', 'stale-a-record', 'stale-mx', 'domain-not-accepted', 'unprovisioned-user', 'undetermined']) {
    assert.ok(causes.has(cause), `the incident exercises ${cause}`);
  }
  assert.ok(!r.stdout.includes('shop.example'), 'a domain no listed host answers for is out of scope');
  assert.match(r.stdout, /hugo@example\.com,undetermined,low,.*exch01 \[192\.0\.2\.50\] is in neither host list: give --old-mx \/ --new-mx/, 'undetermined names the missing input');
  assert.ok(!r.stdout.includes('carol@') && !r.stdout.includes('paul@'), 'greylisting and a full mailbox make no finding');
});

test('incident: table view names the context, counts inputs, draws the timeline; json has the documented keys', () => {
  const table = analyze('--config', 'fixtures/incident/context.json', 'fixtures/incident/inputs');
  assert.equal(table.code, 0);
  assert.match(table.stdout, /cutover: 2024-11-27T09:00:00\.000Z/);
  assert.match(table.stdout, /fixtures\/incident\/inputs\/relay1-mail\.log +│ postfix +│ 266 +│ 130 +│ 0/);
  assert.match(table.stdout, /MSGTRK20241127-1\.LOG +│ exchange-tracking/);
  assert.match(table.stdout, /hugo@example\.com +│ undetermined +│ low/);
  assert.match(table.stdout, /\| marks the cutover/);
  assert.match(table.stdout, /example\.net +·{24}\|·█/);
  const report = analyze('--config', 'fixtures/incident/context.json', '--format', 'json', 'fixtures/incident/inputs').stdout;
  const json = JSON.parse(report) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ['context', 'inputs', 'domains', 'findings', 'timeline']);
  // Written in pieces (an array element at a time), laid out as the whole document at once would be.
  assert.equal(report, JSON.stringify(json, null, 2) + '\n');
  assert.ok((json.findings as unknown[]).length > 1 && (json.domains as unknown[]).length > 1);
});

test('analyze: bad flags and config exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['--cutover', 'yesterday'], /--cutover: 'yesterday' is not an ISO 8601 time/],
    [['--old-mx', 'mx one'], /--old-mx: 'mx one' is neither a host name nor an IP address/],
    [['--tz', 'Nowhere/Land'], /unknown time zone/],
    [['--old-users', 'no/such/file.txt'], /--old-users no\/such\/file\.txt: no such file or directory/],
    [['--config', 'fixtures/incident/inputs/mx-mail.log'], /--config .*not valid JSON/],
  ];
  for (const [args, message] of cases) {
    const r = analyze(...args, 'fixtures/incident/inputs');
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('analyze: a config file with an unknown key exits 2 and names the key', () => {
  const config = path.join(tempDir('bl-config-'), 'context.json');
  writeFileSync(config, JSON.stringify({ cutover: '2024-11-27T09:00Z', oldMX: ['mx1.old.example'] }));
  const r = analyze('--config', config, 'fixtures/incident/inputs');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown key "oldMX"/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('analyze: inputs without any refusal give an empty findings list, exit 0', () => {
  // Deliveries and a deferral only (the fixtures all have refusals).
  const log = path.join(tempDir('bl-no-refusal-'), 'mail.log');
  const line = (time: string, qid: string, to: string, status: string): string =>
    `Nov 27 ${time} relay1 postfix/smtp[71]: ${qid}: to=<${to}>, relay=mx.example.org[198.51.100.25]:25, delay=0.4, delays=0.1/0/0.2/0.1, ${status}`;
  writeFileSync(log, [
    line('08:59:00', 'A1B2C3D4E5', 'ann@example.org', 'dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4QX1)'),
    line('09:01:00', 'A1B2C3D4E6', 'bob@example.org', 'dsn=4.7.1, status=deferred (host mx.example.org[198.51.100.25] said: 450 4.7.1 Try again later (in reply to RCPT TO command))'),
  ].join('\n') + '\n');
  const r = analyze('--year', '2024', '--cutover', '2024-11-27T09:00Z', '--format', 'json', log);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: unknown[]; domains: { byClass: object }[] };
  assert.deepEqual(json.domains.map((d) => d.byClass), [{ none: 1, policy: 1 }]);
  assert.deepEqual(json.findings, []);
  assert.equal(r.stdout, JSON.stringify(json, null, 2) + '\n', 'empty arrays laid out as JSON.stringify does');
  const table = analyze('--cutover', '2024-11-27T09:00Z', '--old-mx', 'mx.old.example', '--new-mx', 'mx.new.example', 'fixtures/postfix/rsyslog-iso.log');
  assert.equal(table.code, 0);
  assert.match(table.stdout, /No domain in scope/);
});

test('analyze --dns: a saved mx-check snapshot adds the verdict to the summary and to DNS-related evidence', () => {
  const r = analyze('--config', 'fixtures/incident/context.json', '--dns', 'fixtures/incident/dns-snapshot.json', '--format', 'json', 'fixtures/incident/inputs');
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { domains: { domain: string; dns?: { verdict: string } }[]; findings: { recipient: string; evidence: string }[] };
  assert.deepEqual(json.domains.map((d) => [d.domain, d.dns?.verdict]), [['example.com', 'mixed'], ['example.edu', undefined], ['example.net', 'new'], ['example.org', 'stale-a-record']]);
  assert.match(json.findings.find((f) => f.recipient === 'dave@example.com')!.evidence, /; DNS at 2024-11-27T11:30:00\.000Z: mixed — 198\.51\.100\.53:53 still gives old hosts/);
  assert.match(json.findings.find((f) => f.recipient === 'gail@example.org')!.evidence, /stale-a-record — mx\.example\.org resolves to old 203\.0\.113\.5/);
  assert.doesNotMatch(json.findings.find((f) => f.recipient === 'leo@example.com')!.evidence, /DNS at/, 'an unprovisioned user is not a DNS matter');
  const bad = analyze('--dns', 'fixtures/incident/context.json', 'fixtures/incident/inputs');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a bouncelens mx-check snapshot/);
});
