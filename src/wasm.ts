/**
 * The WebAssembly modules built by `npm run build` from assembly/ (scripts/build-wasm.mjs), loaded
 * next to the JavaScript that uses them, and the parts of the APIs used with them.
 */

import { readFileSync } from 'node:fs';

/** The module at `url` (a .wasm file the build puts there), compiled; `what` names it in the error when missing. */
export function compileWasm(url: URL, what: string): WebAssembly.Module {
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch {
    throw new Error(`${what} ${url.pathname} is missing: run 'npm run build'`);
  }
  return new WebAssembly.Module(bytes);
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
