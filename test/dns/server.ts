/**
 * A small DNS server on loopback for the mx-check tests: answers from a record list, acting as a
 * recursive resolver (follows CNAMEs) or as an authoritative server (stops at them, sets AA). It
 * can also answer SERVFAIL for chosen names, or never answer at all. Only 127.0.0.0/8 is used.
 */

import dgram from 'node:dgram';
import packet, { type Answer, type DecodedPacket } from 'dns-packet';

export interface Rec { name: string; type: 'A' | 'AAAA' | 'MX' | 'NS' | 'CNAME'; ttl?: number; data: string | { preference: number; exchange: string } }

export interface DnsServerOptions {
  host: string;
  port?: number;
  records: Rec[];
  recursive?: boolean;
  servfail?: string[];
  silent?: boolean;
  /** Names this server answers referrals for (NS in the authority section), like a parent zone. */
  delegations?: Rec[];
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export async function startDnsServer(opts: DnsServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const lc = (s: string): string => s.toLowerCase().replace(/\.$/, '');
  sock.on('message', (msg, rinfo) => {
    if (opts.silent) return;
    let q: DecodedPacket;
    try { q = packet.decode(msg); } catch { return; }
    const question = q.questions?.[0];
    if (!question) return;
    const name = lc(question.name);
    const type = question.type;
    let rcode: number = RCODE.NOERROR;
    const answers: Answer[] = [];
    const authorities: Answer[] = [];
    if (opts.servfail?.includes(name)) rcode = RCODE.SERVFAIL;
    else {
      let target = name;
      for (let hop = 0; hop < 8; hop++) {
        const hits = opts.records.filter((r) => lc(r.name) === target && r.type === type);
        if (hits.length) { for (const r of hits) answers.push({ name: r.name, type: r.type, ttl: r.ttl ?? 300, class: 'IN', data: r.data } as Answer); break; }
        const cname = opts.records.find((r) => lc(r.name) === target && r.type === 'CNAME');
        if (!cname || type === 'CNAME') break;
        answers.push({ name: cname.name, type: 'CNAME', ttl: cname.ttl ?? 300, class: 'IN', data: cname.data } as Answer);
        if (!opts.recursive) break;
        target = lc(String(cname.data));
      }
      const referral = opts.delegations?.filter((r) => lc(r.name) === name) ?? [];
      for (const r of referral) authorities.push({ name: r.name, type: 'NS', ttl: r.ttl ?? 3600, class: 'IN', data: r.data } as Answer);
      const known = opts.records.some((r) => lc(r.name) === name || lc(r.name).endsWith(`.${name}`)) || referral.length > 0;
      if (!answers.length && !known) rcode = RCODE.NXDOMAIN;
    }
    const flags = packet.RECURSION_AVAILABLE | (opts.recursive ? 0 : packet.AUTHORITATIVE_ANSWER) | rcode;
    const out = packet.encode({ type: 'response', id: q.id, flags, questions: q.questions, answers, authorities });
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port ?? 0, opts.host, () => resolve());
  });
  return { port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}
