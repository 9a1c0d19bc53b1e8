/** `npm run corpus`: score the bounce reader on ../shared/corpus/dsn and print the figures. */

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreCorpus } from './corpus-score.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dsnDir = process.argv[2] ?? path.resolve(root, '..', 'shared', 'corpus', 'dsn');
const started = process.hrtime.bigint();
const s = await scoreCorpus(dsnDir);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
console.log(`DSN corpus: ${s.files} files, ${s.events} events, ${seconds.toFixed(2)} s`);
console.log(`user-unknown recall     ${pct(s.userUnknownRecall)}  (${s.counts.uuFound}/${s.counts.uuExpected}; bar 97%)`);
console.log(`user-unknown precision  ${pct(s.userUnknownPrecision)}  (${s.counts.uuOursAgreeing}/${s.counts.uuOurs}; bar 97%)`);
console.log(`recipient extraction    ${pct(s.recipientExtraction)}  (${s.counts.pairsFound}/${s.counts.pairs}; bar 98%)`);
console.log(`enhanced status agrees  ${pct(s.statusAgreement)}  (${s.counts.statusSame}/${s.counts.statusPairs})`);
console.log('\nconfusion (rows: our class, columns: Sisimai reason):');
for (const [ours, row] of Object.entries(s.confusion).sort()) {
  console.log(`  ${ours.padEnd(20)} ${Object.entries(row).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r}:${n}`).join(' ')}`);
}
const show = (title: string, list: string[]): void => {
  if (!list.length) return;
  console.log(`\n${title} (${list.length}):`);
  for (const l of list.slice(0, 60)) console.log(`  ${l}`);
};
if (process.argv.includes('--details') || process.env.DETAILS) {
  show('user-unknown missed', s.missedUserUnknown);
  show('user-unknown where Sisimai says otherwise', s.falseUserUnknown);
  show('recipients missed', s.missedRecipients);
}

// Speed, side by side and interleaved: the CLI over the same folder, and Sisimai when installed.
const emails = path.join(dsnDir, 'emails');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const timed = (cmd: string[]): number => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'ignore'] });
  if (r.status !== 0 && r.status !== 1) return NaN;
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const SISIMAI_TREE = 'my @f; find(sub { push @f, $File::Find::name if -f }, $ARGV[0]); my $n = 0; for (sort @f) { my $v = Sisimai->make($_); $n += scalar(@{$v || []}) } print $n';
const hasSisimai = spawnSync('perl', ['-MSisimai', '-e', '1']).status === 0;
const ours: number[] = [], theirs: number[] = [];
for (let i = 0; i < 3; i++) {
  ours.push(timed(['node', cli, 'events', '--quiet', '--input-format', 'dsn', '--format', 'ndjson', '-o', '/dev/null', emails]));
  // Sisimai->make reads one mailbox or one folder, not a tree: it is given each file.
  if (hasSisimai) theirs.push(timed(['perl', '-MSisimai', '-MFile::Find', '-e', SISIMAI_TREE, emails]));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nspeed (median of 3, interleaved): bouncelens events ${median(ours).toFixed(2)} s` +
  (hasSisimai ? `, Sisimai ${median(theirs).toFixed(2)} s: ${(median(theirs) / median(ours)).toFixed(2)}× Sisimai` : ' (Sisimai not installed: apt-get install libsisimai-perl)'));
