/** bouncelens's own NDJSON export read back, so a big log is parsed once and analysed many times. */

import type { LineBatch } from '../io/lines.js';
import { BOUNCE_CLASSES, OUTCOMES, SOURCES, type DeliveryEvent } from '../types.js';
import { countUnrecognised, type ReadContext, type Reader } from './reader.js';

/** Check the shape of a parsed object; return it as an event or undefined. */
export function asDeliveryEvent(o: unknown): DeliveryEvent | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const e = o as Partial<DeliveryEvent>;
  if (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time))) return undefined;
  if (typeof e.recipient !== 'string' || typeof e.domain !== 'string') return undefined;
  if (!(SOURCES as readonly string[]).includes(e.source as string)) return undefined;
  if (!(OUTCOMES as readonly string[]).includes(e.outcome as string)) return undefined;
  if (!(BOUNCE_CLASSES as readonly string[]).includes(e.class as string)) return undefined;
  if (!e.origin || typeof e.origin.file !== 'string' || typeof e.origin.line !== 'number') return undefined;
  if (!e.answeredBy || typeof e.answeredBy !== 'object') return undefined;
  for (const k of ['originalRecipient', 'sender', 'messageId', 'queueId', 'smtpCode', 'status', 'diagnostic', 'remoteHost', 'remoteIp', 'reporter', 'signature'] as const) {
    if (e[k] !== undefined && typeof e[k] !== 'string') return undefined;
  }
  return e as DeliveryEvent;
}

export const eventsReader: Reader = {
  format: 'events',
  detect(head) {
    const first = head.slice(0, head.indexOf('\n') >>> 0).trim();
    return first.startsWith('{') && first.includes('"outcome"') && first.includes('"answeredBy"');
  },
  async *read(lines: AsyncIterable<LineBatch>, ctx: ReadContext) {
    const { stats } = ctx;
    for await (const batch of lines) {
      const out: DeliveryEvent[] = [];
      for (let i = 0; i < batch.lines.length; i++) {
        const text = batch.lines[i]!;
        stats.records++;
        if (text.trim() === '') { stats.blank++; continue; }
        let parsed: unknown;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        const e = asDeliveryEvent(parsed);
        if (!e) { countUnrecognised(stats, batch.first + i); continue; }
        stats.eventRecords++;
        stats.events++;
        out.push(e);
      }
      if (out.length) yield out;
    }
  },
};
