/**
 * One DNS query to one server, over UDP with a TCP retry when the answer is truncated, with a
 * timeout. Packets are encoded and decoded by dns-packet; network errors become results, never
 * exceptions (a dead resolver is a verdict, not a crash).
 */

import dgram from 'node:dgram';
import net from 'node:net';
import packet, { type Answer, type DecodedPacket } from 'dns-packet';

/** dns-packet decodes the response code, but its type definitions leave it out. */
type Packet = DecodedPacket & { rcode?: string };

export interface Server {
  host: string;
  port: number;
}

export type QueryResult =
  | { ok: true; rcode: string; authoritative: boolean; answers: Answer[]; authorities: Answer[]; additionals: Answer[] }
  | { ok: false; error: 'timeout' | 'network'; detail: string };

let nextId = 1;

export function formatServer(s: Server): string {
  return s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

function decoded(p: Packet): QueryResult {
  return {
    ok: true,
    rcode: p.rcode ?? 'NOERROR',
    authoritative: ((p.flags ?? 0) & packet.AUTHORITATIVE_ANSWER) !== 0,
    answers: p.answers ?? [], authorities: p.authorities ?? [], additionals: p.additionals ?? [],
  };
}

function udp(server: Server, buf: Buffer, id: number, timeoutMs: number): Promise<QueryResult | 'truncated'> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const done = (r: QueryResult | 'truncated'): void => { clearTimeout(timer); sock.close(); resolve(r); };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout', detail: `no answer from ${formatServer(server)} within ${timeoutMs} ms` }), timeoutMs);
    sock.on('error', (err) => done({ ok: false, error: 'network', detail: err.message }));
    sock.on('message', (msg) => {
      let p: Packet;
      try { p = packet.decode(msg); } catch { return; } // garbage: keep waiting for a real answer
      if (p.id !== id) return;
      if (((p.flags ?? 0) & packet.TRUNCATED_RESPONSE) !== 0) done('truncated');
      else done(decoded(p));
    });
    sock.send(buf, server.port, server.host, (err) => { if (err) done({ ok: false, error: 'network', detail: err.message }); });
  });
}

function tcp(server: Server, buf: Buffer, timeoutMs: number): Promise<QueryResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: server.host, port: server.port });
    let data = Buffer.alloc(0);
    const done = (r: QueryResult): void => { clearTimeout(timer); sock.destroy(); resolve(r); };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout', detail: `no TCP answer from ${formatServer(server)} within ${timeoutMs} ms` }), timeoutMs);
    sock.on('error', (err) => done({ ok: false, error: 'network', detail: err.message }));
    sock.on('connect', () => {
      // DNS over TCP: the same message behind a two-byte length (RFC 1035 §4.2.2).
      const len = Buffer.alloc(2);
      len.writeUInt16BE(buf.length);
      sock.write(Buffer.concat([len, buf]));
    });
    sock.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        try { done(decoded(packet.decode(data.subarray(2)) as Packet)); } catch (err) { done({ ok: false, error: 'network', detail: (err as Error).message }); }
      }
    });
  });
}

export async function query(server: Server, name: string, type: 'MX' | 'A' | 'AAAA' | 'NS' | 'CNAME', opts: { recursive: boolean; timeoutMs: number }): Promise<QueryResult> {
  const id = (nextId = (nextId % 65535) + 1);
  const buf = packet.encode({
    type: 'query', id, flags: opts.recursive ? packet.RECURSION_DESIRED : 0,
    questions: [{ type, name, class: 'IN' }],
  });
  const r = await udp(server, buf, id, opts.timeoutMs);
  return r === 'truncated' ? tcp(server, buf, opts.timeoutMs) : r;
}
