/** The hourly timeline of user-unknown attempts around a domain's cutover: 24 h before to 72 h after. */

import { isoUtc } from '../time.js';

export const TIMELINE_HOURS_BEFORE = 24;
export const TIMELINE_HOURS_AFTER = 72;

export interface TimelineRow {
  domain: string;
  /** Hours from the cutover (-24 … 71); hour 0 starts at the cutover. */
  hour: number;
  start: string;
  userUnknown: number;
}

export function buildTimeline(domain: string, cutover: number, attemptTimes: readonly number[]): TimelineRow[] {
  const counts = new Array<number>(TIMELINE_HOURS_BEFORE + TIMELINE_HOURS_AFTER).fill(0);
  for (const t of attemptTimes) {
    const h = Math.floor((t - cutover) / 3_600_000);
    if (h >= -TIMELINE_HOURS_BEFORE && h < TIMELINE_HOURS_AFTER) counts[h + TIMELINE_HOURS_BEFORE]!++;
  }
  return counts.map((c, i) => ({ domain, hour: i - TIMELINE_HOURS_BEFORE, start: isoUtc(cutover + (i - TIMELINE_HOURS_BEFORE) * 3_600_000), userUnknown: c }));
}
