/** `bouncelens mx-check`: is DNS done migrating? */

import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { parseHostList } from '../../correlate/hosts.js';
import { mxCheck } from '../../dns/mx-check.js';
import type { Server } from '../../dns/query.js';
import { mxCheckExitCode, renderMxCheckTable } from '../../dns/report.js';
import { UsageError } from '../../errors.js';
import { describeFsError } from '../../io/inputs.js';
import { loadConfig, mergeConfig } from '../config.js';
import { parseChoice, splitList } from '../options.js';
import { openOutput } from '../output.js';

export interface MxCheckFlags {
  resolver?: string[];
  authoritative?: boolean;
  oldMx?: string[];
  newMx?: string[];
  config?: string;
  timeout?: string;
  format?: string;
  save?: string;
}

const DOMAIN = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}\.?$/i;

/** `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`, `[2001:db8::53]:5353`. */
export function parseResolver(text: string): Server {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  let host: string, port: string | undefined;
  if (v6) [, host, port] = v6 as unknown as [string, string, string | undefined];
  else if (isIP(text) === 6) host = text;
  else [host, port] = text.split(':') as [string, string | undefined];
  if (!isIP(host)) throw new UsageError(`--resolver: '${text}' is not an IP address (IP, IP:PORT or [IPv6]:PORT)`);
  const p = port === undefined ? 53 : Number(port);
  if (!/^\d+$/.test(port ?? '53') || p < 1 || p > 65535) throw new UsageError(`--resolver: port in '${text}' is out of range (1-65535)`);
  return { host, port: p };
}

export async function runMxCheck(domains: string[], raw: MxCheckFlags): Promise<number> {
  const flags = raw.config ? mergeConfig(raw, await loadConfig(raw.config)) : raw;
  if (domains.length === 0) throw new UsageError('mx-check: name at least one domain');
  for (const d of domains) if (!DOMAIN.test(d)) throw new UsageError(`mx-check: '${d}' is not a domain name`);
  const format = parseChoice('--format', flags.format ?? 'table', ['table', 'json'] as const);
  const timeoutMs = flags.timeout === undefined ? 3000 : Number(flags.timeout);
  if (!/^\d+$/.test(flags.timeout ?? '3000') || timeoutMs < 1 || timeoutMs > 120_000) throw new UsageError(`--timeout: '${flags.timeout}' is not a number of milliseconds (1-120000)`);
  const given = splitList(flags.resolver);
  const resolvers = (given.length ? given : getServers()).map(parseResolver);
  const lists = { old: parseHostList('--old-mx', splitList(flags.oldMx)), new: parseHostList('--new-mx', splitList(flags.newMx)) };
  const snapshot = await mxCheck(domains.map((d) => d.replace(/\.$/, '').toLowerCase()), { resolvers, authoritative: flags.authoritative === true, timeoutMs, lists });
  if (flags.save) {
    try {
      await writeFile(flags.save, JSON.stringify(snapshot, null, 2) + '\n');
    } catch (err) {
      throw new UsageError(`--save ${flags.save}: ${describeFsError(err)}`);
    }
  }
  const out = await openOutput(undefined);
  await out.write(format === 'json' ? JSON.stringify(snapshot, null, 2) + '\n' : renderMxCheckTable(snapshot));
  await out.close();
  return mxCheckExitCode(snapshot);
}
