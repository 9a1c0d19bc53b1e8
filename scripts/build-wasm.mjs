// Compiles the WebAssembly line scanner (assembly/postfix-scan.ts) next to the compiled
// src/ingest/postfix-fast.js of each output folder given (dist, .test-build/src). Skipped for a
// folder whose scanner is newer than its source.
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const source = 'assembly/postfix-scan.ts';
const targets = process.argv.slice(2).map((dir) => path.join(dir, 'ingest', 'postfix-scan.wasm'));
const mtime = (f) => { try { return statSync(f).mtimeMs; } catch { return -1; } };
const stale = targets.filter((t) => mtime(t) < mtime(source));
if (stale.length) {
  const [first, ...rest] = stale;
  mkdirSync(path.dirname(first), { recursive: true });
  const asc = path.join('node_modules', '.bin', 'asc');
  execFileSync(asc, [source, '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--outFile', first], { stdio: 'inherit' });
  for (const t of rest) { mkdirSync(path.dirname(t), { recursive: true }); copyFileSync(first, t); }
}
