/** `npm run corpus`: score the bounce reader on ../shared/corpus/dsn and print the figures. */

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
