/**
 * Exchange Online message trace (FORMATS.md §6): `Get-MessageTrace(V2)` exports as CSV or JSON
 * (array, OData page, one object per line), the Microsoft Graph `exchangeMessageTrace` JSON,
 * `Get-MessageTraceDetail(V2)` / Graph detail rows, and the EAC summary report. A `Failed` trace
 * row is joined to the `Fail` detail row that carries its reply (same MessageTraceId and
 * recipient), in either file order; rows still unjoined after every input are emitted as they are.
 * Every answer here is Exchange Online's: answeredBy is the identity `exchange-online`.
 */

import { MAX_QUEUE_ENTRIES } from '../limits.js';
import { parseCultureTime, parseIsoTime } from '../time.js';
import type { DeliveryEvent, Outcome } from '../types.js';
import type { Classifier } from '../classify/classify.js';
import type { LineBatch } from '../io/lines.js';
import { csvItems, withSniffedDelimiter } from './csv-rows.js';
import { buildEvent, type EventParts } from './event.js';
import { parseStatus } from './exchange-status.js';
import { countCap, countUnrecognised, type InputStats, type ReadContext, type Reader, type RunState } from './reader.js';

/** `Status` of a trace row → outcome (and a stated class), or not an outcome. README documents this table. */
export const TRACE_STATUS: Record<string, { outcome: Outcome; statedClass?: 'policy' } | null> = {
  delivered: { outcome: 'delivered' },
  failed: { outcome: 'bounced' },
  quarantined: { outcome: 'rejected', statedClass: 'policy' },
  filteredasspam: { outcome: 'rejected', statedClass: 'policy' },
  expanded: null, // a distribution group: its members get rows of their own
  pending: null,
  gettingstatus: null,
  none: null,
  resolved: null,
};

const EXO = { host: 'exchange-online' } as const;

/** Keys lower-cased without punctuation: `RecipientAddress`, `recipientAddress`, `recipient_address` → `recipientaddress`. */
function normKey(k: string): string {
  return k.toLowerCase().replace(/[^a-z0-9]/g, '');
}

type Row = Map<string, string>;
const pick = (row: Row, ...keys: string[]): string => {
  for (const k of keys) { const v = row.get(k); if (v) return v.trim(); }
  return '';
};

interface Pending {
  parts: EventParts;
  stats: InputStats;
}

interface TraceState {
  classifier?: Classifier;
  /** Failed trace rows waiting for a detail row: key `traceId|recipient` (and `traceId|`). */
  failed: Map<string, Pending>;
  /** Fail detail rows waiting for a trace row. */
  details: Map<string, { text: string; host?: string; ip?: string; time: number; recipient?: string; pending: Pending }>;
}

function state(run: RunState): TraceState {
  let s = run.shared.get('exchange-trace') as TraceState | undefined;
  if (!s) run.shared.set('exchange-trace', (s = { failed: new Map(), details: new Map() }));
  return s;
}

function capped<K, V>(map: Map<K, V>, stats: InputStats): void {
  if (map.size >= MAX_QUEUE_ENTRIES) {
    map.delete(map.keys().next().value as K);
    countCap(stats, 'exchange trace rows waiting for a join');
  }
}

function withDetail(p: EventParts, d: { text: string; host?: string; ip?: string }): EventParts {
  return { ...p, diagnostic: d.text, remoteHost: d.host, remoteIp: d.ip, data: { ...p.data, joined: 'trace detail' } };
}

const RECORD_KEYS = ['messagetraceid', 'recipientaddress', 'receiveddatetime', 'exchangemessagetrace', 'odata', 'senderaddress'];

export const exchangeTraceReader: Reader = {
  format: 'exchange-trace',
  detect(head) {
    const text = head.replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('{') || text.startsWith('[')) {
      const lower = normKey(text.slice(0, 4000));
      return RECORD_KEYS.some((k) => lower.includes(k)) && !lower.includes('answeredby');
    }
    const lines = text.split(/\r?\n/, 3);
    const header = normKeyList(lines[0]!.startsWith('#TYPE') ? lines[1] ?? '' : lines[0]!);
    return (header.includes('messagetraceid') || (header.includes('received') && header.includes('recipientaddress') && header.includes('status')) ||
      (header.includes('event') && header.includes('detail') && header.includes('date')) ||
      (header.includes('recipientstatus') && header.some((h) => h.startsWith('origintimestamp')))) && !header.includes('eventid');
  },
  async *read(lines: AsyncIterable<LineBatch>, ctx: ReadContext) {
    const st = state(ctx.run);
    st.classifier ??= ctx.classifier;
    const { stats } = ctx;
    let noted = false;
    const time = (text: string): number | undefined => {
      const iso = parseIsoTime(text); // Exchange Online times are UTC, `Z` or not
      if (iso !== undefined) return iso;
      const c = parseCultureTime(text, ctx.tz, ctx.dateOrder);
      if (c?.guessed && !noted) { noted = true; stats.notices.push(`dates like '${text}' read as ${c.order === 'mdy' ? 'month/day' : 'day/month'}; use --date-order if that is wrong`); }
      return c?.ms;
    };

    /** One row → events (now; `[]` when held for a join), null (not an outcome), undefined (unreadable). */
    const handle = (row: Row, line: number): DeliveryEvent[] | null | undefined => {
      const origin = { file: ctx.file, line };
      const event = pick(row, 'event');
      if (event) {
        // A detail row: only Fail (and Defer) carry a reply.
        const t = time(pick(row, 'date', 'datetime'));
        if (t === undefined) return undefined;
        const ev = event.toLowerCase();
        if (ev !== 'fail' && ev !== 'defer') return null;
        const detail = pick(row, 'detail', 'description');
        const s = parseStatus(detail.replace(/^Reason:\s*/i, ''));
        const traceId = pick(row, 'messagetraceid', 'id');
        const recipient = pick(row, 'recipientaddress');
        const parts: EventParts = {
          time: t, source: 'exchange-trace', origin, recipient, messageId: pick(row, 'messageid').replace(/^<|>$/g, '') || undefined,
          outcome: ev === 'fail' ? 'bounced' : 'deferred', diagnostic: s.text, remoteHost: s.host, remoteIp: s.ip, answeredBy: EXO,
          data: { event },
        };
        for (const key of [`${traceId}|${recipient.toLowerCase()}`, `${traceId}|`]) {
          const waiting = st.failed.get(key);
          if (waiting) {
            st.failed.delete(`${traceId}|${waiting.parts.recipient.toLowerCase()}`);
            st.failed.delete(`${traceId}|`);
            return [buildEvent(withDetail(waiting.parts, s), ctx.classifier)];
          }
        }
        capped(st.details, stats);
        const held = { text: s.text, host: s.host, ip: s.ip, time: t, recipient: recipient || undefined, pending: { parts, stats } };
        st.details.set(`${traceId}|${recipient.toLowerCase()}`, held);
        if (!recipient) st.details.set(`${traceId}|`, held);
        return null;
      }
      const summary = pick(row, 'recipientstatus');
      if (summary && pick(row, 'origintimestamputc', 'origintimestamp')) {
        // EAC summary: `addr##Receive, Fail;addr2##Receive, Deliver` — the last event is the outcome.
        const t = time(pick(row, 'origintimestamputc', 'origintimestamp'));
        if (t === undefined) return undefined;
        const out: DeliveryEvent[] = [];
        for (const part of summary.split(';')) {
          const [addr, chain] = part.split('##');
          const last = (chain ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean).pop();
          const outcome: Outcome | undefined = last === 'deliver' || last === 'send' ? 'delivered' : last === 'fail' ? 'bounced' : last === 'defer' ? 'deferred' : undefined;
          if (!addr?.includes('@') || !outcome) continue;
          out.push(buildEvent({
            time: t, source: 'exchange-trace', origin, recipient: addr.trim(), sender: pick(row, 'senderaddress') || undefined,
            messageId: pick(row, 'messageid').replace(/^<|>$/g, '') || undefined, outcome, answeredBy: EXO, data: { events: chain!.trim() },
          }, ctx.classifier));
        }
        return out.length ? out : null;
      }
      const t = time(pick(row, 'received', 'receiveddatetime'));
      const recipient = pick(row, 'recipientaddress');
      const status = pick(row, 'status').toLowerCase().replace(/\s/g, '');
      if (t === undefined || !recipient || !status) return undefined;
      if (!(status in TRACE_STATUS)) return undefined;
      const mapped = TRACE_STATUS[status];
      if (!mapped) return null;
      const toIp = pick(row, 'toip');
      const parts: EventParts = {
        time: t, source: 'exchange-trace', origin, recipient, sender: pick(row, 'senderaddress') || undefined,
        messageId: pick(row, 'messageid').replace(/^<|>$/g, '') || undefined, outcome: mapped.outcome,
        remoteIp: toIp || undefined, answeredBy: EXO,
        statedClass: mapped.statedClass ? { class: mapped.statedClass, signature: `exchange-online-${status}` } : undefined,
        data: { status: pick(row, 'status'), ...(pick(row, 'subject') ? { subject: pick(row, 'subject').slice(0, 200) } : {}) },
      };
      if (status !== 'failed') return [buildEvent(parts, ctx.classifier)];
      const traceId = pick(row, 'messagetraceid', 'id');
      const detail = st.details.get(`${traceId}|${recipient.toLowerCase()}`) ?? st.details.get(`${traceId}|`);
      if (detail) {
        st.details.delete(`${traceId}|${recipient.toLowerCase()}`);
        st.details.delete(`${traceId}|`);
        return [buildEvent(withDetail(parts, detail), ctx.classifier)];
      }
      capped(st.failed, stats);
      const pending: Pending = { parts, stats };
      st.failed.set(`${traceId}|${recipient.toLowerCase()}`, pending);
      st.failed.set(`${traceId}|`, pending);
      return []; // an event record whose event comes later: joined by a detail row, or from finish()
    };

    const account = (evs: DeliveryEvent[] | null | undefined, line: number, out: DeliveryEvent[]): void => {
      if (evs === undefined) countUnrecognised(stats, line);
      else if (evs === null) stats.nonEvents++;
      else { stats.eventRecords++; stats.events += evs.length; out.push(...evs); }
    };

    const sniffed = await withSniffedDelimiter(lines);
    const it = sniffed.lines[Symbol.asyncIterator]();
    const first = await it.next();
    const firstLine = first.done ? '' : (first.value.lines.find((l) => l.trim() !== '') ?? '');
    async function* replay(): AsyncGenerator<LineBatch> {
      if (first.done) return;
      yield first.value;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    }
    if (/^\s*[[{]/.test(firstLine)) {
      yield* readJson(replay(), ctx, handle, account);
      return;
    }
    let header: string[] | undefined;
    for await (const items of csvItems(replay(), sniffed.delimiter)) {
      const out: DeliveryEvent[] = [];
      for (const item of items) {
        stats.records++;
        if (item.kind === 'blank') { stats.blank++; continue; }
        if (item.kind === 'bad') { countUnrecognised(stats, item.line); continue; }
        if (item.kind === 'comment') { stats.nonEvents++; continue; } // #TYPE
        const { fields, line } = item.record;
        if (!header) { header = fields.map(normKey); stats.nonEvents++; continue; }
        if (fields.length !== header.length) { countUnrecognised(stats, line); continue; }
        const row: Row = new Map(header.map((h, i) => [h, fields[i] ?? '']));
        account(handle(row, line), line, out);
      }
      if (out.length) yield out;
    }
  },
  finish(run) {
    const st = run.shared.get('exchange-trace') as TraceState | undefined;
    if (!st?.classifier) return [];
    const out: DeliveryEvent[] = [];
    const seen = new Set<Pending>();
    for (const p of st.failed.values()) {
      if (seen.has(p)) continue;
      seen.add(p);
      p.stats.events++;
      out.push(buildEvent(p.parts, st.classifier));
    }
    // Detail rows that named their recipient but met no trace row are events of their own.
    const seenDetail = new Set<object>();
    for (const d of st.details.values()) {
      if (seenDetail.has(d) || !d.recipient) continue;
      seenDetail.add(d);
      d.pending.stats.events++;
      out.push(buildEvent(d.pending.parts, st.classifier));
    }
    st.failed.clear();
    st.details.clear();
    return out.sort((a, b) => a.origin.file.localeCompare(b.origin.file) || a.origin.line - b.origin.line);
  },
};

function normKeyList(line: string): string[] {
  return line.split(/[,;\t]/).map((h) => normKey(h.replace(/"/g, '')));
}

/** Cap on one pretty-printed JSON document (an API page is a few MB); NDJSON has no such cap. */
const MAX_JSON_DOCUMENT_CHARS = 256 * 1024 * 1024;

function rowsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object');
  if (value && typeof value === 'object') {
    const v = (value as Record<string, unknown>).value;
    if (Array.isArray(v)) return rowsOf(v);
    return [value as Record<string, unknown>];
  }
  return [];
}

function toRow(o: Record<string, unknown>): Row {
  const row: Row = new Map();
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined && typeof v !== 'object') row.set(normKey(k), String(v));
  return row;
}

async function* readJson(
  lines: AsyncIterable<LineBatch>, ctx: ReadContext,
  handle: (row: Row, line: number) => DeliveryEvent[] | null | undefined,
  account: (evs: DeliveryEvent[] | null | undefined, line: number, out: DeliveryEvent[]) => void,
): AsyncGenerator<DeliveryEvent[]> {
  const { stats } = ctx;
  /** The rows of one JSON value, read as one record: events if any row gives one, unrecognised if none could be read. */
  const eventsOf = (value: unknown, line: number): DeliveryEvent[] | null | undefined => {
    const rows = rowsOf(value);
    if (rows.length === 0) return null;
    let evs: DeliveryEvent[] | null = null;
    let unreadable = 0;
    for (const r of rows) {
      const e = handle(toRow(r), line);
      if (e === undefined) unreadable++;
      else if (e) (evs ??= []).push(...e);
    }
    if (unreadable && unreadable < rows.length) stats.notices.push(`line ${line}: ${unreadable} of ${rows.length} JSON records could not be read`);
    return evs ?? (unreadable === rows.length ? undefined : null);
  };
  let doc: string[] | undefined;
  let docSize = 0;
  let docLine = 0;
  for await (const batch of lines) {
    const out: DeliveryEvent[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const l = batch.lines[i]!;
      const n = batch.first + i;
      stats.records++;
      if (doc) {
        // Lines inside a pretty-printed document: its first line is the record that carries its events.
        stats.nonEvents++;
        docSize += l.length + 1;
        if (docSize > MAX_JSON_DOCUMENT_CHARS) {
          countCap(stats, 'JSON document over 256 MiB not read');
          countUnrecognised(stats, docLine);
          doc = undefined;
          continue;
        }
        doc.push(l);
        continue;
      }
      if (l.trim() === '') { stats.blank++; continue; }
      let parsed: unknown;
      try { parsed = JSON.parse(l); } catch { parsed = undefined; }
      if (parsed === undefined) {
        // Not one object per line: a pretty-printed document from here on.
        doc = [l];
        docSize = l.length;
        docLine = n;
        continue;
      }
      account(eventsOf(parsed, n), n, out);
    }
    if (out.length) yield out;
  }
  if (doc) {
    let parsed: unknown;
    try { parsed = JSON.parse(doc.join('\n')); } catch { countUnrecognised(stats, docLine); return; }
    const out: DeliveryEvent[] = [];
    account(eventsOf(parsed, docLine), docLine, out);
    if (out.length) yield out;
  }
}
