// Compiles the WebAssembly modules — the line scanner (assembly/postfix-scan.ts) and the
// correlator's recipient ledger (assembly/ledger.ts) — next to the compiled JavaScript that loads
// them, in each output folder given (dist, .test-build/src). Skipped for a folder whose module is
// newer than its source.
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const MODULES = [
  { source: 'assembly/postfix-scan.ts', output: path.join('ingest', 'postfix-scan.wasm') },
  { source: 'assembly/ledger.ts', output: path.join('correlate', 'ledger.wasm') },
];
const mtime = (f) => { try { return statSync(f).mtimeMs; } catch { return -1; } };
for (const { source, output } of MODULES) {
  const targets = process.argv.slice(2).map((dir) => path.join(dir, output));
  const stale = targets.filter((t) => mtime(t) < mtime(source));
  if (!stale.length) continue;
  const [first, ...rest] = stale;
  mkdirSync(path.dirname(first), { recursive: true });
  const asc = path.join('node_modules', '.bin', 'asc');
  execFileSync(asc, [source, '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--outFile', first], { stdio: 'inherit' });
  for (const t of rest) { mkdirSync(path.dirname(t), { recursive: true }); copyFileSync(first, t); }
}
