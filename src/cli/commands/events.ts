/** `bouncelens events`: every normalized event, as NDJSON (default) or CSV. */

import { readRenderedEvents } from '../../ingest/index.js';
import { EVENT_FORMATS, eventsCsvHeader } from '../../report/events.js';
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
  const settings = await resolveReading(flags, 'cores');
  const out = await openOutput(flags.output);
  const stream = readRenderedEvents(inputs, settings.read, {
    format, select: { classes: classes && [...classes], since: settings.since, until: settings.until },
  });
  if (format === 'csv') await out.write(eventsCsvHeader());
  for await (const text of stream) await out.write(text);
  await out.close();
  reportReading(stream, { tzGiven: settings.tzGiven, quiet: settings.quiet, tz: settings.read.tz ?? 'UTC' });
  return stream.errors.some((e) => e.file !== undefined) ? 2 : 0;
}
