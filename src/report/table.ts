/**
 * The terminal view of `analyze`: context, inputs, a summary per domain, the findings, what to do
 * per cause, and an hourly timeline of user-unknown attempts around each cutover. Every text that
 * came from a log passes through terminalText (no control characters reach the terminal).
 */

import Table from 'cli-table3';
import stringWidth from 'string-width';
import { CAUSE_INFO } from '../correlate/causes.js';
import { CAUSES } from '../correlate/finding.js';
import { TIMELINE_HOURS_BEFORE } from '../correlate/summary.js';
import { terminalText as t } from './cells.js';
import type { Report } from './index.js';

const PLAIN: { head: string[]; border: string[] } = { head: [], border: [] };
const BARS = ' ▁▂▃▄▅▆▇█';

function table(head: string[], colWidths?: number[], wordWrap = true): Table.Table {
  return new Table({ head, style: { ...PLAIN }, wordWrap, wrapOnWordBoundary: true, ...(colWidths ? { colWidths } : {}) });
}

/** Rows per cli-table3 table when a table has fixed column widths (see fixedWidthTable). */
export const TABLE_PART_ROWS = 200;

/** Columns a line takes: its length when each character is one column (string-width builds a regex per call). */
function displayWidth(line: string): number {
  return isPlainCell(line) ? line.length : stringWidth(line);
}

/**
 * A table sized to its cells, drawn like fixedWidthTable. The widths are the ones
 * cli-table3 would choose: the widest line of each column (as string-width measures it, the
 * library cli-table3 measures with) plus one space of padding on each side. Cells reach here free
 * of control characters (terminalText), so there are no escape codes to discount.
 */
export function autoWidthTable(head: string[], rows: Table.HorizontalTableRow[]): string {
  const cells = [head, ...rows].map((row) => row.map(cellText));
  const widths = head.map(() => 1);
  for (const row of cells) {
    row.forEach((cell, i) => {
      for (const line of cell.split('\n')) widths[i] = Math.max(widths[i] ?? 1, displayWidth(line) + 2);
    });
  }
  if (cells.every((row) => row.every(isPlainCell))) return plainGrid(cells, widths, false);
  // Every line fits its column: no wrapping to compute (cli-table3 measures each word to wrap).
  return fixedWidthTable(head, widths, rows, false);
}

/** A cell's text as cli-table3 takes it: primitives as strings, anything absent as empty. */
function cellText(c: Table.Cell): string {
  return c === undefined || c === null || c === '' ? '' : String(c);
}

/**
 * Text whose width in columns is its length: printable ASCII, Latin-1 and Latin Extended letters,
 * and the dashes, quotes and ellipsis of General Punctuation (each one column wide for
 * string-width; no combining marks, joiners or variation selectors), and line breaks.
 */
function isPlainCell(c: string): boolean {
  return /^[\x20-\x7e\n\u00a0-\u02ff\u2010-\u2027]*$/.test(c);
}

/**
 * cli-table3's word wrap (utils.wordWrap, wrapOnWordBoundary) for text whose width is its length:
 * greedy, a word longer than the line alone on its line, empty lines dropped.
 */
function wrapWords(max: number, text: string): string[] {
  const out: string[] = [];
  for (const input of text.split('\n')) {
    const split = input.split(/(\s+)/g);
    let line: string[] = [];
    let length = 0;
    let space: string | undefined;
    for (let i = 0; i < split.length; i += 2) {
      const word = split[i]!;
      let next = length + word.length;
      if (length > 0 && space) next += space.length;
      if (next > max) {
        if (length !== 0) out.push(line.join(''));
        line = [word];
        length = word.length;
      } else {
        line.push(space || '', word);
        length = next;
      }
      space = split[i + 1];
    }
    if (length) out.push(line.join(''));
  }
  return out;
}

/**
 * The grid cli-table3 draws (default characters, one space of padding, top-aligned, left-aligned,
 * no spans) for cells whose width is their length (isPlainCell), drawn directly: cli-table3
 * spends ~100 µs a cell measuring text (string-width builds its regexes on every call), seconds
 * for a large report.
 * With `wrap`, cells are word-wrapped to their column as cli-table3 does and a line still too long
 * is cut with `…`; without, each cell's lines must fit. test/report/table.test.ts compares the text
 * with cli-table3's on many tables.
 */
function plainGrid(rows: string[][], widths: number[], wrap: boolean): string {
  const rule = (left: string, mid: string, right: string): string => left + widths.map((w) => '─'.repeat(w)).join(mid) + right;
  const out = [rule('┌', '┬', '┐')];
  rows.forEach((row, y) => {
    if (y > 0) out.push(rule('├', '┼', '┤'));
    const lines = widths.map((w, x) => (wrap ? wrapWords(w - 2, row[x] ?? '') : (row[x] ?? '').split('\n')));
    const height = Math.max(1, ...lines.map((l) => l.length));
    for (let n = 0; n < height; n++) {
      out.push('│' + widths.map((w, x) => {
        const text = lines[x]![n];
        if (text === undefined) return ' '.repeat(w);
        const room = w - 2;
        return ` ${(text.length > room ? text.slice(0, room - 1) + '…' : text).padEnd(room)} `;
      }).join('│') + '│');
    }
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}

/**
 * A table with fixed column widths, drawn TABLE_PART_ROWS rows at a time: a part whose cells all
 * have a width equal to their length directly (plainGrid), any other by cli-table3, which checks
 * each cell against every cell above it (for row spans), so that one table of n rows cost n²,
 * seconds for the findings of a 100 MB log. The parts are joined where one's bottom border meets the
 * next one's top border, which gives the text a single table would (test/report/table.test.ts).
 */
export function fixedWidthTable(head: string[], colWidths: number[], rows: Table.HorizontalTableRow[], wordWrap = true): string {
  return [...fixedWidthTableParts(head, colWidths, rows, wordWrap)].join('');
}

/**
 * fixedWidthTable's text in pieces of TABLE_PART_ROWS rows, each drawn once its rows are taken from
 * `rows` (which may make them as they are asked for). The findings of a gigabyte of log are tens of
 * thousands of rows: drawn as one text, every row's cells and lines were held at once (the default
 * view of the bench's 1 GB log peaked at 362 MiB, 214 MiB in parts).
 */
export function* fixedWidthTableParts(head: string[], colWidths: number[], rows: Iterable<Table.HorizontalTableRow>, wordWrap = true): Generator<string> {
  let held: string | undefined;
  let batch: Table.HorizontalTableRow[] = [];
  let first = true;
  const draw = (): string => {
    const part = drawPart(first ? head : undefined, colWidths, batch, wordWrap);
    first = false;
    batch = [];
    return part;
  };
  const next = (part: string): string | undefined => {
    // The part's top border `┌─┬─┐` becomes the separator `├─┼─┤` under the part before, whose bottom border goes.
    const out = held === undefined ? undefined : held.slice(0, held.lastIndexOf('\n') + 1);
    if (out === undefined) held = part;
    else {
      const nl = part.indexOf('\n');
      held = part.slice(0, nl).replace('┌', '├').replace(/┬/g, '┼').replace('┐', '┤') + part.slice(nl);
    }
    return out;
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length === TABLE_PART_ROWS) { const out = next(draw()); if (out !== undefined) yield out; }
  }
  if (first || batch.length) { const out = next(draw()); if (out !== undefined) yield out; }
  yield held!;
}

/** One part of fixedWidthTableParts: its rows under `head` (the first part), or under a top border. */
function drawPart(head: string[] | undefined, colWidths: number[], rows: Table.HorizontalTableRow[], wordWrap: boolean): string {
  const cells = (head ? [head, ...rows] : rows).map((row) => row.map(cellText));
  if (wordWrap && cells.every((row) => row.every(isPlainCell))) return plainGrid(cells, colWidths, true);
  const part = head ? table(head, colWidths, wordWrap) : new Table({ style: { ...PLAIN }, wordWrap, wrapOnWordBoundary: true, colWidths });
  part.push(...rows);
  return part.toString();
}

/** A line of the view, with its newline. */
function line(text: string): string {
  return `${text}\n`;
}

/** The terminal view as one text (renderTableParts joined). */
export function renderTable(r: Report): string {
  return [...renderTableParts(r)].join('');
}

/**
 * The terminal view in pieces: each line with its newline, the large tables a part at a time
 * (fixedWidthTableParts), so that the findings of a large log are never one text.
 */
export function* renderTableParts(r: Report): Generator<string> {
  const c = r.context;
  yield line('bouncelens analyze');
  yield line(`  cutover: ${c.cutover.given.length ? c.cutover.given.join(', ') + (c.cutover.assumedUtc ? ' (no offset given: read as UTC)' : '') : 'not given — inferred per domain where the evidence allows'}`);
  yield line(`  old MX: ${c.oldMx.length ? c.oldMx.join(', ') : '(none given)'}`);
  yield line(`  new MX: ${c.newMx.length ? c.newMx.join(', ') : '(none given)'}`);
  yield line(`  domains: ${c.domainScope === 'given' ? 'as given with --domain' : c.domainScope === 'host lists' ? 'those answered by a listed old or new host, or in the user lists' : 'every domain seen (no host lists given)'}`);
  if (c.since || c.until) yield line(`  reported window: ${c.since ?? '…'} to ${c.until ?? '…'}`);
  yield line('');

  // A Maildir makes this a table of thousands of rows: sized and drawn in parts.
  const inputRows: Table.HorizontalTableRow[] = r.inputs.map((s) => [t(s.file), s.format ?? '?', s.records, s.events, s.unrecognised ? `${s.unrecognised} (first at line ${s.firstUnrecognised})` : 0]);
  yield autoWidthTable(['input', 'format', 'records', 'events', 'unrecognised'], inputRows) + '\n\n';

  if (r.domains.length === 0) {
    yield 'No domain in scope: no event was answered by a listed host (check --old-mx/--new-mx/--domain).\n';
    return;
  }
  const domainRows = function* (): Generator<Table.HorizontalTableRow> {
    for (const d of r.domains) {
      const cut = d.cutover.time ? `${d.cutover.time} (${d.cutover.how}, ${d.cutover.confidence})` : `unknown: ${d.cutover.evidence}`;
      const classes = Object.entries(d.byClass).map(([k, v]) => `${k} ${v}`).join('\n') || '-';
      const causes = Object.entries(d.findingsByCause).map(([k, v]) => `${k} ${v}`).join('\n') || 'none';
      const stale = [d.staleMxStopped ? `old host last answered ${d.staleMxStopped}` : '', d.connectionFailuresToOldAfterCutover ? `${d.connectionFailuresToOldAfterCutover} connection failures to old hosts after cutover` : '', d.looksNotAccepted ? 'looks NOT ACCEPTED at the new host' : '', d.dns ? `DNS: ${d.dns.verdict}` : ''].filter(Boolean).join('\n') || '-';
      yield [t(d.domain), t(cut), classes, causes, stale];
    }
  };
  yield* fixedWidthTableParts(['domain', 'cutover', 'attempts by class', 'findings by cause', 'stale MX'], [22, 34, 30, 30, 22], domainRows());
  yield '\n\n';
  for (const d of r.domains) if (d.cutover.how === 'inferred') yield line(`  ${t(d.domain)}: cutover inferred — ${t(d.cutover.evidence)}`);
  for (const d of r.domains) if (d.dns) yield line(`  ${t(d.domain)}: DNS at ${d.dns.checkedAt}: ${d.dns.verdict} — ${t(d.dns.detail)}`);
  if (r.domains.some((d) => d.cutover.how === 'inferred' || d.dns)) yield line('');

  if (r.findings.length === 0) {
    yield line('No findings: no user-unknown or domain-refusal attempt in the domains in scope.');
  } else {
    const findingRows = function* (): Generator<Table.HorizontalTableRow> {
      for (const f of r.findings) {
        yield [t(f.domain), t(f.recipient), f.cause, f.confidence, f.events, f.offsetFirst ?? f.firstSeen.slice(0, 16), t(f.evidence) + (f.x500 ? `\nadd: ${t(f.x500)}` : '')];
      }
    };
    yield* fixedWidthTableParts(['domain', 'recipient', 'cause', 'conf.', 'n', 'first', 'evidence'], [18, 30, 21, 8, 4, 10, 60], findingRows());
    yield '\n\n';
    yield line('What to do:');
    for (const cause of CAUSES) {
      if (r.findings.some((f) => f.cause === cause)) yield line(`  ${cause} — ${CAUSE_INFO[cause].title}: ${CAUSE_INFO[cause].fix}`);
    }
    yield line('');
  }

  const byDomain = new Map<string, number[]>();
  for (const row of r.timeline) {
    let list = byDomain.get(row.domain);
    if (!list) byDomain.set(row.domain, (list = []));
    list.push(row.userUnknown);
  }
  const active = [...byDomain].filter(([, counts]) => counts.some((n) => n > 0));
  if (active.length) {
    yield line('User-unknown attempts per hour, 24 h before to 72 h after the cutover (| marks the cutover):');
    const width = Math.max(...active.map(([d]) => d.length));
    for (const [domain, counts] of active) {
      const max = Math.max(...counts);
      const bars = counts.map((n) => (n === 0 ? '·' : BARS[Math.max(1, Math.ceil((n / max) * 8))]!)).join('');
      yield line(`  ${t(domain).padEnd(width)}  ${bars.slice(0, TIMELINE_HOURS_BEFORE)}|${bars.slice(TIMELINE_HOURS_BEFORE)}  max ${max}/h`);
    }
    yield line(`  ${''.padEnd(width)}  -24h${' '.repeat(TIMELINE_HOURS_BEFORE - 4)}T${' '.repeat(23)}+24h${' '.repeat(20)}+48h${' '.repeat(20)}+72h`);
  }
}
