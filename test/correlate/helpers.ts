/** In-memory events for correlator tests: a delivery or a refusal in one line each. */

import { defaultClassifier } from '../../src/classify/classify.js';
import { Correlator, type Analysis } from '../../src/correlate/correlate.js';
import { parseCutovers, type MigrationContext } from '../../src/correlate/context.js';
import { parseHostList } from '../../src/correlate/hosts.js';
import { buildEvent } from '../../src/ingest/event.js';
import type { DeliveryEvent, HostRef, Outcome } from '../../src/types.js';

export const CUT = Date.parse('2024-11-27T09:00:00Z');
export const H = 3_600_000;
export const OLD: HostRef = { host: 'mx1.old.example', ip: '192.0.2.10' };
export const NEW: HostRef = { host: 'mx.new.example', ip: '198.51.100.40' };
export const STALE_A: HostRef = { host: 'mx.new.example', ip: '192.0.2.10' };

let line = 0;
export function event(recipient: string, at: number, host: HostRef, reply?: string, extra: { outcome?: Outcome; messageId?: string; sender?: string; queueId?: string } = {}): DeliveryEvent {
  return buildEvent({
    time: at, source: 'postfix', origin: { file: 'test.log', line: ++line }, recipient,
    outcome: extra.outcome ?? (reply === undefined ? 'delivered' : reply.startsWith('4') ? 'deferred' : 'bounced'),
    diagnostic: reply ?? '250 2.0.0 Ok', answeredBy: host, remoteHost: host.host, remoteIp: host.ip,
    messageId: extra.messageId, sender: extra.sender, queueId: extra.queueId,
  }, defaultClassifier());
}

export const UNKNOWN = (r: string): string => `550 5.1.1 <${r}>: Recipient address rejected: User unknown in virtual mailbox table`;
export const RELAY_DENIED = (r: string): string => `554 5.7.1 <${r}>: Relay access denied`;

export function context(opts: { cutover?: string; lists?: boolean; oldUsers?: string[]; newUsers?: string[] } = {}): MigrationContext {
  const lists = opts.lists ?? true;
  return {
    cutover: parseCutovers(opts.cutover === undefined ? ['2024-11-27T09:00:00Z'] : opts.cutover ? [opts.cutover] : []),
    hosts: {
      old: parseHostList('--old-mx', lists ? ['mx1.old.example', '192.0.2.10'] : []),
      new: parseHostList('--new-mx', lists ? ['mx.new.example', '198.51.100.40'] : []),
    },
    oldUsers: opts.oldUsers ? new Set(opts.oldUsers) : undefined,
    newUsers: opts.newUsers ? new Set(opts.newUsers) : undefined,
  };
}

export function correlate(events: DeliveryEvent[], ctx = context()): Analysis {
  const c = new Correlator(ctx);
  for (const e of events) c.add(e);
  return c.finish();
}

/** `recipient → cause` for compact assertions. */
export function causes(a: Analysis): Record<string, string> {
  return Object.fromEntries(a.findings.map((f) => [f.recipient, f.cause]));
}
