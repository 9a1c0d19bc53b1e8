/** mx-check against real DNS servers on loopback (no address outside 127.0.0.0/8 is touched). */

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHostList } from '../../src/correlate/hosts.js';
import { checkDomain } from '../../src/dns/mx-check.js';
import type { Server } from '../../src/dns/query.js';
import { CLI, ROOT, tempDir } from '../helpers/paths.js';
import { startDnsServer, type Rec } from './server.js';

const NEW_IP = '198.51.100.40';
const OLD_IP = '192.0.2.10';
const mx = (name: string, host: string, ttl = 300): Rec => ({ name, type: 'MX', ttl, data: { preference: 10, exchange: host } });
const a = (name: string, ip: string, ttl = 300): Rec => ({ name, type: 'A', ttl, data: ip });

const COMMON: Rec[] = [
  a('mx.new.example', NEW_IP), a('mx1.old.example', OLD_IP, 3600),
  mx('new.example', 'mx.new.example'),
  mx('stale.example', 'mail.stale.example'), a('mail.stale.example', OLD_IP),
  mx('cname.example', 'mail.cname.example'), { name: 'mail.cname.example', type: 'CNAME', data: 'edge.cname.example' }, { name: 'edge.cname.example', type: 'CNAME', data: 'mx.new.example' },
  a('nomx.example', NEW_IP),
  { name: 'nullmx.example', type: 'MX', data: { preference: 0, exchange: '.' } },
  mx('fail.example', 'mx.new.example'),
  // authoritative setup: auth.example served by ns1 (new MX) and ns2 (old MX); the parent delegates to ns1 and ns-old
  { name: 'auth.example', type: 'NS', data: 'ns1.auth.example' }, { name: 'auth.example', type: 'NS', data: 'ns2.auth.example' },
  a('ns1.auth.example', '127.0.0.11'), a('ns2.auth.example', '127.0.0.12'),
  { name: 'example', type: 'NS', data: 'ns.parent.example' }, a('ns.parent.example', '127.0.0.13'),
  mx('auth.example', 'mx.new.example'),
];

let resolver1: Server, resolver2: Server, silent: Server, port = 0;
const closers: (() => Promise<void>)[] = [];
const lists = { old: parseHostList('--old-mx', ['mx1.old.example', OLD_IP]), new: parseHostList('--new-mx', ['mx.new.example', 'mail.stale.example', NEW_IP]) };

before(async () => {
  const r1 = await startDnsServer({ host: '127.0.0.1', recursive: true, records: COMMON, servfail: ['fail.example'] });
  // The second resolver still has the old MX of mixed.example cached.
  const r2 = await startDnsServer({ host: '127.0.0.1', recursive: true, records: [...COMMON.filter((r) => r.name !== 'new.example'), mx('new.example', 'mx1.old.example', 3600)], servfail: ['fail.example'] });
  const s = await startDnsServer({ host: '127.0.0.1', silent: true, records: [] });
  resolver1 = { host: '127.0.0.1', port: r1.port };
  resolver2 = { host: '127.0.0.1', port: r2.port };
  silent = { host: '127.0.0.1', port: s.port };
  // Authoritative servers share one port on three loopback addresses.
  const ns1 = await startDnsServer({ host: '127.0.0.11', records: [mx('auth.example', 'mx.new.example'), a('mx.new.example', NEW_IP)] });
  port = ns1.port;
  const ns2 = await startDnsServer({ host: '127.0.0.12', port, records: [mx('auth.example', 'mx1.old.example', 7200)] });
  const parent = await startDnsServer({ host: '127.0.0.13', port, records: [], delegations: [{ name: 'auth.example', type: 'NS', data: 'ns1.auth.example' }, { name: 'auth.example', type: 'NS', data: 'ns-old.dnshost.example' }] });
  closers.push(r1.close, r2.close, s.close, ns1.close, ns2.close, parent.close);
});
after(async () => { for (const c of closers) await c(); });

const check = (domain: string, resolvers: Server[], extra: { authoritative?: boolean; timeoutMs?: number } = {}) =>
  checkDomain(domain, { resolvers, authoritative: extra.authoritative ?? false, timeoutMs: extra.timeoutMs ?? 1000, lists, nsPort: port });

test('consistent new MX: verdict new, TTLs as served', async () => {
  const d = await check('new.example', [resolver1]);
  assert.equal(d.verdict, 'new');
  assert.deepEqual(d.answers[0]!.mx.map((m) => [m.preference, m.host, m.ttl, m.addresses.map((x) => x.address)]), [[10, 'mx.new.example', 300, [NEW_IP]]]);
});

test('two resolvers disagree: mixed, with the largest old TTL still cached', async () => {
  const d = await check('new.example', [resolver1, resolver2]);
  assert.equal(d.verdict, 'mixed');
  assert.equal(d.maxOldTtl, 3600);
  assert.match(d.detail, /still gives old hosts \(up to 3600 s left in caches\)/);
});

test('an MX name listed new that resolves to an old IP: stale-a-record', async () => {
  const d = await check('stale.example', [resolver1]);
  assert.equal(d.verdict, 'stale-a-record');
  assert.match(d.detail, /mail\.stale\.example resolves to old 192\.0\.2\.10/);
});

test('CNAME chains are followed and reported', async () => {
  const d = await check('cname.example', [resolver1]);
  assert.equal(d.verdict, 'new');
  assert.deepEqual(d.answers[0]!.mx[0]!.chain, ['mail.cname.example', 'edge.cname.example', 'mx.new.example']);
});

test('NXDOMAIN, no MX (A fallback), null MX, SERVFAIL, and a server that never answers', async () => {
  assert.equal((await check('nx.example', [resolver1])).verdict, 'nxdomain');
  const nomx = await check('nomx.example', [resolver1]);
  assert.equal(nomx.verdict, 'no-mx');
  assert.match(nomx.detail, /implicit MX\): 198\.51\.100\.40/);
  assert.equal((await check('nullmx.example', [resolver1])).verdict, 'null-mx');
  assert.equal((await check('fail.example', [resolver1])).verdict, 'servfail');
  const started = Date.now();
  const t = await check('new.example', [silent], { timeoutMs: 300 });
  assert.equal(t.verdict, 'timeout');
  assert.ok(Date.now() - started < 2000, 'within the timeout');
});

test('--authoritative: one authoritative server still serves the old MX, and the parent delegates elsewhere', async () => {
  const d = await check('auth.example', [resolver1], { authoritative: true });
  const auth = d.answers.filter((x) => x.kind === 'authoritative');
  assert.deepEqual(auth.map((x) => [x.server, x.mx.map((m) => m.host)]), [[`127.0.0.11:${port}`, ['mx.new.example']], [`127.0.0.12:${port}`, ['mx1.old.example']]]);
  assert.equal(d.verdict, 'mixed');
  assert.equal(d.maxOldTtl, 7200, 'the authoritative TTL, in full');
  assert.deepEqual(d.delegation, { parent: ['ns-old.dnshost.example', 'ns1.auth.example'], zone: ['ns1.auth.example', 'ns2.auth.example'], match: false });
  assert.match(d.detail, /the parent zone delegates to ns-old\.dnshost\.example, ns1\.auth\.example/);
});

/** Asynchronous on purpose: the DNS servers live in this process and must keep answering. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'mx-check', ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

test('CLI: exit 0 when every verdict is new, 1 otherwise; --save writes the snapshot', async () => {
  const r1 = `127.0.0.1:${resolver1.port}`;
  const ok = await cli('new.example', 'cname.example', '--resolver', r1, '--old-mx', 'mx1.old.example,192.0.2.10', '--new-mx', 'mx.new.example,198.51.100.40');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /new\.example: NEW/);
  const file = path.join(tempDir('bl-dns-'), 'dns.json');
  const bad = await cli('new.example', 'stale.example', '--resolver', r1, '--resolver', `127.0.0.1:${resolver2.port}`, '--old-mx', 'mx1.old.example,192.0.2.10', '--new-mx', 'mx.new.example,mail.stale.example,198.51.100.40', '--save', file, '--format', 'json');
  assert.equal(bad.code, 1);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { domains: { domain: string; verdict: string }[] };
  assert.deepEqual(saved.domains.map((d) => [d.domain, d.verdict]), [['new.example', 'mixed'], ['stale.example', 'stale-a-record']]);
});

test('CLI: bad domain, resolver or port exit 2 with one line', async () => {
  for (const [args, re] of [
    [['not a domain', '--resolver', '127.0.0.1'], /is not a domain name/],
    [['new.example', '--resolver', 'dns.google'], /--resolver: 'dns\.google' is not an IP address/],
    [['new.example', '--resolver', '127.0.0.1:70000'], /out of range/],
    [['new.example', '--resolver', '[::1]:0'], /out of range/],
  ] as [string[], RegExp][]) {
    const r = await cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
