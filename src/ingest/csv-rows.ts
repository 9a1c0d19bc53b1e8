/**
 * CSV records from a line stream, for the Exchange readers: `#` lines (`#Software`, `#Fields`,
 * `#TYPE`) handed to the caller in order, records whose quoted fields span lines re-joined (capped),
 * and fields parsed by csv-parse (RFC 4180: quoted commas, doubled quotes).
 */

import type { parse as Parse } from 'csv-parse/sync';
import type { LineBatch } from '../io/lines.js';

export interface CsvRecord {
  fields: string[];
  line: number;
}

export type CsvItem = { kind: 'comment'; text: string; line: number } | { kind: 'record'; record: CsvRecord } | { kind: 'bad'; line: number } | { kind: 'blank' };

/** A record may span lines inside quotes; past this many lines it is taken as broken. */
const MAX_RECORD_LINES = 50;

function quotesOpen(text: string, open: boolean): boolean {
  let o = open;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) o = !o;
  return o;
}

function parseRecords(parse: typeof Parse, texts: string[], delimiter: string): (string[] | undefined)[] {
  const opts = { delimiter, relax_quotes: true, relax_column_count: true, skip_empty_lines: false, trim: false } as const;
  try {
    const rows = parse(texts.join('\n'), opts) as string[][];
    if (rows.length === texts.length) return rows;
  } catch {
    // fall through: parse record by record to isolate the broken ones
  }
  return texts.map((t) => {
    try {
      return (parse(t, opts) as string[][])[0];
    } catch {
      return undefined;
    }
  });
}

/** Sniff the delimiter from a header line: `;` (Export-Csv -UseCulture, Excel re-saves) or `,`, or tab. */
export function sniffDelimiter(header: string): string {
  const count = (c: string): number => header.split(c).length - 1;
  const counts: [string, number][] = [[',', count(',')], [';', count(';')], ['\t', count('\t')]];
  return counts.sort((a, b) => b[1] - a[1])[0]![0];
}

export async function* csvItems(lines: AsyncIterable<LineBatch>, delimiter: string): AsyncGenerator<CsvItem[]> {
  // Loaded when an Exchange export is read: a syslog log's reading does not wait for it.
  const { parse } = await import('csv-parse/sync');
  let pending: string[] = [];
  let pendingStart = 0;
  let open = false;
  for await (const batch of lines) {
    const items: CsvItem[] = [];
    let texts: string[] = [];
    let starts: number[] = [];
    const flush = (): void => {
      if (!texts.length) return;
      const rows = parseRecords(parse, texts, delimiter);
      rows.forEach((fields, i) => items.push(fields ? { kind: 'record', record: { fields, line: starts[i]! } } : { kind: 'bad', line: starts[i]! }));
      texts = [];
      starts = [];
    };
    for (let i = 0; i < batch.lines.length; i++) {
      const l = batch.lines[i]!;
      const n = batch.first + i;
      if (open) {
        pending.push(l);
        open = quotesOpen(l, true);
        if (!open) { texts.push(pending.join('\n')); starts.push(pendingStart); pending = []; }
        else if (pending.length > MAX_RECORD_LINES) { items.push({ kind: 'bad', line: pendingStart }); pending = []; open = false; }
        continue;
      }
      if (l.trim() === '') { items.push({ kind: 'blank' }); continue; }
      if (l.charCodeAt(0) === 35 /* # */) {
        flush();
        items.push({ kind: 'comment', text: l, line: n });
        continue;
      }
      if (quotesOpen(l, false)) {
        open = true;
        pending = [l];
        pendingStart = n;
        continue;
      }
      texts.push(l);
      starts.push(n);
    }
    flush();
    if (items.length) yield items;
  }
  if (pending.length) yield [{ kind: 'bad', line: pendingStart }];
}

/** Sniff the delimiter from the first data or header line, then replay the lines unchanged. */
export async function withSniffedDelimiter(lines: AsyncIterable<LineBatch>): Promise<{ delimiter: string; lines: AsyncIterable<LineBatch> }> {
  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  const batch = first.done ? undefined : first.value;
  const header = batch?.lines.find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  async function* replay(): AsyncGenerator<LineBatch> {
    if (!batch) return;
    yield batch;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { delimiter: header ? sniffDelimiter(header) : ',', lines: replay() };
}
