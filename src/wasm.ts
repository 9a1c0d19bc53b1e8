/**
 * The WebAssembly module built by `npm run build` from assembly/ (scripts/build-wasm.mjs: the line
 * scanner and the recipient ledger, assembly/engine.ts), loaded next to this file, and the parts
 * of the APIs used with it.
 */

import { readFileSync } from 'node:fs';

/** The module at `url` (a .wasm file the build puts there), compiled; `what` names it in the error when missing. */
function compileWasm(url: URL, what: string): WebAssembly.Module {
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch {
    throw new Error(`${what} ${url.pathname} is missing: run 'npm run build'`);
  }
  return new WebAssembly.Module(bytes);
}

/** The ledger's `logged` (assembly/ledger.ts): bytes that are not an address read as normaliseAddress reads it (read them as a string). */
export const LOGGED_FALLBACK = -1;
/** The ledger's `logged`: an address without a domain (a delivery the correlator drops). */
export const LOGGED_DROPPED = -2;
/** The scanner's lookup (ReadOptions.deliveryLedger): an address `logged` reads, of a recipient not numbered yet. */
export const LOGGED_UNKNOWN = -3;

let engine: WebAssembly.Module | undefined;

/**
 * A new instance of the module (compiled once per thread). Each wrapper (LineScanner,
 * RecipientLedger) reads the exports it uses; one instance may serve both (see engine.ts).
 */
export function newEngine(): WebAssembly.Instance {
  engine ??= compileWasm(new URL('./engine.wasm', import.meta.url), 'the WebAssembly module');
  return new WebAssembly.Instance(engine, {});
}

declare module 'node:buffer' {
  interface Buffer {
    /** Bytes [start, end) as Latin-1: what toString('latin1', start, end) calls, without its argument checks. */
    latin1Slice(start: number, end: number): string;
  }
}

declare global {
  /** The part of the WebAssembly JavaScript API used here (the project's libs have no DOM types). */
  namespace WebAssembly {
    class Module { constructor(bytes: Uint8Array) }
    class Instance { constructor(module: Module, imports: object); readonly exports: Record<string, unknown> }
    class Memory { readonly buffer: ArrayBuffer }
    class Global { readonly value: unknown }
  }
}
