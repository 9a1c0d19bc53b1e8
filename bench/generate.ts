/**
 * Deterministic benchmark inputs (seeded): a Postfix log of a busy relay (~2,000 recipient
 * domains, ~200,000 recipients with skewed popularity, ~93 % sent / ~3 % bounced with varied
 * 5.x.y texts / ~4 % deferred, ~1 % NOQUEUE rejects, qmgr/cleanup/removed lines, ~2 days), its
 * gzip copy, and a folder of bounce messages of mixed formats. Written once into bench/.cache.
 */

import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function syslogTime(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${day} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

const BOUNCES = [
  (r: string, h: string) => `host ${h} said: 550 5.1.1 <${r}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)`,
  (r: string, h: string) => `host ${h} said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123456wrp.107 - gsmtp (in reply to RCPT TO command)`,
  (r: string, h: string) => `host ${h} said: 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient ${r} not found by SMTP address lookup (in reply to RCPT TO command)`,
  (r: string, h: string) => `host ${h} said: 552 5.2.2 <${r}>: Mailbox full (in reply to RCPT TO command)`,
  (_r: string, h: string) => `host ${h} said: 550 5.7.1 Message rejected as spam by Content Filtering. (in reply to end of DATA command)`,
  (r: string, h: string) => `host ${h} said: 554 5.7.1 <${r}>: Relay access denied (in reply to RCPT TO command)`,
];
const DEFERS = [
  (r: string, h: string) => `host ${h} said: 450 4.7.1 <${r}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/ (in reply to RCPT TO command)`,
  (_r: string, h: string) => `connect to ${h}:25: Connection timed out`,
  (_r: string, h: string) => `host ${h} said: 421 4.7.0 Try again later, closing connection. (in reply to MAIL FROM command)`,
];

export async function generatePostfixLog(file: string, targetBytes: number, seed = 42): Promise<void> {
  const rand = rng(seed);
  const domains = Array.from({ length: 2000 }, (_, i) => `d${i}.example`);
  const hostOf = (d: string, i: number): string => `mx${i % 3}.${d}[${i % 2 ? '198.51.100' : '203.0.113'}.${(i * 7) % 250 + 1}]`;
  // Skewed popularity: recipient index ~ 200000 * u^3.
  const recipient = (): [string, string, number] => {
    const i = Math.floor(200_000 * rand() ** 3);
    const d = Math.floor(2000 * (i / 200_000) ** 0.5) % 2000;
    return [`user${i}@${domains[d]}`, domains[d]!, d];
  };
  const out = createWriteStream(file);
  let written = 0;
  let t = Date.UTC(2024, 10, 26, 0, 0, 0);
  let q = 0x100000;
  let pid = 1000;
  const buf: string[] = [];
  const flush = async (): Promise<void> => {
    const s = buf.join('');
    buf.length = 0;
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  const stepMs = (2 * 86_400_000) / (targetBytes / 900); // ~2 days over the whole file
  while (written < targetBytes) {
    t += stepMs * (0.5 + rand());
    const ts = syslogTime(t);
    const qid = (q++).toString(16).toUpperCase().padStart(10, '0');
    const p = pid++ % 30000 + 1000;
    const client = `app${p % 50}.example.info[192.0.2.${p % 250 + 1}]`;
    if (rand() < 0.01) {
      const [r] = recipient();
      buf.push(`${ts} relay1 postfix/smtpd[${p}]: NOQUEUE: reject: RCPT from ${client}: 550 5.1.1 <${r}>: Recipient address rejected: User unknown in local recipient table; from=<news@example.info> to=<${r}> proto=ESMTP helo=<app.example.info>\n`);
      continue;
    }
    const n = rand() < 0.8 ? 1 : 1 + Math.floor(rand() * 3);
    buf.push(`${ts} relay1 postfix/smtpd[${p}]: connect from ${client}\n`);
    buf.push(`${ts} relay1 postfix/smtpd[${p}]: ${qid}: client=${client}\n`);
    buf.push(`${ts} relay1 postfix/cleanup[${p + 1}]: ${qid}: message-id=<${qid}.${p}@app.example.info>\n`);
    buf.push(`${ts} relay1 postfix/qmgr[880]: ${qid}: from=<sender${p % 500}@example.info>, size=${1000 + Math.floor(rand() * 90000)}, nrcpt=${n} (queue active)\n`);
    buf.push(`${ts} relay1 postfix/smtpd[${p}]: disconnect from ${client} ehlo=1 mail=1 rcpt=${n} data=1 quit=1 commands=${4 + n}\n`);
    for (let k = 0; k < n; k++) {
      const [r, d, di] = recipient();
      const h = hostOf(d, di);
      const x = rand();
      const status = x < 0.93 ? 'sent' : x < 0.96 ? 'bounced' : 'deferred';
      const text = status === 'sent' ? `250 2.0.0 Ok: queued as ${(q * 31).toString(16).toUpperCase()}`
        : status === 'bounced' ? BOUNCES[Math.floor(rand() * BOUNCES.length)]!(r, h.replace(/\]$/, ']'))
        : DEFERS[Math.floor(rand() * DEFERS.length)]!(r, h);
      const dsn = status === 'sent' ? '2.0.0' : status === 'bounced' ? (/ (5\.\d+\.\d+) /.exec(text)?.[1] ?? '5.0.0') : '4.4.1';
      buf.push(`${ts} relay1 postfix/smtp[${p + 2}]: ${qid}: to=<${r}>, relay=${h}:25, delay=${(rand() * 3).toFixed(2)}, delays=0.01/0/0.5/0.3, dsn=${dsn}, status=${status} (${text})\n`);
    }
    buf.push(`${ts} relay1 postfix/qmgr[880]: ${qid}: removed\n`);
    if (buf.length > 4000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
}

const MESSAGE_TEMPLATES = [
  (r: string, i: number) => `Return-Path: <>\nDate: Wed, 27 Nov 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000\nFrom: MAILER-DAEMON@relay1.example.info (Mail Delivery System)\nTo: news@example.info\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B${i}"\n\n--B${i}\nContent-Type: text/plain\n\n<${r}>: host mx.example.net[192.0.2.5] said: 550 5.1.1 <${r}>: Recipient\n    address rejected: User unknown in virtual mailbox table\n\n--B${i}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay1.example.info\nArrival-Date: Wed, 27 Nov 2024 10:00:00 +0000\n\nFinal-Recipient: rfc822; ${r}\nAction: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; 550 5.1.1 <${r}>: Recipient address rejected: User unknown in virtual mailbox table\n\n--B${i}\nContent-Type: text/rfc822-headers\n\nFrom: news@example.info\nTo: ${r}\nSubject: Newsletter ${i}\nMessage-ID: <${i}@example.info>\n\n--B${i}--\n`,
  (r: string, i: number) => `Return-Path: <>\nDate: 27 Nov 2024 10:00:${String(i % 60).padStart(2, '0')} -0000\nFrom: MAILER-DAEMON@mail.example.org\nTo: news@example.info\nSubject: failure notice\n\nHi. This is the qmail-send program at mail.example.org.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<${r}>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n\nFrom: news@example.info\nTo: ${r}\nSubject: Newsletter ${i}\n`,
  (r: string, i: number) => `From: Microsoft Outlook <MAILER-DAEMON@AM0PR01MB0004.eurprd01.prod.outlook.com>\nTo: <news@example.info>\nDate: Wed, 27 Nov 2024 11:00:00 +0000\nSubject: Undeliverable: Newsletter ${i}\nAuto-Submitted: auto-replied\nContent-Type: multipart/report; report-type=delivery-status; boundary="N${i}"\nMIME-Version: 1.0\n\n--N${i}\nContent-Type: text/plain; charset="us-ascii"\n\nYour message to ${r} couldn't be delivered.\n\n${r}\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'\n\n--N${i}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns;AM0PR01MB0004.eurprd01.prod.outlook.com\n\nFinal-Recipient: rfc822;${r}\nAction: failed\nStatus: 5.1.10\nDiagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\n\n--N${i}--\n`,
  (r: string, i: number) => `Date: Wed, 27 Nov 2024 12:00:00 +0000\nFrom: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: news@example.info\nSubject: Delivery Status Notification (Failure)\nContent-Type: text/plain; charset=UTF-8\n\nDelivery to the following recipient failed permanently:\n\n     ${r}\n\nTechnical details of permanent failure:\nGoogle tried to deliver your message, but it was rejected by the server for the recipient domain by mx.example.net. [192.0.2.5].\n\nThe error that the other server returned was:\n550 5.1.1 <${r}>... User unknown\n\n----- Original message -----\n\nFrom: news@example.info\nTo: ${r}\nSubject: Newsletter ${i}\n`,
];

export function generateBounces(dir: string, count: number, seed = 7): void {
  const rand = rng(seed);
  mkdirSync(path.join(dir, 'cur'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const r = `user${Math.floor(rand() * 50000)}@d${Math.floor(rand() * 500)}.example`;
    writeFileSync(path.join(dir, 'cur', `${1732700000 + i}.M${i}P1.bench:2,S`), MESSAGE_TEMPLATES[i % MESSAGE_TEMPLATES.length]!(r, i));
  }
}

export async function gzipFile(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip({ level: 6 }), createWriteStream(dest));
}

export async function ensureInputs(cacheDir: string, sizes: Record<string, number>, bounceCount: number): Promise<Record<string, string>> {
  mkdirSync(cacheDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(sizes)) {
    const log = path.join(cacheDir, `${name}.log`);
    if (!existsSync(log) || statSync(log).size < bytes) {
      process.stderr.write(`generating ${log} (${(bytes / 1e6).toFixed(0)} MB)…\n`);
      await generatePostfixLog(log, bytes);
    }
    const gz = `${log}.gz`;
    if (!existsSync(gz) || statSync(gz).mtimeMs < statSync(log).mtimeMs) {
      process.stderr.write(`compressing ${gz}…\n`);
      await gzipFile(log, gz);
    }
    files[name] = log;
    files[`${name}.gz`] = gz;
  }
  const bounces = path.join(cacheDir, `bounces-${bounceCount}`);
  if (!existsSync(path.join(bounces, 'cur'))) {
    process.stderr.write(`generating ${bounceCount} bounce messages…\n`);
    generateBounces(bounces, bounceCount);
  }
  files.bounces = bounces;
  return files;
}
