/** Postfix `smtp` lines for tests of how deliveries and refusals reach the correlator. */

/** Lines of one relay, a minute apart from Nov 27 08:00:00 on: `sent` and `bounced` (550 5.1.1) to `to` at `host`. */
export function smtpLines(): { sent: (qid: string, to: string, host: string) => string; bounced: (qid: string, to: string, host: string) => string } {
  let n = 0;
  const at = (): string => `Nov 27 ${String(8 + Math.floor(n / 60)).padStart(2, '0')}:${String(n++ % 60).padStart(2, '0')}:00 relay1`;
  return {
    sent: (qid, to, host) =>
      `${at()} postfix/smtp[71]: ${qid}: to=<${to}>, relay=${host}[198.51.100.25]:25, delay=0.4, delays=0.1/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4QX1)`,
    bounced: (qid, to, host) =>
      `${at()} postfix/smtp[71]: ${qid}: to=<${to}>, relay=${host}[198.51.100.40]:25, delay=0.4, delays=0.1/0/0.2/0.1, dsn=5.1.1, status=bounced (host ${host}[198.51.100.40] said: 550 5.1.1 <${to}>: Recipient address rejected: User unknown (in reply to RCPT TO command))`,
  };
}
