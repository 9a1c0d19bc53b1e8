/**
 * The correlator's numbers for domains and recipients, kept in WebAssembly (assembly/ledger.ts):
 * a recipient is its domain and its address lower-cased, numbered in the order first seen, and keeps
 * its address as first written. A Postfix delivery's recipient is found from the bytes of its log
 * line (`logged`), without a string made; every other recipient from its string. Both give the
 * same number to the same recipient: a string is written as the bytes the log would have had
 * (ASCII as it is), and the bytes are read only where normaliseAddress would read them the same.
 */

import { newEngine } from '../wasm.js';

interface LedgerExports {
  memory: WebAssembly.Memory;
  init(): void;
  scratch(bytes: number): number;
  domain(length: number): number;
  recipient(domain: number, keyLength: number, spellLength: number): number;
  logged(length: number): number;
  loggedAt(offset: number, length: number): number;
  lastDomain(): number;
  recipients(): number;
  domains(): number;
  recipientDomain(id: number): number;
  spellingAt(id: number): number;
  spellingLength(id: number): number;
  domainAt(id: number): number;
  domainLength(id: number): number;
}

export { LOGGED_DROPPED, LOGGED_FALLBACK, LOGGED_UNKNOWN } from '../wasm.js';

const ASCII = /^[\x00-\x7f]*$/;
/** The first byte of a key that is not ASCII: its UTF-16LE code units follow (so equal strings, and only they, have equal bytes). */
const WIDE = 0xff;

export class RecipientLedger {
  private readonly wasm: LedgerExports;
  /** The module's memory; a new view after it grows. */
  private mem: Buffer;

  /** `instance`: the module instance the ledger lives in (a line scanner may run in it too, see wasm.ts). */
  constructor(readonly instance: WebAssembly.Instance = newEngine()) {
    this.wasm = instance.exports as unknown as LedgerExports;
    this.wasm.init();
    this.mem = Buffer.from(this.wasm.memory.buffer);
  }

  /** The number of the domain `name`. */
  domain(name: string): number {
    const at = this.wasm.scratch(1 + 2 * name.length);
    return this.wasm.domain(encode(this.view(), at, name));
  }

  /** The number of the recipient of domain number `domain` whose lower-cased address is `key`, written `address`. */
  recipient(domain: number, key: string, address: string): number {
    const at = this.wasm.scratch(2 + 2 * (key.length + address.length));
    const mem = this.view();
    const k = encode(mem, at, key);
    return this.wasm.recipient(domain, k, key === address ? 0 : encode(mem, at + k, address));
  }

  /**
   * The number of the recipient a Postfix line logged as bytes [start, end) of `bytes` (inside
   * `to=<…>`), its domain's number then `lastDomain()`; or LOGGED_FALLBACK, LOGGED_DROPPED.
   */
  logged(bytes: Uint8Array, start: number, end: number): number {
    const n = end - start;
    const at = this.wasm.scratch(n);
    const mem = this.view();
    // A loop: a few dozen bytes, where Buffer#copy's own checks would cost more.
    for (let i = 0; i < n; i++) mem[at + i] = bytes[start + i]!;
    return this.wasm.logged(n);
  }

  /** Whether `bytes` is a view of the instance's memory (as a line scanner's input in it is). */
  inMemory(bytes: Uint8Array): boolean {
    return bytes.buffer === this.wasm.memory.buffer;
  }

  /** As `logged`, for the `length` bytes at `offset` of the instance's own memory (a line scanner's input). */
  loggedAt(offset: number, length: number): number {
    return this.wasm.loggedAt(offset, length);
  }

  lastDomain(): number {
    return this.wasm.lastDomain();
  }

  /** Recipients numbered so far. */
  get size(): number {
    return this.wasm.recipients();
  }

  /** A recipient's address as first written. */
  address(id: number): string {
    return this.text(this.wasm.spellingAt(id), this.wasm.spellingLength(id));
  }

  domainName(id: number): string {
    return this.text(this.wasm.domainAt(id), this.wasm.domainLength(id));
  }

  /** The recipients of each domain, in number order: those of domain d are ids[starts[d]] to ids[starts[d + 1] - 1]. */
  byDomain(): { starts: Int32Array; ids: Int32Array } {
    const n = this.size, domains = this.wasm.domains();
    const of = new Int32Array(n);
    const starts = new Int32Array(domains + 1);
    for (let id = 0; id < n; id++) starts[(of[id] = this.wasm.recipientDomain(id)) + 1]!++;
    for (let d = 0; d < domains; d++) starts[d + 1]! += starts[d]!;
    const next = starts.slice(0, domains);
    const ids = new Int32Array(n);
    for (let id = 0; id < n; id++) ids[next[of[id]!]!++] = id;
    return { starts, ids };
  }

  private view(): Buffer {
    if (this.mem.buffer !== this.wasm.memory.buffer) this.mem = Buffer.from(this.wasm.memory.buffer);
    return this.mem;
  }

  private text(at: number, length: number): string {
    const mem = this.view();
    return length > 0 && mem[at] === WIDE ? mem.toString('utf16le', at + 1, at + length) : mem.latin1Slice(at, at + length);
  }
}

/** `s` written at `at` as a key's bytes; returns their number. */
function encode(mem: Buffer, at: number, s: string): number {
  if (ASCII.test(s)) return mem.write(s, at, 'latin1');
  mem[at] = WIDE;
  return 1 + mem.write(s, at + 1, 'utf16le');
}
