/** The events export: NDJSON (reads back as input) or CSV, written as events stream past. */

import { stringify } from 'csv-stringify/sync';
import type { ByteSink } from '../io/byte-sink.js';
import type { BounceClass, DeliveryEvent } from '../types.js';
import { guardCell } from './cells.js';

export const EVENT_FORMATS = ['ndjson', 'csv'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

/** Column order of `bouncelens events --format csv` (documented in the README). */
export const EVENT_COLUMNS = [
  'time', 'source', 'file', 'line', 'recipient', 'domain', 'original_recipient', 'sender', 'message_id', 'queue_id',
  'outcome', 'smtp_code', 'status', 'class', 'signature', 'remote_host', 'remote_ip', 'reporter',
  'answered_by_host', 'answered_by_ip', 'diagnostic',
] as const;

export function eventRow(e: DeliveryEvent): string[] {
  return [
    e.time, e.source, e.origin.file, String(e.origin.line), e.recipient, e.domain, e.originalRecipient, e.sender,
    e.messageId, e.queueId, e.outcome, e.smtpCode, e.status, e.class, e.signature, e.remoteHost, e.remoteIp,
    e.reporter, e.answeredBy.host, e.answeredBy.ip, e.diagnostic,
  ].map((v) => guardCell(v ?? ''));
}

export function eventsCsvHeader(): string {
  return stringify([EVENT_COLUMNS as unknown as string[]]);
}

export function eventsCsvRows(events: readonly DeliveryEvent[]): string {
  return stringify(events.map(eventRow));
}

export function eventsNdjson(events: readonly DeliveryEvent[]): string {
  let s = '';
  for (const e of events) s += JSON.stringify(e) + '\n';
  return s;
}

/** Which events an export keeps (`events --class`, `--since`, `--until`). */
export interface EventSelection {
  classes?: readonly BounceClass[];
  since?: number;
  until?: number;
}

/** An export: its format and the events it keeps. Plain data, so a worker thread can be given it. */
export interface EventRender {
  format: EventFormat;
  select: EventSelection;
}

/** The test of the events a selection keeps; undefined when it keeps all. */
function selects(sel: EventSelection): ((e: DeliveryEvent) => boolean) | undefined {
  if (!sel.classes && sel.since === undefined && sel.until === undefined) return undefined;
  const classes = sel.classes ? new Set(sel.classes) : undefined;
  const { since, until } = sel;
  return (e) => {
    if (classes && !classes.has(e.class)) return false;
    if (since !== undefined || until !== undefined) {
      const t = Date.parse(e.time);
      if (since !== undefined && t < since) return false;
      if (until !== undefined && t > until) return false;
    }
    return true;
  };
}

/** The export's text of a batch of events: the kept ones, as NDJSON lines or CSV rows ('' when none). */
export function eventRenderer(render: EventRender): (events: readonly DeliveryEvent[]) => string {
  const keep = selects(render.select);
  const write = render.format === 'csv' ? eventsCsvRows : eventsNdjson;
  return (events) => {
    const kept = keep ? events.filter(keep) : events;
    return kept.length ? write(kept) : '';
  };
}

/**
 * The export of batches of events written into `sink` (the same text as eventRenderer's): NDJSON
 * line by line, CSV rows per batch.
 */
export function eventEncoder(render: EventRender, sink: ByteSink): (events: readonly DeliveryEvent[]) => void {
  if (render.format === 'csv') {
    const rows = eventRenderer(render);
    return (events) => sink.write(rows(events));
  }
  const keep = selects(render.select);
  return (events) => {
    for (const e of events) if (!keep || keep(e)) sink.line(JSON.stringify(e));
  };
}
