/**
 * Exchange Server message tracking logs (MSGTRK*.LOG; FORMATS.md §4), their PowerShell export
 * (`Get-MessageTrackingLog | Export-Csv`) and the EAC extended report: columns mapped by the
 * header (`#Fields`, repeated at every roll and when files are concatenated), never by position;
 * a headerless export is recognised by its first value and column count (30: Exchange 2013+,
 * 26: Exchange 2010).
 *
 *   FAIL → bounced (the reply and `{FQDN=}`/`{IP=}` from the status), DEFER → deferred,
 *   DELIVER / SENDEXTERNAL → delivered, SEND → delivered only when it left the organisation,
 *   RESOLVE / REDIRECT / EXPAND → the old → new address mapping, kept for later rows of the same
 *   message (not outcomes), DSN and everything else → not outcomes.
 */

import type { LineBatch } from '../io/lines.js';
import { MAX_QUEUE_ENTRIES } from '../limits.js';
import { parseCultureTime, parseIsoTime } from '../time.js';
import type { DeliveryEvent, Outcome } from '../types.js';
import { csvItems, withSniffedDelimiter } from './csv-rows.js';
import { buildEvent } from './event.js';
import { FIELDS_2010, FIELDS_2013, mapColumns, type ColumnMap, type TrackingField } from './exchange-fields.js';
import { parseStatus, splitStatuses } from './exchange-status.js';
import { countUnrecognised, type ReadContext, type Reader } from './reader.js';

const ISO_FIRST = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

function firstLines(head: string, n: number): string[] {
  return head.replace(/^\uFEFF/, '').split(/\r?\n/, 40).filter((l) => l.trim() !== '').slice(0, n);
}

/** A header row of an export: `Timestamp,EventId,…,Recipients,…` or `date_time_utc,…,event_id,…,recipient_address`. */
function isTrackingHeader(line: string): boolean {
  const h = line.toLowerCase().replace(/[^a-z,;\t]/g, '');
  return /(?:^|[,;\t])eventid(?:[,;\t]|$)/.test(h) && /(?:^|[,;\t])(?:recipients|recipientaddress)(?:[,;\t]|$)/.test(h);
}

export const exchangeTrackingReader: Reader = {
  format: 'exchange-tracking',
  detect(head) {
    const lines = firstLines(head, 3);
    const first = lines[0] ?? '';
    if (/^#Software: Microsoft Exchange/i.test(first) || /^#Fields: date-time,/.test(first)) return true;
    const header = first.startsWith('#TYPE') ? lines[1] ?? '' : first;
    if (isTrackingHeader(header)) return true;
    // Headerless rows: an ISO time first and the 26 or 30 columns of a tracking log.
    if (ISO_FIRST.test(first) && /Z?,/.test(first.slice(0, 30))) {
      const commas = first.replace(/"[^"]*"/g, '').split(',').length;
      return commas === 26 || commas === 30;
    }
    return false;
  },
  async *read(lines: AsyncIterable<LineBatch>, ctx: ReadContext) {
    const { stats } = ctx;
    let columns: ColumnMap | undefined;
    const sniffed = await withSniffedDelimiter(lines);
    // Tracking logs are comma-separated; an Export-Csv -UseCulture copy may use `;`.
    const delimiter = sniffed.delimiter;
    const notes = new Set<string>();
    const note = (text: string): void => {
      if (!notes.has(text)) { notes.add(text); stats.notices.push(text); }
    };
    // message key → (address lower → related address), from RESOLVE / REDIRECT / EXPAND rows
    const resolved = new Map<string, Map<string, string>>();
    let dateOrderNoted = false;

    const setColumns = (names: string[], where: string): void => {
      columns = mapColumns(names);
      if (columns.unknown.length) note(`${where}: columns not used: ${columns.unknown.slice(0, 8).join(', ')}${columns.unknown.length > 8 ? ', …' : ''}`);
      if (columns.index.eventId === undefined || columns.index.recipients === undefined || columns.index.time === undefined) {
        note(`${where}: no event-id / recipient-address / date-time column; rows cannot be read`);
      }
    };

    const parseTime = (text: string): number | undefined => {
      const iso = parseIsoTime(text); // tracking logs are UTC (`Z`); a zone-less ISO value is UTC too
      if (iso !== undefined) return iso;
      const c = parseCultureTime(text, ctx.tz, ctx.dateOrder);
      if (c?.guessed && !dateOrderNoted) {
        dateOrderNoted = true;
        stats.notices.push(`dates like '${text}' read as ${c.order === 'mdy' ? 'month/day' : 'day/month'} in ${ctx.tz}; use --date-order and --tz if that is wrong`);
      }
      return c?.ms;
    };

    const rowEvents = (fields: string[], line: number): DeliveryEvent[] | null | undefined => {
      const col = columns!;
      const get = (f: TrackingField): string => {
        const i = col.index[f];
        return i === undefined ? '' : (fields[i] ?? '').trim();
      };
      const eventId = get('eventId').toUpperCase();
      const rawRecipients = get('recipients');
      const time = parseTime(get('time'));
      if (time === undefined || !eventId) return undefined;
      const messageId = get('messageId').replace(/^<|>$/g, '') || undefined;
      const messageKey = get('networkMessageId') || messageId || get('internalMessageId');
      if (rawRecipients === 'System.String[]') {
        note('recipients exported as the literal System.String[] (Export-Csv of an array): those rows carry no recipient; export with @{n="Recipients";e={$_.Recipients -join ";"}}');
        return null;
      }
      const recipients = rawRecipients.split(/[;,]/).flatMap((r) => r.trim().split(/\s+/)).filter((r) => r.includes('@'));
      if (eventId === 'RESOLVE' || eventId === 'REDIRECT' || eventId === 'EXPAND') {
        const related = get('related');
        if (related && messageKey) {
          if (resolved.size >= MAX_QUEUE_ENTRIES) resolved.delete(resolved.keys().next().value as string);
          let m = resolved.get(messageKey);
          if (!m) resolved.set(messageKey, (m = new Map()));
          for (const r of recipients) m.set(r.toLowerCase(), related);
        }
        return null;
      }
      const custom = get('customData');
      const left = eventId === 'SEND' && (/IsSmtpResponseFromExternalServer=True/i.test(custom) || /ToEntity=Internet/i.test(custom));
      const outcome: Outcome | undefined =
        eventId === 'FAIL' ? 'bounced' : eventId === 'DEFER' ? 'deferred'
          : eventId === 'DELIVER' || eventId === 'SENDEXTERNAL' || left ? 'delivered' : undefined;
      if (!outcome || recipients.length === 0) return null;
      const statuses = splitStatuses(get('recipientStatus'), recipients.length);
      if (statuses.length !== recipients.length && statuses.length !== 1) note(`line ${line}: ${recipients.length} recipients but ${statuses.length} statuses; statuses matched in order`);
      const server = { host: get('serverHostname') || undefined, ip: get('serverIp') || undefined };
      const events: DeliveryEvent[] = [];
      recipients.forEach((recipient, i) => {
        const status = parseStatus(statuses[i] ?? statuses[statuses.length - 1] ?? '');
        // A FAIL or DEFER row may list a recipient whose own status is a 2xx: that one did not fail.
        if (outcome !== 'delivered' && /^2\d\d/.test(status.text)) return;
        const fromStatus = status.host !== undefined || status.ip !== undefined;
        const hasReply = /^[245]\d\d/.test(status.text) || /RESOLVER\.|QUEUE\.|ROUTING\./i.test(status.text);
        const related = messageKey ? resolved.get(messageKey)?.get(recipient.toLowerCase()) : undefined;
        const sendRow = eventId === 'SEND' || eventId === 'SENDEXTERNAL';
        events.push(buildEvent({
          time, source: 'exchange-tracking', origin: { file: ctx.file, line },
          recipient, originalRecipient: related, sender: get('sender') || undefined, messageId,
          queueId: get('internalMessageId') || undefined, outcome,
          diagnostic: hasReply ? status.text : undefined,
          remoteHost: fromStatus ? status.host : sendRow ? server.host : undefined,
          remoteIp: fromStatus ? status.ip : sendRow ? server.ip : undefined,
          reporter: get('serverHostname') || undefined,
          answeredBy: fromStatus ? { host: status.host, ip: status.ip } : server,
          data: { event: eventId, ...(get('source') ? { exchangeSource: get('source') } : {}) },
        }, ctx.classifier));
      });
      return events.length ? events : null;
    };

    for await (const items of csvItems(sniffed.lines, delimiter)) {
      const out: DeliveryEvent[] = [];
      for (const item of items) {
        if (item.kind === 'blank') { stats.records++; stats.blank++; continue; }
        if (item.kind === 'bad') { stats.records++; countUnrecognised(stats, item.line); continue; }
        if (item.kind === 'comment') {
          stats.records++;
          stats.nonEvents++;
          if (item.text.startsWith('#Fields:')) setColumns(item.text.slice(8).trim().split(','), `line ${item.line}`);
          continue;
        }
        const { fields, line } = item.record;
        stats.records++;
        if (!columns || (!ISO_FIRST.test(fields[0] ?? '') && isTrackingHeader(fields.join(',')))) {
          if (isTrackingHeader(fields.join(','))) {
            setColumns(fields, `line ${line}`);
            stats.nonEvents++;
            continue;
          }
          if (fields.length === 30 || fields.length === 26) {
            setColumns(fields.length === 30 ? FIELDS_2013 : FIELDS_2010, `line ${line}`);
            note(`no #Fields header: the ${fields.length}-column Exchange ${fields.length === 30 ? '2013+' : '2010'} layout assumed`);
          } else {
            countUnrecognised(stats, line);
            continue;
          }
        }
        const cols = columns as ColumnMap | undefined;
        if (!cols) { countUnrecognised(stats, line); continue; }
        if (fields.length !== cols.count) {
          countUnrecognised(stats, line);
          note(`rows with ${fields.length} columns where the header has ${cols.count} are skipped (first at line ${line})`);
          continue;
        }
        const evs = rowEvents(fields, line);
        if (evs === undefined) countUnrecognised(stats, line);
        else if (evs === null) stats.nonEvents++;
        else { stats.eventRecords++; stats.events += evs.length; out.push(...evs); }
      }
      if (out.length) yield out;
    }
  },
};
