/** `bouncelens events`: every normalized event, as NDJSON (default) or CSV. */

import { readEventBatches } from '../../ingest/index.js';
import { EVENT_FORMATS, eventsCsvHeader, eventsCsvRows, eventsNdjson } from '../../report/events.js';
import type { DeliveryEvent } from '../../types.js';
import { parseChoice, parseClasses, resolveReading, type RawReadingFlags } from '../options.js';
import { openOutput, reportReading } from '../output.js';

export interface EventsFlags extends RawReadingFlags {
  format: string;
  output?: string;
  class?: string[];
}

/** Returns the exit code. */
export async function runEvents(inputs: string[], flags: EventsFlags): Promise<number> {
  const format = parseChoice('--format', flags.format, EVENT_FORMATS);
  const classes = parseClasses(flags.class);
  const settings = await resolveReading(flags);
  const out = await openOutput(flags.output);
  const stream = readEventBatches(inputs, { ...settings.read, keepClasses: classes });
  const { since, until } = settings;
  const keep = (e: DeliveryEvent): boolean => {
    if (classes && !classes.has(e.class)) return false;
    if (since !== undefined || until !== undefined) {
      const t = Date.parse(e.time);
      if (since !== undefined && t < since) return false;
      if (until !== undefined && t > until) return false;
    }
    return true;
  };
  if (format === 'csv') await out.write(eventsCsvHeader());
  for await (const batch of stream) {
    const kept = classes || since !== undefined || until !== undefined ? batch.filter(keep) : batch;
    if (kept.length === 0) continue;
    await out.write(format === 'csv' ? eventsCsvRows(kept) : eventsNdjson(kept));
  }
  await out.close();
  reportReading(stream, { tzGiven: settings.tzGiven, quiet: settings.quiet, tz: settings.read.tz ?? 'UTC' });
  return stream.errors.some((e) => e.file !== undefined) ? 2 : 0;
}
