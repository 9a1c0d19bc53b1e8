import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createClassifier, classify } from '../../src/classify/classify.js';
import { checkSafeRegex, compileSignature, normaliseInput, type Signature } from '../../src/classify/compile.js';
import { replyCodes } from '../../src/classify/status.js';
import { SIGNATURES } from '../../src/classify/signatures.js';

test('every signature sample lands on its own row, not an earlier one', () => {
  for (const row of SIGNATURES) {
    const c = classify({ ...row.sample });
    assert.equal(c.signature, row.id, `sample of '${row.id}' matched '${c.signature}'`);
    assert.equal(c.class, row.class);
  }
});

test('signature ids are unique and every row names its source', () => {
  const ids = SIGNATURES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of SIGNATURES) assert.ok(r.source.length > 5 && r.explanation.length > 5, r.id);
});

test('vendors reuse codes: 556 5.1.10 null MX vs 550 5.1.10 RecipientNotFound', () => {
  assert.equal(classify({ smtpCode: '556', status: '5.1.10', text: '556 5.1.10 <x@example.com>: Recipient address rejected: Domain example.com does not accept mail (nullMX)' }).class, 'host-unknown');
  assert.equal(classify({ smtpCode: '550', status: '5.1.10', text: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup' }).class, 'user-unknown');
  assert.equal(classify({ smtpCode: '550', status: '5.4.1', text: '550 5.4.1 Relay Access Denied ATTR35 [AM0PR01.eurprd01.prod.outlook.com]' }).class, 'domain-not-accepted');
  assert.equal(classify({ smtpCode: '550', status: '5.4.1', text: '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)' }).class, 'user-unknown');
});

test('sender-side refusals are never user-unknown', () => {
  assert.equal(classify({ text: '550 5.1.1 <a@b.example>: Sender address rejected: User unknown in local recipient table' }).class, 'policy');
  assert.equal(classify({ text: 'sender verify fail for <x@y.example>: Unknown user' }).class, 'policy');
});

test('delivered is always none; IMCEAEX recipients are user-unknown', () => {
  assert.equal(classify({ outcome: 'delivered', text: '250 User unknown but ok' }).class, 'none');
  assert.equal(classify({ recipient: 'IMCEAEX-_O=EXAMPLE_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=JDOE@example.com', text: '' }).signature, 'exchange-imceaex');
});

test('user rows are tried before the built-in table; unsafe regexes are refused', () => {
  const c = createClassifier([{ id: 'acme-unknown', class: 'user-unknown', vendor: 'Acme', phrases: ['no such inbox'], explanation: 'x', sample: { text: '' }, source: 'x' }]);
  assert.equal(c.classify({ text: '550 No such inbox, sorry' }).signature, 'acme-unknown');
  assert.throws(() => checkSafeRegex('(a+)+$', 'x'), /quantified group/);
  assert.throws(() => checkSafeRegex('(a|aa)*b', 'x'), /quantified group/);
  assert.throws(() => checkSafeRegex('(\\w)\\1', 'x'), /backreference/);
  assert.ok(checkSafeRegex('^550 [a-z]+ unknown', 'x') instanceof RegExp);
});

test('replyCodes takes the last code pair of a flattened multi-line reply', () => {
  assert.deepEqual(replyCodes('550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp'), { smtpCode: '550', status: '5.1.1' });
  assert.deepEqual(replyCodes('511 sorry, no mailbox here by that name (#5.1.1 - chkuser)'), { smtpCode: '511', status: '5.1.1' });
  assert.deepEqual(replyCodes('Connection refused'), { smtpCode: undefined, status: undefined });
});

test('phrases match literally, in any case: regex characters in a phrase are plain characters', () => {
  const row = { id: 'acme', class: 'user-unknown' as const, vendor: 'Acme', explanation: 'x', sample: { text: '' }, source: 'x' };
  const c = createClassifier([{ ...row, phrases: ['mailbox (a.b) [x]|y?', 'c\\d'] }]);
  assert.equal(c.classify({ text: '550 Mailbox (A.B) [X]|Y? unavailable' }).signature, 'acme');
  assert.equal(c.classify({ text: '550 c\\d' }).signature, 'acme');
  assert.notEqual(c.classify({ text: '550 mailbox (aXb) [x]|y? unavailable' }).signature, 'acme');
  assert.notEqual(c.classify({ text: '550 mailbox a.b x' }).signature, 'acme');
  assert.notEqual(c.classify({ text: '550 y' }).signature, 'acme');
  assert.notEqual(c.classify({ text: '550 c5' }).signature, 'acme');
});

test('property: the classifier finds the row that testing each row in turn finds (phrases found in one pass, PhraseIndex)', () => {
  // User rows that share phrases with the table, overlap each other and its phrases, and one with a regex too.
  const userRows: Signature[] = [
    // A phrase that ends inside longer ones of later rows ('user unknown', 'unknown user'): found only through its suffix links.
    { id: 'u-suffix', class: 'other', vendor: 'test', statuses: ['5.1.1'], phrases: ['nknown'], explanation: '', sample: { status: '5.1.1', text: 'unknown' }, source: 'test' },
    { id: 'u-overlap', class: 'policy', vendor: 'test', phrases: ['user unknown in', 'known in virt'], explanation: '', sample: { text: 'user unknown in x' }, source: 'test' },
    { id: 'u-regex', class: 'mailbox-full', vendor: 'test', phrases: ['later'], regex: 'try again \\w+', explanation: '', sample: { text: 'try again later' }, source: 'test' },
    { id: 'u-code', class: 'other', vendor: 'test', codes: ['451'], phrases: ['closing'], explanation: '', sample: { smtpCode: '451', text: 'closing' }, source: 'test' },
  ];
  const pieces = [...new Set(SIGNATURES.flatMap((r) => r.phrases ?? []).flatMap((p) => [p, p.toUpperCase(), p.slice(0, Math.ceil(p.length / 2)), p.slice(Math.floor(p.length / 2))]))];
  const text = fc.array(fc.oneof(fc.constantFrom(...pieces, ' ', '<u@d.example>', 'user unknown in virtual', 'Try again later', 'ä', '受信者'), fc.string({ maxLength: 4 })), { maxLength: 8 }).map((a) => a.join(''));
  const input = fc.record({
    smtpCode: fc.option(fc.constantFrom('550', '451', '554', '421'), { nil: undefined }),
    status: fc.option(fc.constantFrom('5.1.1', '4.2.2', '5.7.64', '5.1.10', '5.1.6', '4.7.1', '5.2'), { nil: undefined }),
    text: fc.option(text, { nil: undefined }),
    recipient: fc.constantFrom('u@d.example', 'IMCEAEX-_o=x@d.example'),
  });
  // Phrases enough that their index would be too large: each row is tested in turn instead.
  const many: Signature = { id: 'u-many', class: 'policy', vendor: 'test', phrases: Array.from({ length: 4000 }, (_, i) => `blocked by rule number ${i} of the site policy`), explanation: '', sample: { text: 'blocked by rule number 7 of the site policy' }, source: 'test' };
  assert.deepEqual(createClassifier([many]).classify({ text: 'Blocked by rule number 3999 of the site policy', outcome: 'bounced' }), { class: 'policy', signature: 'u-many' });
  for (const rows of [[], userRows, [many, ...userRows]]) {
    const classifier = createClassifier(rows);
    const compiled = [...rows.map((r) => compileSignature(r, 'test')), ...SIGNATURES.map((r) => compileSignature(r, 'built-in'))];
    fc.assert(fc.property(input, (i) => {
      const norm = normaliseInput(i);
      const row = compiled.find((c) => c.test(norm));
      assert.deepEqual(classifier.classify(i), row ? { class: row.row.class, signature: row.row.id } : { class: 'other' });
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 2000), seed: 20261129 });
  }
});

test('rows kept by reply code, status and recipient kind: a code and status that read as another pair run together keep rows of their own', () => {
  const text = '550 5.1.1 http://support.google.com/mail/bin/answer.py?answer=6596 ad1si1997204pbd.83 - gsmtp';
  // Code 5505.1 with status .1 (no status a row can match), then code 550 with status 5.1.1: the same characters in a row.
  const odd = { text, smtpCode: '5505.1', status: '.1' }, usual = { text, smtpCode: '550', status: '5.1.1' };
  const c = createClassifier();
  assert.equal(c.classify(odd).class, 'other');
  assert.equal(c.classify(usual).class, 'user-unknown');
  // And the other way round, on a classifier of its own.
  const d = createClassifier();
  assert.equal(d.classify(usual).class, 'user-unknown');
  assert.equal(d.classify(odd).class, 'other');
  // Past the keys a classifier keeps (4,096), rows are found for each reply.
  const e = createClassifier();
  for (let i = 0; i < 4100; i++) e.classify({ text, smtpCode: `9${i}`, status: '5.1.1' });
  assert.equal(e.classify(usual).class, 'user-unknown');
  assert.equal(e.classify(odd).class, 'other');
});
