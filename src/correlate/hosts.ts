/**
 * Host lists (`--old-mx`, `--new-mx`) and the role of the host that answered (DESIGN.md § Who
 * answered): `stale-a` when its name is listed new but its IP old; `old` when name or IP is listed
 * old; `new` when name or IP is listed new; `other` otherwise.
 */

import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import type { HostRef } from '../types.js';

export type HostRole = 'stale-a' | 'old' | 'new' | 'other';

/** The identity of Exchange Online in events (trace rows, NDRs from *.outlook.com). */
export const EXCHANGE_ONLINE = 'exchange-online';

export interface HostList {
  names: Set<string>;
  /** `*.example.net` entries, stored as `.example.net`. */
  suffixes: string[];
  ips: Set<string>;
  /** True when an entry means Exchange Online (the word itself, or a name under outlook.com). */
  exchangeOnline: boolean;
  /** The entries as given, for reports. */
  entries: string[];
}

const HOST_NAME = /^(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;

export function emptyHostList(): HostList {
  return { names: new Set(), suffixes: [], ips: new Set(), exchangeOnline: false, entries: [] };
}

export function normaliseIp(ip: string): string {
  return ip.replace(/^\[|\]$/g, '').replace(/^ipv6:/i, '').toLowerCase();
}

/** Parse host list entries; anything that is neither a name nor an IP is a UsageError. */
export function parseHostList(flag: string, entries: readonly string[]): HostList {
  const list = emptyHostList();
  for (const raw of entries) {
    const e = raw.trim().replace(/\.$/, '').toLowerCase();
    if (!e) continue;
    list.entries.push(e);
    if (e === EXCHANGE_ONLINE) { list.exchangeOnline = true; continue; }
    const ip = normaliseIp(e);
    if (isIP(ip)) { list.ips.add(ip); continue; }
    if (e.length > 253 || !HOST_NAME.test(e)) throw new UsageError(`${flag}: '${raw}' is neither a host name nor an IP address`);
    if (e.startsWith('*.')) list.suffixes.push(e.slice(1));
    else list.names.add(e);
    if (e.endsWith('.outlook.com')) list.exchangeOnline = true;
  }
  return list;
}

function nameListed(list: HostList, host: string): boolean {
  if (host === EXCHANGE_ONLINE) return list.exchangeOnline;
  if (list.names.has(host)) return true;
  if (list.suffixes.some((s) => host.endsWith(s))) return true;
  // A syslog host like `mx1` stands for the listed FQDN whose first label it is.
  if (!host.includes('.')) for (const n of list.names) if (n.startsWith(`${host}.`)) return true;
  return false;
}

export interface HostLists {
  old: HostList;
  new: HostList;
}

export function hostListsGiven(lists: HostLists): boolean {
  return lists.old.entries.length > 0 || lists.new.entries.length > 0;
}

export function roleOf(lists: HostLists, ref: HostRef): HostRole {
  const host = ref.host?.replace(/\.$/, '').toLowerCase();
  const ip = ref.ip ? normaliseIp(ref.ip) : undefined;
  const nameNew = host !== undefined && nameListed(lists.new, host);
  const nameOld = host !== undefined && nameListed(lists.old, host);
  const ipNew = ip !== undefined && lists.new.ips.has(ip);
  const ipOld = ip !== undefined && lists.old.ips.has(ip);
  if (nameNew && ipOld) return 'stale-a';
  if (nameOld || ipOld) return 'old';
  if (nameNew || ipNew) return 'new';
  return 'other';
}

/** `host [ip]`, `host` or `[ip]`, for evidence and the remote_hosts column. */
export function hostLabel(ref: HostRef): string {
  if (ref.host && ref.ip) return `${ref.host} [${ref.ip}]`;
  if (ref.host) return ref.host;
  if (ref.ip) return `[${ref.ip}]`;
  return '(unknown host)';
}
