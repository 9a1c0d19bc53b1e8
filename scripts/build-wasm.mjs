// Compiles the WebAssembly module (assembly/engine.ts: the line scanner and the correlator's
// recipient ledger) next to the compiled JavaScript that loads it (src/wasm.ts), in each output
// folder given (dist, .test-build/src). Skipped for a folder whose module is newer than every
// source in assembly/. `--debug` keeps function names (for profiles).
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.join('assembly', 'engine.ts');
const OUTPUT = 'engine.wasm';
const mtime = (f) => { try { return statSync(f).mtimeMs; } catch { return -1; } };
const newest = Math.max(...readdirSync('assembly').map((f) => mtime(path.join('assembly', f))));
const args = process.argv.slice(2);
const debug = args.includes('--debug');
const stale = args.filter((a) => !a.startsWith('--')).map((dir) => path.join(dir, OUTPUT)).filter((t) => mtime(t) < newest);
if (stale.length) {
  const [first, ...rest] = stale;
  mkdirSync(path.dirname(first), { recursive: true });
  const asc = path.join('node_modules', '.bin', 'asc');
  execFileSync(asc, [ENTRY, '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', ...(debug ? ['--debug'] : []), '--outFile', first], { stdio: 'inherit' });
  for (const t of rest) { mkdirSync(path.dirname(t), { recursive: true }); copyFileSync(first, t); }
}
