/**
 * `npm run bench`: bouncelens beside pflogsumm, grep and Sisimai on the same generated inputs,
 * interleaved, each command several times (median, min, max, peak RSS from /usr/bin/time). Prints
 * one table with the ratios and the issue's targets, and writes bench/results/latest.json.
 * `npm run bench -- --quick` uses 20 MB and 100 MB logs instead of 100 MB and 1 GB.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { ensureInputs } from './generate.js';

const quick = process.argv.includes('--quick');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const small = quick ? 20 : 100;
const large = quick ? 100 : 1000;
const cli = ['dist/cli/main.js'];
const tmp = mkdtempSync(path.join(tmpdir(), 'bl-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

interface Measure { seconds: number; rssKiB: number; ok: boolean }

function measure(cmd: string[]): Measure {
  const out = path.join(tmp, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, ...cmd], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const [s, m] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ');
  return { seconds: Number(s), rssKiB: Number(m), ok: r.status === 0 };
}

/** `warm`: the input, read once (untimed) before each timed run, so that every command finds it in the page cache. */
interface Case { label: string; cmd: string[]; bytes: number; units: number; unit: string; group: string; warm?: string }

/**
 * Read a file, or every file under a folder, into the page cache. The machine's cache holds little
 * more than the 1 GB log: without this the bounce folder was read from disk by whichever command
 * came first after the large logs (bouncelens, 1.6 s against 1.3 s warm) and from the cache by the
 * next (Sisimai).
 */
function warm(input: string): void {
  spawnSync('sh', ['-c', `find '${input}' -type f -exec cat {} + > /dev/null`]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install time');
  const files = await ensureInputs(path.join('bench', '.cache'), { [`postfix-${small}mb`]: small * 1e6, [`postfix-${large}mb`]: large * 1e6 }, 5000);
  const lines = (f: string): number => Number(spawnSync('sh', ['-c', `wc -l < '${f}'`], { encoding: 'utf8' }).stdout.trim());
  const cases: Case[] = [];
  for (const size of [small, large]) {
    const log = files[`postfix-${size}mb`]!;
    const bytes = statSync(log).size;
    const n = lines(log);
    const g = `${size} MB`;
    const add = (label: string, cmd: string[], f = log): void => { cases.push({ label: `${label} (${size} MB)`, cmd, bytes, units: n, unit: 'lines', group: g, warm: f }); };
    // Defaults: analyze reads in order, events on every core (ingest/parallel); the other thread
    // count of each is measured beside it.
    add('bouncelens analyze', ['node', ...cli, 'analyze', '--quiet', '--year', '2024', '--format', 'json', '-o', '/dev/null', log]);
    // The default view (a table): drawn a part at a time, its memory is the JSON report's.
    add('bouncelens analyze (table)', ['node', ...cli, 'analyze', '--quiet', '--year', '2024', '-o', '/dev/null', log]);
    add('bouncelens analyze --threads 2', ['node', ...cli, 'analyze', '--quiet', '--year', '2024', '--threads', '2', '--format', 'json', '-o', '/dev/null', log]);
    add('bouncelens events ndjson', ['node', ...cli, 'events', '--quiet', '--year', '2024', '-o', '/dev/null', log]);
    add('bouncelens events ndjson --threads 1', ['node', ...cli, 'events', '--quiet', '--year', '2024', '--threads', '1', '-o', '/dev/null', log]);
    add('bouncelens events --class user-unknown', ['node', ...cli, 'events', '--quiet', '--year', '2024', '--class', 'user-unknown', '-o', '/dev/null', log]);
    add('bouncelens events --class u-u --threads 1', ['node', ...cli, 'events', '--quiet', '--year', '2024', '--threads', '1', '--class', 'user-unknown', '-o', '/dev/null', log]);
    add('bouncelens analyze .gz', ['node', ...cli, 'analyze', '--quiet', '--year', '2024', '--format', 'json', '-o', '/dev/null', `${log}.gz`], `${log}.gz`);
    if (have('pflogsumm')) add('pflogsumm', ['sh', '-c', `pflogsumm '${log}' > /dev/null`]);
    // GNU grep stops at the first match when its output is /dev/null: the count goes through a pipe.
    add('grep -c status=bounced', ['sh', '-c', `LC_ALL=C grep -c status=bounced '${log}' | cat > /dev/null`]);
  }
  const bounceCount = 5000;
  cases.push({ label: 'bouncelens events (bounce folder)', cmd: ['node', ...cli, 'events', '--quiet', '-o', '/dev/null', files.bounces!], bytes: 0, units: bounceCount, unit: 'messages', group: 'bounces', warm: files.bounces });
  const sisimai = spawnSync('perl', ['-MSisimai', '-e', '1']).status === 0;
  if (sisimai) cases.push({ label: 'sisimai (bounce folder)', cmd: ['perl', '-MSisimai', '-e', 'my $v = Sisimai->make($ARGV[0]); print scalar(@{$v || []})', path.join(files.bounces!, 'cur')], bytes: 0, units: bounceCount, unit: 'messages', group: 'bounces', warm: files.bounces });
  cases.push({ label: 'bouncelens --version', cmd: ['node', ...cli, '--version'], bytes: 0, units: 1, unit: 'start', group: 'start-up' });

  const results = new Map<string, Measure[]>();
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      process.stderr.write(`run ${r + 1}/${runs}: ${c.label}\r`);
      if (c.warm) warm(c.warm);
      const m = measure(c.cmd);
      if (!m.ok) process.stderr.write(`\n${c.label} failed\n`);
      results.set(c.label, [...(results.get(c.label) ?? []), m]);
    }
  }
  process.stderr.write('\n');
  const rows = cases.map((c) => {
    const ms = results.get(c.label)!;
    const sec = median(ms.map((m) => m.seconds));
    return {
      label: c.label, group: c.group, median: sec, min: Math.min(...ms.map((m) => m.seconds)), max: Math.max(...ms.map((m) => m.seconds)),
      peakRssMiB: Math.max(...ms.map((m) => m.rssKiB)) / 1024,
      mbPerSec: c.bytes ? c.bytes / 1e6 / sec : undefined, unitsPerSec: c.units / sec, unit: c.unit,
    };
  });
  const get = (l: string): (typeof rows)[number] | undefined => rows.find((x) => x.label === l);
  const ratio = (a: string, b: string): number | undefined => { const x = get(a), y = get(b); return x && y ? y.median / x.median : undefined; };
  const L = `${large} MB`, S = `${small} MB`;
  const targets = [
    ['analyze ≥ 10× pflogsumm', ratio(`bouncelens analyze (${L})`, `pflogsumm (${L})`), (v: number) => v >= 10],
    ['analyze peak RSS ≤ 300 MiB', get(`bouncelens analyze (${L})`)?.peakRssMiB, (v: number) => v <= 300],
    ['analyze (table) peak RSS ≤ 300 MiB', get(`bouncelens analyze (table) (${L})`)?.peakRssMiB, (v: number) => v <= 300],
    [`analyze RSS ${L} ≤ 1.5× ${S}`, (get(`bouncelens analyze (${L})`)?.peakRssMiB ?? 0) / (get(`bouncelens analyze (${S})`)?.peakRssMiB ?? 1), (v: number) => v <= 1.5],
    ['events ndjson ≥ 5× pflogsumm', ratio(`bouncelens events ndjson (${L})`, `pflogsumm (${L})`), (v: number) => v >= 5],
    ['events --class user-unknown ≥ 15× pflogsumm', ratio(`bouncelens events --class user-unknown (${L})`, `pflogsumm (${L})`), (v: number) => v >= 15],
    ['.gz ≤ 1.3× plain', (get(`bouncelens analyze .gz (${L})`)?.median ?? 0) / (get(`bouncelens analyze (${L})`)?.median ?? 1), (v: number) => v <= 1.3],
    ['bounces ≥ 2× Sisimai messages/s', ratio('bouncelens events (bounce folder)', 'sisimai (bounce folder)'), (v: number) => v >= 2],
    ['start-up ≤ 0.25 s', get('bouncelens --version')?.median, (v: number) => v <= 0.25],
  ] as const;
  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (v: number | undefined, d = 2): string => (v === undefined ? '-' : v.toFixed(d));
  console.log(`bouncelens benchmark — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${runs} runs`);
  console.log(`${pad('command', 48)} ${pad('median s', 9)} ${pad('min', 7)} ${pad('max', 7)} ${pad('MB/s', 8)} ${pad('units/s', 12)} peak RSS MiB`);
  // Commands faster than /usr/bin/time can tell (0.00 s) have no meaningful rate.
  const rate = (v: number | undefined, d: number): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  for (const r of rows) console.log(`${pad(r.label, 48)} ${pad(num(r.median), 9)} ${pad(num(r.min), 7)} ${pad(num(r.max), 7)} ${pad(rate(r.mbPerSec, 1), 8)} ${pad(`${rate(r.unitsPerSec, 0)} ${r.unit}`, 12)} ${num(r.peakRssMiB, 0)}`);
  console.log('\ntargets:');
  for (const [name, v, ok] of targets) console.log(`  ${v === undefined || Number.isNaN(v) ? '?' : ok(v) ? '✓' : '✗'} ${pad(name, 46)} ${num(v)}`);
  mkdirSync(path.join('bench', 'results'), { recursive: true });
  writeFileSync(path.join('bench', 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), quick, runs, machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30, node: process.version }, rows, targets: targets.map(([name, v, ok]) => ({ name, value: v, met: v !== undefined && ok(v) })) }, null, 2) + '\n');
  if (!have('pflogsumm')) console.log('\npflogsumm is not installed: apt-get install pflogsumm');
  if (!sisimai) console.log('Sisimai is not installed: apt-get install libsisimai-perl');
}

await main();
