/**
 * Exim main log (FORMATS.md §2), plain (`2024-11-27 10:00:01 1Ai79e-0000Dq-8i ** …`) or wrapped in
 * syslog (`… exim[1234]: 1Ai79e-… ** …`). `parseEximMessage` is pure; `EximEvents` joins arrivals
 * (`<=`, sender and Message-ID) to deliveries by Exim message id.
 *
 *   ID <= sender … id=MSGID                      arrival
 *   ID => addr [<orig>] R= T= H=host [ip] C="…"  delivered (also `->` same transport, `>>` cutthrough)
 *   ID ** addr [<orig>] R= T= H=host [ip]: text   failed (bounce)
 *   ID == addr R= T= defer (n) H=host [ip]: text  deferred
 *   ID Completed                                  end of the message
 *   H=host [ip] … F=<s> rejected RCPT <r>: text   refused by this server (H= is the client)
 */

import { MAX_QUEUE_ENTRIES } from '../limits.js';
import { parseIsoTime } from '../time.js';
import type { DeliveryEvent } from '../types.js';
import { buildEvent, handOverDelivery, isLoopback } from './event.js';
import { countUnrecognised, omits, OMITTED, tally, type ReadContext, type Reader, type RecordResult } from './reader.js';
import type { LineBatch } from '../io/lines.js';

export type EximRecord =
  | { kind: 'arrival'; id: string; sender: string; messageId?: string }
  | { kind: 'delivery'; id: string; flag: '=>' | '->' | '>>' | '**' | '=='; address: string; original?: string; host?: string; ip?: string; text?: string; confirmation?: string }
  | { kind: 'reject'; address: string; sender?: string; host?: string; ip?: string; text: string }
  | { kind: 'completed'; id: string }
  | { kind: 'info' }
  | { kind: 'unrecognised' };

// Old ids 1Ai79e-0000Dq-8i (6-6-2), Exim 4.97+ ids 10HmaX-000000005vi-0000 (6-11-4).
const EXIM_ID = /^([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) /;
const HOST_FIELD = /(?:^| )H=(\S+)(?: \([^)]{0,255}\))? \[([^\]]{1,64})\]/;
const HOST_IP_ONLY = /(?:^| )H=\[([^\]]{1,64})\]/;
const SMTP_ERROR = /^(?:SMTP|LMTP) error from remote mail(?:er| server)? ?after ((?:pipelined )?(?:RCPT TO|MAIL FROM): ?<[^>]{0,512}>|[A-Za-z][A-Za-z ]{1,30}): (?:host (\S+) \[([^\]]{1,64})\]: )?/;
const LMTP_ERROR = /^LMTP error after ([A-Za-z ]{2,30}): /;

function hostOf(fields: string): { host?: string; ip?: string } {
  const m = HOST_FIELD.exec(fields);
  if (m) return { host: m[1]!.replace(/\*$/, ''), ip: m[2] };
  const i = HOST_IP_ONLY.exec(fields);
  return i ? { ip: i[1] } : {};
}

/** The message part of an Exim main log line (after the timestamp and optional `[pid]`). */
export function parseEximMessage(message: string): EximRecord {
  const idm = EXIM_ID.exec(message);
  if (!idm) {
    const r = message.indexOf(' rejected RCPT ');
    if (r < 0) return { kind: 'info' };
    const head = message.slice(0, r);
    let rest = message.slice(r + 15);
    let address: string;
    if (rest.startsWith('<')) {
      const close = rest.indexOf('>');
      if (close < 0) return { kind: 'unrecognised' };
      address = rest.slice(1, close);
      rest = rest.slice(close + 1);
    } else {
      const colon = rest.indexOf(':');
      if (colon < 0) return { kind: 'unrecognised' };
      address = rest.slice(0, colon);
      rest = rest.slice(colon);
    }
    const text = rest.replace(/^:\s*/, '');
    const sender = /(?:^| )F=<?([^\s>]*)>?/.exec(head)?.[1];
    return { kind: 'reject', address, sender, ...hostOf(head), text };
  }
  const id = idm[1]!;
  const rest = message.slice(idm[0].length);
  const flag = rest.slice(0, 2);
  if (rest.startsWith('Completed')) return { kind: 'completed', id };
  if (flag === '<=') {
    const sp = rest.indexOf(' ', 3);
    const sender = rest.slice(3, sp < 0 ? undefined : sp);
    const messageId = /(?:^| )id=(\S+)/.exec(rest)?.[1];
    return { kind: 'arrival', id, sender: sender === '<>' ? '' : sender, messageId };
  }
  if (flag !== '=>' && flag !== '->' && flag !== '>>' && flag !== '**' && flag !== '==') return { kind: 'info' };
  if (rest[2] !== ' ') return { kind: 'unrecognised' };
  let body = rest.slice(3);
  const sp = body.indexOf(' ');
  const address = sp < 0 ? body : body.slice(0, sp);
  if (!address) return { kind: 'unrecognised' };
  body = sp < 0 ? '' : body.slice(sp + 1);
  let original: string | undefined;
  if (body.startsWith('<') || body.startsWith('(')) {
    const close = body.indexOf(body[0] === '<' ? '>' : ')');
    if (close > 0) {
      original = body.slice(1, close);
      body = body.slice(close + 1).trimStart();
    }
  }
  if (flag === '**' || flag === '==') {
    // The fields end at the first `: ` (`T=remote_smtp H=h [ip]: SMTP error…`, `R=aliases: Unrouteable address`).
    const colon = body.indexOf(': ');
    const text = colon < 0 ? undefined : body.slice(colon + 2).trim();
    return { kind: 'delivery', id, flag, address, original, ...hostOf(body), text };
  }
  const confirmation = /(?:^| )C="((?:[^"\\]|\\.){0,2000})"/.exec(body)?.[1];
  return { kind: 'delivery', id, flag: flag as '=>', address, original, ...hostOf(body), confirmation };
}

/** The remote reply inside an Exim failure text, and the host that gave it. */
export function parseEximError(text: string): { reply: string; host?: string; ip?: string; command?: string } {
  const m = SMTP_ERROR.exec(text);
  if (m) return { reply: text.slice(m[0].length), host: m[2], ip: m[3], command: m[1] };
  const l = LMTP_ERROR.exec(text);
  if (l) return { reply: text.slice(l[0].length), command: l[1] };
  return { reply: text };
}

interface EximMessageState {
  sender?: string;
  messageId?: string;
}

const OUTCOME: Record<string, DeliveryEvent['outcome']> = { '=>': 'delivered', '->': 'delivered', '>>': 'delivered', '**': 'bounced', '==': 'deferred' };

export class EximEvents {
  private readonly messages = new Map<string, EximMessageState>();

  constructor(private readonly ctx: ReadContext) {}

  /** `logHost` is the syslog host for wrapped lines, undefined for a plain main log. */
  handle(time: number, message: string, line: number, logHost: string | undefined): RecordResult {
    const rec = parseEximMessage(message);
    switch (rec.kind) {
      case 'info': return null;
      case 'unrecognised': return undefined;
      case 'completed': this.messages.delete(rec.id); return null;
      case 'arrival': {
        if (this.messages.size >= MAX_QUEUE_ENTRIES) this.messages.delete(this.messages.keys().next().value as string);
        this.messages.set(rec.id, { sender: rec.sender, messageId: rec.messageId });
        return null;
      }
      case 'reject':
        return [buildEvent({
          time, source: 'exim', origin: { file: this.ctx.file, line },
          recipient: rec.address, sender: rec.sender, outcome: 'rejected', diagnostic: rec.text,
          remoteHost: rec.host, remoteIp: rec.ip, reporter: logHost,
          answeredBy: { host: logHost },
        }, this.ctx.classifier)];
      case 'delivery': {
        if (OUTCOME[rec.flag] === 'delivered' && omits(this.ctx, 'none')) return OMITTED;
        const state = this.messages.get(rec.id);
        const err = rec.text !== undefined ? parseEximError(rec.text) : undefined;
        const host = err?.host ?? rec.host;
        const ip = err?.ip ?? rec.ip;
        const remote = ip !== undefined && !isLoopback(ip);
        const diagnostic = err ? err.reply : rec.confirmation;
        const recipient = rec.address.includes('@') || !rec.original ? rec.address : rec.original;
        const answeredBy = remote ? { host, ip } : { host: logHost };
        if (OUTCOME[rec.flag] === 'delivered' && this.ctx.onDelivered) {
          handOverDelivery(this.ctx.onDelivered, time, recipient, answeredBy, diagnostic);
          return OMITTED;
        }
        return [buildEvent({
          time, source: 'exim', origin: { file: this.ctx.file, line },
          recipient,
          originalRecipient: rec.original?.includes('@') && rec.address.includes('@') ? rec.original : undefined,
          sender: state?.sender, messageId: state?.messageId, queueId: rec.id,
          outcome: OUTCOME[rec.flag]!, diagnostic,
          remoteHost: host, remoteIp: ip, reporter: logHost, answeredBy,
          data: err?.command ? { command: err.command } : undefined,
        }, this.ctx.classifier)];
      }
    }
  }
}

const PLAIN = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{3})?)(?: ([+-]\d{4}))?(?: \[\d+\])? /;

export function looksLikeEximMainLog(line: string): boolean {
  return PLAIN.test(line);
}

export const eximReader: Reader = {
  format: 'exim',
  detect(head) {
    const first = head.split('\n', 5).find((l) => l.trim() !== '');
    return first !== undefined && looksLikeEximMainLog(first);
  },
  async *read(lines: AsyncIterable<LineBatch>, ctx: ReadContext) {
    const exim = new EximEvents(ctx);
    const { stats } = ctx;
    // As in the syslog reader: events of earlier lines go out before a delivery is handed over.
    const inOrder = ctx.onDelivered !== undefined;
    for await (const batch of lines) {
      let out: DeliveryEvent[] = [];
      for (let i = 0; i < batch.lines.length; i++) {
        if (inOrder && out.length) { yield out; out = []; }
        const text = batch.lines[i]!;
        const line = batch.first + i;
        stats.records++;
        if (text.trim() === '') { stats.blank++; continue; }
        const m = PLAIN.exec(text);
        const time = m ? parseIsoTime(`${m[1]}T${m[2]}${m[3] ?? ''}`, m[3] ? undefined : ctx.tz) : undefined;
        if (!m || time === undefined) { countUnrecognised(stats, line); continue; }
        tally(stats, exim.handle(time, text.slice(m[0].length), line, undefined), line, out);
      }
      if (out.length) yield out;
    }
  },
};
