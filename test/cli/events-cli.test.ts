import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, fixture, ROOT, tempDir } from '../helpers/paths.js';

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = tempDir('bl-cli-');

test('events --format ndjson reads back as input, identically', () => {
  const first = run(['events', '--year', '2024', '--quiet', 'fixtures/postfix/relay.log', 'fixtures/exim/mainlog']);
  assert.equal(first.code, 0);
  const file = path.join(tmp, 'events.ndjson');
  writeFileSync(file, first.stdout);
  const again = run(['events', '--quiet', file]);
  assert.equal(again.code, 0);
  assert.equal(again.stdout, first.stdout);
});

test('events --class gives exactly the unfiltered events of those classes, with the same counters (events of other classes are left unbuilt)', () => {
  const inputs = ['--year', '2024', 'fixtures/postfix', 'fixtures/exim', 'fixtures/incident/inputs'];
  const all = run(['events', ...inputs]);
  assert.equal(all.code, 0, all.stderr);
  for (const classes of ['user-unknown', 'none', 'user-unknown,policy,other']) {
    const keep = new Set(classes.split(','));
    const filtered = run(['events', '--class', classes, ...inputs]);
    const expected = all.stdout.split('\n').filter((l) => l && keep.has((JSON.parse(l) as { class: string }).class));
    assert.ok(expected.length > 0, classes);
    assert.deepEqual(filtered.stdout.trim().split('\n'), expected, classes);
    assert.equal(filtered.stderr, all.stderr, `${classes}: the stderr report counts what was read, not what was kept`);
  }
});

test('events --class filters, --format csv has the documented header', () => {
  const r = run(['events', '--year', '2024', '--quiet', '--class', 'user-unknown', '--format', 'csv', 'fixtures/postfix/relay.log']);
  assert.equal(r.code, 0);
  const rows = r.stdout.trim().split('\n');
  assert.equal(rows[0], 'time,source,file,line,recipient,domain,original_recipient,sender,message_id,queue_id,outcome,smtp_code,status,class,signature,remote_host,remote_ip,reporter,answered_by_host,answered_by_ip,diagnostic');
  assert.equal(rows.length, 1 + 6);
  assert.ok(rows.slice(1).every((l) => l.includes(',user-unknown,')));
});

test('CSV cells that start like a formula are prefixed with a quote', () => {
  const log = path.join(tmp, 'formula.log');
  writeFileSync(log, 'Nov 27 10:00:00 mx postfix/smtp[1]: ABCDEF1234: to=<=HYPERLINK("http://x")@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 =cmd|calc (in reply to RCPT TO command))\n');
  const r = run(['events', '--year', '2024', '--quiet', '--format', 'csv', log]);
  assert.equal(r.code, 0);
  assert.ok(r.stdout.includes(',"\'=HYPERLINK(""http://x"")@example.com",'), r.stdout);
  assert.doesNotMatch(r.stdout, /,=/);
});

test('a missing input: one line naming it, exit 2, the other inputs still read', () => {
  const r = run(['events', '--year', '2024', '--quiet', 'no/such/file.log', 'fixtures/exim/mainlog']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'bouncelens: no/such/file.log: no such file or directory\n');
  assert.equal(r.stdout.trim().split('\n').length, 6);
});

test('an input of unknown format and an empty file: exit 2, one line each, no stack trace', () => {
  const junk = path.join(tmp, 'junk.bin');
  writeFileSync(junk, Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x41, 0x42]));
  const empty = path.join(tmp, 'empty.log');
  writeFileSync(empty, '');
  const r = run(['events', junk, empty]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /junk\.bin: format not recognised/);
  assert.match(lines[1]!, /empty\.log: empty input/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('bad flags exit 2 with one clear line', () => {
  const cases: [string[], RegExp][] = [
    [['events', '--tz', 'Mars/Olympus'], /unknown time zone 'Mars\/Olympus'/],
    [['events', '--year', '24'], /--year/],
    [['events', '--format', 'xml'], /--format/],
    [['events', '--since', 'yesterday'], /--since/],
    [['events', '--bogus'], /unknown option '--bogus'/],
    [['events', '--threads', '0'], /^bouncelens: --threads: '0' is not a number from 1 to 64\n$/],
    [['analyze', '--threads', 'many'], /--threads: 'many'/],
  ];
  for (const [args, message] of cases) {
    const r = run([...args, 'fixtures/exim/mainlog']);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('stdin with -, and a truncated gzip is reported with what was read before the damage', () => {
  const r = run(['events', '--quiet', '-'], readFileSync(fixture('exim', 'mainlog'), 'utf8'));
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim().split('\n').length, 6);
  const gz = readFileSync(fixture('postfix', 'relay.log.gz'));
  const cut = path.join(tmp, 'cut.log.gz');
  writeFileSync(cut, gz.subarray(0, gz.length - 200));
  const t = run(['events', '--quiet', '--year', '2024', cut]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /cut\.log\.gz: gzip data is truncated or corrupt/);
});

test('--version and --help exit 0', () => {
  assert.equal(run(['--version']).code, 0);
  assert.equal(run(['--help']).code, 0);
});
