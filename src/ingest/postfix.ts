/**
 * Postfix log lines → delivery events (FORMATS.md §1). `parsePostfixMessage` is pure: it reads the
 * message part of one line (after `program[pid]: `) into a record; `PostfixReader` joins records by
 * queue id and turns outcomes into events.
 *
 * Shapes read (one anchored parse per shape, cheap markers first):
 *   QID: to=<r>, [orig_to=<o>,] relay=R, …, dsn=x.y.z, status=S (text)      delivery agents
 *   NOQUEUE|QID: reject: RCPT from H[IP]: 550 5.1.1 <r>: …; from=<s> to=<r> …  smtpd / postscreen
 *   QID: from=<s>, size=…, nrcpt=N (queue active)                             qmgr
 *   QID: from=<s>, status=expired, returned to sender                         qmgr
 *   QID: message-id=<id>                                                      cleanup
 *   QID: removed                                                              qmgr
 */

import type { Classifier } from '../classify/classify.js';
import type { DeliveryEvent } from '../types.js';
import { detach } from '../text.js';
import { buildEvent, buildKeptEvent, handOverDelivery, isLoopback, type EventParts } from './event.js';
import { PostfixQueue, RangeQueue, type DeferredRecipient } from './postfix-queue.js';
import { keySet, type ExpiryFix, type RangeEntry, type RangeQueueState } from './range.js';
import { omits, OMITTED, type ReadContext, type RecordResult } from './reader.js';
import type { SyslogEnvelope } from './syslog.js';

export type PostfixRecord =
  | { kind: 'delivery'; queueId: string; to: string; origTo?: string; relay: string; dsn?: string; status: string; text?: string }
  | { kind: 'reject'; queueId: string; action: string; stage: string; client: { host?: string; ip?: string }; reply: string; from?: string; to?: string }
  | { kind: 'sender'; queueId: string; from: string }
  | { kind: 'expired'; queueId: string; from: string; status: string }
  | { kind: 'message-id'; queueId: string; messageId: string }
  | { kind: 'removed'; queueId: string }
  | { kind: 'info' }
  | { kind: 'unrecognised' };

/**
 * Length of the queue id that starts the message, followed by `: `; 0 when there is none. Short
 * hex ids (9–12 chars), long base-52 ids (enable_long_queue_ids), NOQUEUE; logwatch's `Q`/`Q2`/`N`
 * stand-ins. By character codes: this runs for every Postfix line, and a regex match allocated.
 */
function queueIdLength(message: string): number {
  let n = 0;
  for (;;) {
    const c = message.charCodeAt(n);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) || n > 20) break;
    n++;
  }
  if (message.charCodeAt(n) !== 58 || message.charCodeAt(n + 1) !== 32) return 0;
  if (n >= 5 && n <= 20) return n;
  const c0 = message.charCodeAt(0);
  return (n === 1 && (c0 === 81 || c0 === 78)) || (n === 2 && c0 === 81 && message.charCodeAt(1) === 50) ? n : 0;
}

/** Markers of lines that carry an outcome: if one is present and the line does not parse, it is unrecognised. */
const OUTCOME_MARKERS = [' to=<', 'status=', 'reject:', 'milter-reject:', ' to='];

const INFO: PostfixRecord = { kind: 'info' };

export function parsePostfixMessage(message: string): PostfixRecord {
  const idLength = queueIdLength(message);
  if (idLength === 0) {
    // Lines without a queue id: connect/disconnect, TLS, warnings, postscreen chatter, statistics.
    return message.includes('status=') && OUTCOME_MARKERS.some((m) => message.includes(m)) ? { kind: 'unrecognised' } : INFO;
  }
  const queueId = message.slice(0, idLength);
  const rest = message.slice(idLength + 2);
  // The first character picks the few prefixes worth comparing.
  switch (rest.charCodeAt(0)) {
    case 116: /* t */ if (rest.startsWith('to=')) return parseDelivery(queueId, rest); break;
    case 114: /* r */
      if (rest.startsWith('reject: ') || rest.startsWith('reject_warning: ') || rest.startsWith('redirect: ')) return parseReject(queueId, rest);
      if (rest === 'removed' || rest.startsWith('removed ')) return { kind: 'removed', queueId };
      break;
    case 109: /* m */
      if (rest.startsWith('milter-reject: ')) return parseReject(queueId, rest);
      if (rest.startsWith('message-id=')) {
        let id = rest.slice(11).trim();
        if (id.startsWith('<')) id = id.slice(1, id.endsWith('>') ? -1 : undefined);
        return { kind: 'message-id', queueId, messageId: id };
      }
      break;
    case 100: /* d */ if (rest.startsWith('discard: ')) return parseReject(queueId, rest); break;
    case 104: /* h */ if (rest.startsWith('hold: ')) return parseReject(queueId, rest); break;
    case 119: /* w */ if (rest.startsWith('warn: ')) return parseReject(queueId, rest); break;
    case 102: /* f */
      if (rest.startsWith('filter: ')) return parseReject(queueId, rest);
      if (rest.startsWith('from=<')) return parseSender(queueId, rest);
      break;
  }
  if (rest.includes('status=')) return { kind: 'unrecognised' };
  // client=, uid=, sender non-delivery notification, host X said (non-result), lost connection, replace/warning: header …
  return INFO;
}

/** qmgr's `from=<s>, size=…` (the sender) or `from=<s>, status=expired, returned to sender`. */
function parseSender(queueId: string, rest: string): PostfixRecord {
  const end = rest.indexOf('>');
  if (end < 0) return { kind: 'unrecognised' };
  const from = rest.slice(6, end);
  const st = /, status=([a-z-]+)/.exec(rest.slice(end));
  if (st) {
    if (st[1] === 'expired' || st[1] === 'force-expired') return { kind: 'expired', queueId, from, status: st[1] };
    return { kind: 'unrecognised' };
  }
  return { kind: 'sender', queueId, from };
}

/**
 * Read `key=value, ` fields up to `status=`; values in `<…>` may contain commas and spaces. Every
 * field must have that shape; only `to`, `orig_to`, `relay` and `dsn` are kept (no string is cut
 * for `delay=` and `delays=`).
 */
function parseDelivery(queueId: string, rest: string): PostfixRecord {
  let to: string | undefined, origTo: string | undefined, relay: string | undefined, dsn: string | undefined;
  let i = 0;
  while (i < rest.length) {
    const eq = rest.indexOf('=', i);
    if (eq < 0) break;
    const space = rest.indexOf(' ', i);
    if (space >= 0 && space < eq) return { kind: 'unrecognised' };
    if (eq - i === 6 && rest.startsWith('status', i)) {
      const sp = rest.indexOf(' ', eq + 1);
      const status = rest.slice(eq + 1, sp < 0 ? undefined : sp);
      let text: string | undefined;
      if (sp >= 0) {
        const t = rest.slice(sp + 1).trimEnd();
        // The text is free-form and may contain parentheses: its closing `)` is the line's last character.
        text = t.startsWith('(') && t.endsWith(')') ? t.slice(1, -1) : t;
      }
      if (to === undefined || relay === undefined) return { kind: 'unrecognised' };
      return { kind: 'delivery', queueId, to, origTo, relay, dsn, status, text };
    }
    let start: number, end: number, next: number;
    if (rest.charCodeAt(eq + 1) === 60 /* < */) {
      // `>, ` ends a bracketed value; a quoted local part may contain `>`, so prefer the `>, ` form.
      let close = rest.indexOf('>, ', eq + 2);
      if (close < 0) close = rest.indexOf('>', eq + 2);
      if (close < 0) return { kind: 'unrecognised' };
      start = eq + 2;
      end = close;
      next = close + 1;
    } else {
      const comma = rest.indexOf(', ', eq + 1);
      if (comma < 0) return { kind: 'unrecognised' };
      start = eq + 1;
      end = comma;
      next = comma;
    }
    switch (eq - i) {
      case 2: if (rest.startsWith('to', i)) to = rest.slice(start, end); break;
      case 7: if (rest.startsWith('orig_to', i)) origTo = rest.slice(start, end); break;
      case 5: if (rest.startsWith('relay', i)) relay = rest.slice(start, end); break;
      case 3: if (rest.startsWith('dsn', i)) dsn = rest.slice(start, end); break;
    }
    if (rest.startsWith(', ', next)) next += 2;
    else return { kind: 'unrecognised' };
    i = next;
  }
  return { kind: 'unrecognised' };
}

const REJECT_HEAD = /^([a-z_-]+): ([A-Z-]+) from ([^\s[]*)\[([^\]]*)\](?::\d+)?: /;

function parseReject(queueId: string, rest: string): PostfixRecord {
  const m = REJECT_HEAD.exec(rest);
  if (!m) return { kind: 'unrecognised' };
  const [, action, stage, host, ip] = m;
  let body = rest.slice(m[0].length);
  // Trailing `; from=<s> to=<r> proto=P helo=<h>` (postscreen separates them with `, `).
  let tail = '';
  const cut = body.lastIndexOf('; from=<');
  const cutTo = cut < 0 ? body.lastIndexOf('; to=<') : -1;
  const cutProto = cut < 0 && cutTo < 0 ? body.lastIndexOf('; proto=') : -1;
  const at = Math.max(cut, cutTo, cutProto);
  if (at >= 0) {
    tail = body.slice(at + 2);
    body = body.slice(0, at);
  }
  const from = /(?:^|[ ,])from=<([^>]*)>/.exec(tail)?.[1];
  let to = /(?:^|[ ,])to=<([^>]*)>/.exec(tail)?.[1];
  if (to === undefined && stage === 'RCPT') to = /^\d{3} [245]\.\d{1,3}\.\d{1,3} <([^>]*)>: Recipient address/.exec(body)?.[1];
  return {
    kind: 'reject', queueId, action: action!, stage: stage!,
    client: { host: host && host !== 'unknown' ? host : undefined, ip: ip || undefined },
    reply: body, from, to,
  };
}

export interface RemoteReply {
  remoteHost?: string;
  remoteIp?: string;
  reply: string;
  command?: string;
}

const HOST_SAID = /^host ([^\s[]+)\[([^\]]*)\] (?:said|refused to talk to me): /;
const CONNECT_TO = /^(?:connect to|lost connection with|conversation with) ([^\s[]+)\[([^\]]*)\]/;

/** Split a delivery status text into the remote host and its reply (FORMATS.md §1.2). */
export function parseRemoteReply(text: string): RemoteReply {
  let m = HOST_SAID.exec(text);
  if (m) {
    let reply = text.slice(m[0].length);
    let command: string | undefined;
    const inReply = / \(in reply to ([A-Za-z ]{3,30}) command\)$/.exec(reply);
    if (inReply) {
      command = inReply[1];
      reply = reply.slice(0, inReply.index);
    }
    return { remoteHost: m[1], remoteIp: m[2], reply, command };
  }
  m = CONNECT_TO.exec(text);
  if (m) return { remoteHost: m[1], remoteIp: m[2], reply: text };
  return { reply: text };
}

/** `relay=` → host and IP; `none`, `local`, `virtual`, sockets and loopback are not remote. */
export function parseRelay(relay: string): { host?: string; ip?: string; remote: boolean } {
  const b = relay.indexOf('[');
  if (b < 0) return { remote: false };
  const host = relay.slice(0, b);
  const close = relay.indexOf(']', b);
  const inside = relay.slice(b + 1, close < 0 ? undefined : close);
  if (inside.includes('/')) return { host, remote: false }; // unix socket (LMTP to dovecot)
  return { host, ip: inside, remote: !isLoopback(inside) };
}

const STATUS_OUTCOME: Record<string, DeliveryEvent['outcome'] | 'probe'> = {
  sent: 'delivered',
  bounced: 'bounced',
  deferred: 'deferred',
  SOFTBOUNCE: 'deferred', // soft_bounce=yes: a 5xx kept as a retry; the class still comes from the text
  expired: 'expired',
  'force-expired': 'expired',
  // Address verification probes (verify(8)): not deliveries.
  deliverable: 'probe',
  undeliverable: 'probe',
  'undeliverable-but-not-cached': 'probe',
};

/** Turns Postfix records of one input into events, joining them by queue id. */
export class PostfixEvents {
  readonly queue: PostfixQueue;
  /** Set when reading a byte range apart (ctx.range): the same queue, recording what the merge needs. */
  private readonly rangeQueue: RangeQueue | undefined;

  constructor(private readonly ctx: ReadContext) {
    this.rangeQueue = ctx.range ? new RangeQueue() : undefined;
    this.queue = this.rangeQueue ?? new PostfixQueue();
    if (ctx.resume) this.queue.load([...ctx.resume.queue].map(([key, e]) => [this.localKey(key), e]));
  }

  /** Events of one line; `null` when the line is a recognised non-event, `undefined` when unrecognised. */
  handle(env: SyslogEnvelope, line: number): RecordResult {
    const rec = parsePostfixMessage(env.message);
    switch (rec.kind) {
      case 'info':
        return null;
      case 'unrecognised':
        return undefined;
      case 'sender':
        this.queue.upsert(this.scopeOf(env) + rec.queueId).sender = rec.from;
        return null;
      case 'message-id':
        this.queue.upsert(this.scopeOf(env) + rec.queueId).messageId = rec.messageId;
        return null;
      case 'removed':
        this.queue.remove(this.scopeOf(env) + rec.queueId);
        return null;
      case 'expired':
        return this.expired(env, line, this.scopeOf(env) + rec.queueId, rec.queueId, rec.from);
      case 'reject':
        return this.reject(env, line, rec, this.scopeOf(env) + rec.queueId);
      case 'delivery':
        return this.delivery(env, line, rec, this.scopeOf(env) + rec.queueId);
    }
  }

  private lastHost = '';
  private lastProgram = '';
  private lastScope = '';
  private readonly scopes = new Map<string, string>();
  /** Scopes by host, then by program as logged (`postfix/smtp`). */
  private readonly programScopes = new Map<string, Map<string, string>>();
  private hostPrograms = new Map<string, string>();
  /** The spelled-out scope of each one-character prefix, by its character code. */
  private readonly scopeNames: string[] = [];

  /**
   * The prefix of the queue keys of a line: a queue id is unique within one Postfix instance
   * (`postfix-out/smtp` → `postfix-out`) of one host. The first 256 host-and-instance pairs get a
   * one-character prefix, so that a key of a short queue id stays under 13 characters, which V8
   * builds as a flat string (a longer concatenation is copied again at every map lookup). Later
   * pairs are spelled out (`host|instance|`) after U+0100, which no one-character prefix reaches.
   */
  private scopeOf(env: SyslogEnvelope): string {
    return this.scopeOfNames(env.host, env.program);
  }

  /** The queue key prefix of lines of `host` and `program` (see scopeOf). */
  scopeOfNames(host: string, program: string): string {
    if (host !== this.lastHost || program !== this.lastProgram) {
      // Consecutive lines mostly alternate between a host's daemons: the scope is looked up by the
      // program among the host's, without building the spelled-out scope each time.
      if (host !== this.lastHost) {
        let programs = this.programScopes.get(host);
        if (!programs) this.programScopes.set(detach(host), (programs = new Map()));
        this.hostPrograms = programs;
      }
      let scope = this.hostPrograms.get(program);
      if (scope === undefined) {
        const slash = program.indexOf('/');
        scope = this.scopeFor(`${host}|${slash < 0 ? program : program.slice(0, slash)}|`);
        this.hostPrograms.set(detach(program), scope);
      }
      this.lastScope = scope;
      this.lastHost = host;
      this.lastProgram = program;
    }
    return this.lastScope;
  }

  private scopeFor(full: string): string {
    let scope = this.scopes.get(full);
    if (scope === undefined) {
      scope = `\u0100${full}`;
      const kept = detach(full);
      if (this.scopes.size < 256) {
        scope = String.fromCharCode(this.scopes.size);
        this.scopeNames.push(kept);
      }
      this.scopes.set(kept, scope);
    }
    return scope;
  }

  /** A queue key spelled out (`host|instance|queueId`), the same in every range of a log. */
  spelledKey(key: string): string {
    const c = key.charCodeAt(0);
    return c < 256 ? this.scopeNames[c]! + key.slice(1) : key.slice(1);
  }

  /** The key of a spelled-out one (a queue id has no `|`). */
  private localKey(spelled: string): string {
    const bar = spelled.lastIndexOf('|');
    return this.scopeFor(spelled.slice(0, bar + 1)) + spelled.slice(bar + 1);
  }

  /** The queue as a range leaves it, with spelled-out keys (see RangeQueue). */
  rangeState(): RangeQueueState | undefined {
    const q = this.rangeQueue;
    if (!q) return undefined;
    const entries: RangeEntry[] = [];
    for (const [k, e] of q.all()) {
      const fresh = q.known(k);
      const entry: RangeEntry = { key: this.spelledKey(k), fresh, sender: e.sender, messageId: e.messageId };
      if (fresh && e.deferred) entry.deferred = [...e.deferred.values()];
      entries.push(entry);
    }
    return {
      removed: keySet(q.removedOpen.map((k) => this.spelledKey(k))),
      entries,
      deferredOps: [...q.deferredOps].map(([k, ops]) => [this.spelledKey(k), ops]),
      peak: q.peak,
    };
  }

  /**
   * The event of a line with queue key `k` (OMITTED when its class is not one the caller keeps,
   * see ReadOptions.keepClasses). In a range read apart whose entry for `k` may have
   * been opened before the range and lacks a sender or Message-ID, it is built with what the range
   * knows and the merge fills those in (see RangeFix).
   */
  private queuedEvent(k: string, parts: EventParts): DeliveryEvent[] | typeof OMITTED {
    const e = buildKeptEvent(parts, this.ctx.classifier, this.ctx.keepClasses);
    if (!e) return OMITTED; // of a class the caller does not keep: its sender and Message-ID do not matter
    const needSender = parts.sender === undefined, needMessageId = parts.messageId === undefined;
    if (this.rangeQueue && (needSender || needMessageId) && !this.rangeQueue.known(k)) {
      this.ctx.range!.fixes.set(e, { kind: 'event', key: this.spelledKey(k), parts, needSender, needMessageId });
    }
    return [e];
  }

  private delivery(env: SyslogEnvelope, line: number, rec: Extract<PostfixRecord, { kind: 'delivery' }>, k: string): RecordResult {
    const outcome = STATUS_OUTCOME[rec.status];
    if (outcome === undefined) return undefined;
    if (outcome === 'probe') return null;
    const relay = parseRelay(rec.relay);
    const daemon = env.program.slice(env.program.lastIndexOf('/') + 1);
    // A content-filter hop (smtp to amavis on loopback) is not a delivery: the message comes back
    // under a new queue id and its real delivery is logged then (FORMATS.md §8 item 14).
    if (outcome === 'delivered' && relay.ip !== undefined && !relay.remote && daemon === 'smtp') return null;
    if (outcome === 'delivered' && omits(this.ctx, 'none')) {
      this.queue.forget(k, rec.to);
      return OMITTED;
    }
    const reply = parseRemoteReply(rec.text ?? '');
    const remoteHost = reply.remoteHost ?? (relay.ip !== undefined ? relay.host : undefined);
    const remoteIp = reply.remoteIp ?? relay.ip;
    const remote = remoteIp !== undefined && !isLoopback(remoteIp);
    const answeredBy = remote ? { host: remoteHost, ip: remoteIp } : { host: env.host };
    if (outcome === 'delivered' && this.ctx.onDelivered) {
      this.queue.forget(k, rec.to);
      handOverDelivery(this.ctx.onDelivered, env.time, rec.to, answeredBy, reply.reply || undefined);
      return OMITTED;
    }
    const entry = this.queue.get(k);
    if (outcome === 'deferred') {
      this.queue.remember(k, { recipient: rec.to, originalRecipient: rec.origTo, relay: rec.relay, text: rec.text, dsn: rec.dsn });
    } else {
      this.queue.forget(k, rec.to);
    }
    const data: Record<string, string> | undefined = reply.command ? { command: reply.command } : undefined;
    const parts: EventParts = {
      time: env.time, source: 'postfix', origin: { file: this.ctx.file, line },
      recipient: rec.to, originalRecipient: rec.origTo,
      sender: entry?.sender, messageId: entry?.messageId, queueId: rec.queueId,
      outcome, status: rec.dsn, diagnostic: reply.reply || undefined,
      remoteHost: remote ? remoteHost : undefined, remoteIp: remote ? remoteIp : undefined,
      reporter: env.host, answeredBy, data,
    };
    return this.queuedEvent(k, parts);
  }

  private reject(env: SyslogEnvelope, line: number, rec: Extract<PostfixRecord, { kind: 'reject' }>, k: string): RecordResult {
    // reject_warning (warn_if_reject), discard, hold, filter, redirect, warn: not refusals.
    if (rec.action !== 'reject' && rec.action !== 'milter-reject') return null;
    // CONNECT/HELO/MAIL stage: no recipient was refused. A RCPT reject without one was cut short.
    if (rec.to === undefined) return rec.stage === 'RCPT' ? undefined : null;
    if (rec.to === '') return null; // `to=<>`: a HELO/client reject logged at RCPT, no recipient
    const queued = rec.queueId !== 'NOQUEUE';
    const entry = queued ? this.queue.get(k) : undefined;
    const parts: EventParts = {
      time: env.time, source: 'postfix', origin: { file: this.ctx.file, line },
      recipient: rec.to, sender: rec.from ?? entry?.sender, messageId: entry?.messageId,
      queueId: queued ? rec.queueId : undefined,
      outcome: 'rejected', diagnostic: rec.reply,
      // The other end of an smtpd session is the client; the refusal is this host's own.
      remoteHost: rec.client.host, remoteIp: rec.client.ip,
      reporter: env.host, answeredBy: { host: env.host },
      data: { stage: rec.stage },
    };
    if (queued) return this.queuedEvent(k, parts);
    const e = buildKeptEvent(parts, this.ctx.classifier, this.ctx.keepClasses);
    return e ? [e] : OMITTED;
  }

  /** qmgr gave up on a message: every recipient still deferred in it expired with its last reply. */
  private expired(env: SyslogEnvelope, line: number, k: string, queueId: string, from: string): DeliveryEvent[] | null {
    const messageId = this.queue.get(k)?.messageId;
    const q = this.rangeQueue;
    if (q && !q.known(k)) {
      // Recipients deferred before the range are not known here: the merge builds these events.
      const fix: ExpiryFix = { kind: 'expired', key: this.spelledKey(k), ops: q.opsOf(k), time: env.time, host: env.host, line, queueId, from, messageId };
      q.takeDeferred(k);
      const stand = buildEvent({ time: env.time, source: 'postfix', origin: { file: this.ctx.file, line }, recipient: '', outcome: 'expired', answeredBy: {} }, this.ctx.classifier);
      this.ctx.range!.fixes.set(stand, fix);
      return [stand];
    }
    const events = expiredEvents(this.queue.takeDeferred(k), { time: env.time, host: env.host, file: this.ctx.file, line, queueId, from, messageId }, this.ctx.classifier);
    return events.length ? events : null;
  }
}

/** Where and by what qmgr expired a message (see expiredEvents). */
export interface Expiry {
  time: number;
  host: string;
  file: string;
  line: number;
  queueId: string;
  from: string;
  messageId: string | undefined;
}

/** The events of recipients still deferred when qmgr expired their message, each with its last reply. */
export function expiredEvents(pending: readonly DeferredRecipient[], at: Expiry, classifier: Classifier): DeliveryEvent[] {
  return pending.map((d) => {
    const reply = parseRemoteReply(d.text ?? '');
    const relay = parseRelay(d.relay ?? '');
    const remoteHost = reply.remoteHost ?? (relay.remote ? relay.host : undefined);
    const remoteIp = reply.remoteIp ?? (relay.remote ? relay.ip : undefined);
    return buildEvent({
      time: at.time, source: 'postfix', origin: { file: at.file, line: at.line },
      recipient: d.recipient, originalRecipient: d.originalRecipient,
      sender: at.from, messageId: at.messageId, queueId: at.queueId,
      outcome: 'expired', status: d.dsn, diagnostic: reply.reply || undefined,
      remoteHost, remoteIp, reporter: at.host,
      answeredBy: remoteHost || remoteIp ? { host: remoteHost, ip: remoteIp } : { host: at.host },
    }, classifier);
  });
}

/** True for the program field of a Postfix daemon: `postfix/smtp`, `postfix-out/submission/smtpd`, `/postfix-script`. */
export function isPostfixProgram(program: string): boolean {
  return program.startsWith('postfix') || program.startsWith('/postfix');
}
