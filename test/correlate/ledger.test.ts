/**
 * The recipient ledger (assembly/ledger.ts via src/correlate/ledger.ts): a recipient logged as
 * bytes gets the number its normalised string gets, numbers follow first sight, and nothing is
 * lost or mixed up as its tables and memory grow.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOGGED_DROPPED, LOGGED_FALLBACK, RecipientLedger } from '../../src/correlate/ledger.js';
import { normaliseAddress } from '../../src/address.js';
import { namesLegacyDn } from '../../src/ingest/event.js';

/** The ledger's reading of `raw` as the bytes of a log line, checked against the string path (normaliseAddress, then domain and recipient). */
function assertLoggedAsString(ledger: RecipientLedger, raw: string): number {
  const bytes = Buffer.concat([Buffer.from('to=<'), Buffer.from(raw, 'latin1'), Buffer.from('>, relay=')]);
  const id = ledger.logged(bytes, 4, 4 + Buffer.byteLength(raw, 'latin1'));
  if (id === LOGGED_FALLBACK) return id;
  const n = normaliseAddress(raw);
  if (id === LOGGED_DROPPED) {
    assert.equal(n.domain, '', `${JSON.stringify(raw)}: dropped, so without a domain`);
    return id;
  }
  const domain = ledger.lastDomain();
  assert.ok(!namesLegacyDn(n.address, undefined), `${JSON.stringify(raw)}: an IMCEAEX address is left to the string path`);
  assert.equal(ledger.domainName(domain), n.domain, `${JSON.stringify(raw)}: domain`);
  assert.equal(ledger.domain(n.domain), domain, `${JSON.stringify(raw)}: the domain's number`);
  assert.equal(ledger.recipient(domain, n.address.toLowerCase(), n.address), id, `${JSON.stringify(raw)}: the recipient's number`);
  return id;
}

test('a logged recipient gets the number of its normalised string: case, a final dot, and what is left to the string path', () => {
  const ledger = new RecipientLedger();
  const anna = assertLoggedAsString(ledger, 'anna@example.com');
  assert.equal(anna, 0);
  assert.equal(assertLoggedAsString(ledger, 'anna@EXAMPLE.com.'), anna, 'the domain lower-cased, one final dot dropped');
  assert.equal(ledger.address(anna), 'anna@example.com');
  const ben = assertLoggedAsString(ledger, 'Ben.Smith@Example.COM');
  assert.equal(ben, 1);
  assert.equal(ledger.address(ben), 'Ben.Smith@example.com', 'the local part kept as written, the domain lower-cased');
  assert.equal(assertLoggedAsString(ledger, 'ben.smith@example.com'), ben, 'one recipient whatever the case');
  assert.equal(ledger.address(ben), 'Ben.Smith@example.com', 'as first written');
  assert.equal(assertLoggedAsString(ledger, 'a@b@example.net'), 2, 'the domain after the last @');
  assert.equal(ledger.domainName(ledger.lastDomain()), 'example.net');
  assert.equal(assertLoggedAsString(ledger, '@example.org'), 3, 'an empty local part is an address (normaliseAddress keeps it)');
  for (const raw of ['postmaster', 'anna@', 'anna@.']) assert.equal(assertLoggedAsString(ledger, raw), LOGGED_DROPPED, raw);
  for (const raw of ['', '<anna@example.com>', 'rfc822;anna@example.com', 'RFC822;anna@example.com', 'IMCEAEX-_O=ORG_OU=EXCHANGE@example.com', 'anna smith@example.com', 'anna\t@example.com', 'ann\x7f@example.com', 'jos\xe9@example.com', `${'a'.repeat(503)}@x.example`]) {
    assert.equal(assertLoggedAsString(ledger, raw), LOGGED_FALLBACK, JSON.stringify(raw));
  }
  assert.equal(assertLoggedAsString(ledger, `${'a'.repeat(502)}@x.example`), 4, 'the longest address read here (512 characters; normaliseAddress cuts longer ones)');
  assert.equal(ledger.size, 5);
});

test('property: any logged recipient gets the number and spelling its normalised string gets, seen first as bytes or as a string', () => {
  const piece = fc.constantFrom('a', 'B', 'z', '@', '.', '-', '_', '+', 'rfc822;', 'RFC822; ', 'imceaex-', 'IMCEAEX-', '<', '>', ' ', '\t', '\x01', '\xe9', '\xff', 'example', 'EXAMPLE', '.COM', '..');
  const raw = fc.array(piece, { maxLength: 12 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(raw, { minLength: 1, maxLength: 20 }), fc.boolean(), (raws, stringFirst) => {
    const ledger = new RecipientLedger();
    for (const r of raws) {
      const n = normaliseAddress(r);
      if (stringFirst && n.domain) ledger.recipient(ledger.domain(n.domain), n.address.toLowerCase(), n.address);
      const id = assertLoggedAsString(ledger, r);
      if (id >= 0 && !stringFirst) assert.equal(ledger.address(id).toLowerCase(), n.address.toLowerCase());
    }
  }), { numRuns: 300, seed: 11 });
});

test('strings that are not ASCII: equal only when equal, lone surrogates included; the spelling read back as written', () => {
  const ledger = new RecipientLedger();
  const d = ledger.domain('bücher.example');
  assert.equal(ledger.domain('bücher.example'), d);
  assert.notEqual(ledger.domain('bucher.example'), d);
  assert.equal(ledger.domainName(d), 'bücher.example');
  const jose = ledger.recipient(d, 'josé@bücher.example', 'JOSÉ@bücher.example');
  assert.equal(ledger.recipient(d, 'josé@bücher.example', 'josé@bücher.example'), jose);
  assert.equal(ledger.address(jose), 'JOSÉ@bücher.example');
  const a = ledger.recipient(d, '\ud800@bücher.example', '\ud800@bücher.example');
  const b = ledger.recipient(d, '\ud801@bücher.example', '\ud801@bücher.example');
  assert.notEqual(a, b, 'UTF-8 would have made both U+FFFD');
  assert.equal(ledger.address(b), '\ud801@bücher.example');
  const latin = ledger.recipient(d, '\xff@x', '\xff@x');
  assert.notEqual(ledger.recipient(d, '\xfe@x', '\xfe@x'), latin);
  assert.equal(ledger.address(latin), '\xff@x');
});

test('growth: a quarter of a million recipients over 3,000 domains keep their numbers, spellings and domains', () => {
  const ledger = new RecipientLedger();
  const N = 250_000, D = 3_000;
  const domains: number[] = [];
  for (let i = 0; i < D; i++) domains.push(ledger.domain(`d${i}.example`));
  assert.deepEqual(domains.slice(0, 3), [0, 1, 2]);
  const address = (i: number): string => `User.${i}@d${i % D}.example`;
  for (let i = 0; i < N; i++) assert.equal(ledger.recipient(domains[i % D]!, address(i).toLowerCase(), address(i)), i);
  // The same local part under another domain is another recipient.
  assert.equal(ledger.recipient(domains[1]!, 'user.0@d0.example', 'user.0@d0.example'), N);
  const bytes = Buffer.from(`to=<${address(123_457).toLowerCase()}>`);
  assert.equal(ledger.logged(bytes, 4, bytes.length - 1), 123_457);
  // Every one, after the tables were outgrown and their memory handed out again to later recipients.
  for (let i = 0; i < N; i++) {
    if (ledger.address(i) !== address(i)) assert.fail(`recipient ${i}: ${ledger.address(i)}`);
    if (ledger.recipient(domains[i % D]!, address(i).toLowerCase(), 'ignored') !== i) assert.fail(`recipient ${i} found as another`);
  }
  assert.equal(ledger.size, N + 1, 'none added by looking them up again');
  const { starts, ids } = ledger.byDomain();
  assert.equal(ids.length, N + 1);
  const of7 = [...ids.subarray(starts[7]!, starts[8]!)];
  assert.equal(of7.length, Math.ceil((N - 7) / D));
  assert.deepEqual(of7.slice(0, 3), [7, 3_007, 6_007], 'in number order');
  assert.deepEqual([...ids.subarray(starts[1]!, starts[1]! + 2)], [1, 3_001]);
  assert.equal(ids[starts[2]! - 1], N, 'the other recipient of d1, last');
});

test('an address under a domain not its own is another recipient, which the bytes logged never find', () => {
  const ledger = new RecipientLedger();
  const com = ledger.domain('example.com'), co = ledger.domain('example.co');
  // An event may name a domain apart from its recipient (one address under two domains).
  const apart = ledger.recipient(com, 'anna@example.co', 'anna@example.co');
  const apartToo = ledger.recipient(co, 'anna@example.com', 'anna@example.com');
  const bytes = Buffer.from('anna@example.co');
  const own = ledger.logged(bytes, 0, bytes.length);
  assert.deepEqual([apart, apartToo, own, ledger.lastDomain()], [0, 1, 2, co]);
  assert.equal(ledger.recipient(co, 'anna@example.co', 'x'), own, 'the string under its own domain: the same recipient');
  assert.equal(ledger.logged(Buffer.from('ANNA@example.com'), 0, 16), 3);
  assert.equal(ledger.lastDomain(), com);
  assert.equal(ledger.recipient(com, 'anna@example.com', 'x'), 3);
  assert.equal(ledger.address(3), 'ANNA@example.com');
});
