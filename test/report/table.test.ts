/** The terminal tables drawn in parts (src/report/table.ts) read exactly as one cli-table3 table. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Table from 'cli-table3';
import { autoWidthTable, fixedWidthTable, fixedWidthTableParts, renderTableParts, TABLE_PART_ROWS } from '../../src/report/table.js';
import { analyze } from '../../src/correlate/index.js';
import { resolveContext } from '../../src/correlate/context.js';
import type { Report } from '../../src/report/index.js';
import { fixture } from '../helpers/paths.js';
import { HEAVY } from '../hostile/helpers.js';

test('a fixed-width table drawn in parts is the text of one table, whatever its cells', () => {
  const head = ['domain', 'recipient', 'n', 'evidence'];
  const widths = [14, 22, 5, 40];
  const rows: Table.HorizontalTableRow[] = [];
  for (let i = 0; i < TABLE_PART_ROWS * 2 + 37; i++) {
    rows.push([
      `d${i}.example`,
      i % 11 === 0 ? '' : `user.with.a.long.name${i}@d${i}.example`,
      i,
      `refused ${i % 5} times by mx${i % 3}.example [192.0.2.${i % 250}]${i % 7 === 0 ? '\nadd: X500:/o=ExchangeLabs/ou=Exchange Administrative Group' : ''}${i % 13 === 0 ? ' 受信者不明 ✓' : ''}`,
    ]);
  }
  const one = new Table({ head, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true, colWidths: widths });
  one.push(...rows);
  assert.equal(fixedWidthTable(head, widths, rows), one.toString());
  for (const n of [0, 1, TABLE_PART_ROWS, TABLE_PART_ROWS + 1]) {
    const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true, colWidths: widths });
    t.push(...rows.slice(0, n));
    assert.equal(fixedWidthTable(head, widths, rows.slice(0, n)), t.toString(), `${n} rows`);
  }
});

test('a table sized to its cells is the text cli-table3 draws, ASCII or not, one row or thousands', () => {
  const head = ['input', 'format', 'records', 'events', 'unrecognised'];
  const ascii: Table.HorizontalTableRow[] = [];
  for (let i = 0; i < TABLE_PART_ROWS + 50; i++) ascii.push([`inputs/bounces/cur/1732700${i}.M${i}P1:2,S`, i % 3 ? 'dsn' : 'postfix', i * 7, i % 4, i % 9 ? 0 : `${i} (first at line ${i + 1})`]);
  const wide: Table.HorizontalTableRow[] = [['Postfächer/受信.log', 'postfix', 12, 3, 0], ['logs/mail.log', 'postfix', 1, 0, 0]];
  for (const rows of [ascii, ascii.slice(0, 1), [], wide]) {
    const one = new Table({ head, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true });
    one.push(...rows);
    assert.equal(autoWidthTable(head, rows), one.toString(), `${rows.length} rows`);
  }
});

test('property: tables drawn directly are the text cli-table3 draws (wrapped, cut, padded)', () => {
  // Only characters one column wide: the cells the direct drawing takes (others go to cli-table3 itself).
  const piece = fc.constantFrom('a', 'word', 'evidence', 'x'.repeat(35), ' ', '  ', '\n', '\n\n', '—', '…', 'é', 'ñ', '0', '550 5.1.1', '[192.0.2.1]', 'user@example.com', '\u00a0', '“quoted”');
  const cell = fc.oneof(fc.array(piece, { maxLength: 12 }).map((a) => a.join('')), fc.integer({ min: 0, max: 99999 }));
  const shape = fc.record({
    widths: fc.array(fc.integer({ min: 3, max: 30 }), { minLength: 1, maxLength: 5 }),
    rows: fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 8 }),
  });
  fc.assert(fc.property(shape, ({ widths, rows }) => {
    const head = widths.map((_, i) => `col ${i}`);
    const cut = rows.map((r) => r.slice(0, widths.length));
    const one = new Table({ head, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true, colWidths: widths });
    one.push(...cut);
    assert.equal(fixedWidthTable(head, widths, cut), one.toString());
    const auto = new Table({ head, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true });
    auto.push(...cut);
    assert.equal(autoWidthTable(head, cut), auto.toString());
  }), { numRuns: Number(process.env.FUZZ_RUNS ?? (HEAVY ? 300 : 100)), seed: Number(process.env.FUZZ_SEED ?? 20261128) });
});

test('a fixed-width table comes in parts of its rows, each drawn its own way, that read as one table', () => {
  const head = ['domain', 'recipient', 'evidence'];
  const widths = [14, 22, 40];
  // The first part's cells are all one column wide each (drawn directly), the second has one that
  // is not (drawn by cli-table3), the third is plain again and short.
  const rows: Table.HorizontalTableRow[] = [];
  for (let i = 0; i < TABLE_PART_ROWS * 2 + 9; i++) {
    rows.push([`d${i}.example`, `user${i}@d${i}.example`, `refused by mx${i % 3}.example [192.0.2.${i % 250}]${i === TABLE_PART_ROWS + 5 ? ' 受信者不明' : ''}`]);
  }
  const one = new Table({ head, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true, colWidths: widths });
  one.push(...rows);
  let asked = 0;
  const lazily = function* (): Generator<Table.HorizontalTableRow> { for (const r of rows) { asked++; yield r; } };
  const parts: string[] = [];
  for (const part of fixedWidthTableParts(head, widths, lazily())) {
    parts.push(part);
    // A part is drawn when its rows are in: never more than a part's rows ahead.
    assert.ok(asked <= parts.length * TABLE_PART_ROWS + TABLE_PART_ROWS, `${asked} rows taken for ${parts.length} parts`);
  }
  assert.equal(parts.length, 3);
  assert.equal(parts.join(''), one.toString());
});

test('the terminal view of many findings comes in pieces, its findings table the text of one table', async () => {
  const r = await analyze([fixture('incident', 'inputs')], await resolveContext({ cutover: ['2024-11-27T09:00:00Z'], oldMx: ['mx1.old.example', '192.0.2.10'], newMx: ['example-com.mail.protection.outlook.com'] }), { year: 2024 });
  assert.ok(r.findings.length > 0);
  const findings = Array.from({ length: TABLE_PART_ROWS * 3 }, (_, i) => ({ ...r.findings[i % r.findings.length]!, recipient: `user${i}@example.com` }));
  const report: Report = { ...r, findings, context: { cutover: { given: ['2024-11-27T09:00:00.000Z'], assumedUtc: false }, oldMx: [], newMx: [], domainScope: r.scope } };
  const pieces = [...renderTableParts(report)];
  const text = pieces.join('');
  assert.ok(Math.max(...pieces.map((p) => p.length)) < text.length / 3, 'no piece holds a third of the view');
  // The text of one table (fixedWidthTable is cli-table3's text, tested above; cli-table3 itself takes seconds for this many rows).
  const rows = findings.map((f): Table.HorizontalTableRow => [f.domain, f.recipient, f.cause, f.confidence, f.events, f.offsetFirst ?? f.firstSeen.slice(0, 16), f.evidence + (f.x500 ? `\nadd: ${f.x500}` : '')]);
  const one = fixedWidthTable(['domain', 'recipient', 'cause', 'conf.', 'n', 'first', 'evidence'], [18, 30, 21, 8, 4, 10, 60], rows);
  assert.ok(text.includes(`\n${one}\n\nWhat to do:\n`), 'the findings table reads as one table');
});
