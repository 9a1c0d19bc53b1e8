/**
 * Exchange recipient-status values. One row's `recipient-address` and `recipient-status` are
 * parallel `;`-separated lists, but one status can itself contain `;`
 * (`550 5.1.1 RESOLVER.ADR.RecipNotFound; not found`, `[{LED=…};{MSG=};{FQDN=h};{IP=a};{LRT=…}]`),
 * so statuses are split by recipient count, a new one starting at `ddd`, `[{LED=` or To/Cc/Bcc.
 */

const STATUS_START = /^(?:[245]\d\d(?:\s|$)|[245]\d\d[245]\.|\[\{LED=|(?:To|Cc|Bcc)$)/;

export function splitStatuses(status: string, recipients: number): string[] {
  if (recipients <= 1) return [status];
  const tokens: string[] = [];
  for (const part of status.split(';')) {
    const p = part.trim();
    if (tokens.length === 0 || STATUS_START.test(p)) tokens.push(p);
    else tokens[tokens.length - 1] += `;${part}`;
  }
  if (tokens.length === 1) return new Array<string>(recipients).fill(tokens[0]!);
  return tokens;
}

export interface StatusParts {
  /** The SMTP reply or resolver text. */
  text: string;
  host?: string;
  ip?: string;
}

/** `[{LED=550 5.1.1 …};{MSG=};{FQDN=mx.example.com};{IP=192.0.2.1};{LRT=…}]` → reply, host, IP. */
export function parseStatus(status: string): StatusParts {
  const s = status.trim();
  if (!s.startsWith('[{')) return { text: s };
  const field = (name: string): string | undefined => {
    const i = s.indexOf(`{${name}=`);
    if (i < 0) return undefined;
    const end = s.indexOf('}', i);
    const v = s.slice(i + name.length + 2, end < 0 ? undefined : end).trim();
    return v || undefined;
  };
  return { text: field('LED') ?? field('MSG') ?? s, host: field('FQDN'), ip: field('IP') };
}
