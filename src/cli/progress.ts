/**
 * The progress line on stderr for long runs: bytes read of the total, rate and time left, redrawn
 * in place at most five times a second. Only on a terminal and without `--quiet`: piped or
 * redirected stderr gets nothing. The reading layer reports raw bytes (compressed bytes for .gz,
 * so the share is right), about once per 1 MiB chunk, which costs nothing measurable.
 */

import type { ProgressSink } from '../ingest/index.js';

export interface ProgressTerminal {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(n: number): string {
  let u = 0;
  while (n >= 1000 && u < UNITS.length - 1) { n /= 1000; u++; }
  return `${n >= 100 || u === 0 ? Math.round(n) : n.toFixed(1)} ${UNITS[u]}`;
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** The line itself: `reading 312 MB / 1.0 GB (31 %)  48 MB/s  ETA 0:15`. */
export function progressLine(read: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? read / (elapsedMs / 1000) : 0;
  const parts = [`reading ${formatBytes(read)}${total > 0 ? ` / ${formatBytes(total)} (${Math.min(100, Math.floor((read / total) * 100))} %)` : ''}`];
  if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
  if (rate > 0 && total > read) parts.push(`ETA ${formatDuration((total - read) / rate)}`);
  return parts.join('  ');
}

/** A sink that draws on `term`, or undefined when there must be no progress line. */
export function createProgress(term: ProgressTerminal, quiet: boolean, now: () => number = Date.now): ProgressSink | undefined {
  if (quiet || !term.isTTY) return undefined;
  const started = now();
  let total = 0, read = 0, lastDraw = 0, drawn = false;
  return {
    total(bytes) { total = bytes; },
    advance(bytes) {
      read += bytes;
      const t = now();
      // Nothing for the first second: short runs finish without a flicker.
      if (t - started < 1000 || t - lastDraw < 200) return;
      lastDraw = t;
      const line = progressLine(read, total, t - started).slice(0, Math.max(20, (term.columns || 80) - 1));
      term.write(`\r${line}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) term.write('\r\x1b[K');
      drawn = false;
    },
  };
}
