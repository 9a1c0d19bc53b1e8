/** `bouncelens analyze`: the diagnosis, as a table (default), CSV or JSON. */

import { getServers } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { analyze } from '../../correlate/index.js';
import { UsageError } from '../../errors.js';
import { describeFsError } from '../../io/inputs.js';
import { resolveContext, type RawContext } from '../../correlate/context.js';
import { loadRenderer, REPORT_FORMATS, type Report } from '../../report/index.js';
import { isoUtc } from '../../time.js';
import { loadConfig, mergeConfig } from '../config.js';
import { parseChoice, resolveReading, type RawReadingFlags } from '../options.js';
import { openOutput, reportReading } from '../output.js';

export interface AnalyzeFlags extends RawReadingFlags, RawContext {
  format?: string;
  output?: string;
  config?: string;
  dns?: string;
  checkDns?: boolean;
}

export async function runAnalyze(inputs: string[], rawFlags: AnalyzeFlags): Promise<number> {
  const flags = rawFlags.config ? mergeConfig(rawFlags, await loadConfig(rawFlags.config)) : rawFlags;
  const format = parseChoice('--format', flags.format ?? 'table', REPORT_FORMATS);
  const settings = await resolveReading(flags);
  const context = await resolveContext(flags);
  const out = await openOutput(flags.output);
  const result = await analyze(inputs, context, { ...settings.read, since: settings.since, until: settings.until });
  // The DNS modules load only when asked for (a report from logs alone starts without them).
  if (flags.dns) {
    const { applySnapshot, parseSnapshot } = await import('../../dns/snapshot.js');
    let text: string;
    try { text = await readFile(flags.dns, 'utf8'); } catch (err) { throw new UsageError(`--dns ${flags.dns}: ${describeFsError(err)}`); }
    applySnapshot(result, parseSnapshot(text, `--dns ${flags.dns}`));
  } else if (flags.checkDns) {
    // Only when asked: forensics on old logs stays offline.
    const [{ mxCheck }, { applySnapshot }, { parseResolver }] = await Promise.all([import('../../dns/mx-check.js'), import('../../dns/snapshot.js'), import('./mx-check.js')]);
    const snapshot = await mxCheck(result.domains.map((d) => d.domain), { resolvers: getServers().map(parseResolver), authoritative: false, timeoutMs: 3000, lists: context.hosts });
    applySnapshot(result, snapshot);
  }
  const report: Report = {
    ...result,
    context: {
      cutover: {
        given: [
          ...(context.cutover.all !== undefined ? [isoUtc(context.cutover.all)] : []),
          ...[...context.cutover.perDomain].map(([d, t]) => `${d}=${isoUtc(t)}`),
        ],
        assumedUtc: context.cutover.assumedUtc,
      },
      oldMx: context.hosts.old.entries,
      newMx: context.hosts.new.entries,
      domainScope: result.scope,
      since: settings.since === undefined ? undefined : isoUtc(settings.since),
      until: settings.until === undefined ? undefined : isoUtc(settings.until),
    },
  };
  const render = await loadRenderer(format);
  for (const piece of render(report)) await out.write(piece);
  await out.close();
  reportReading(result, { tzGiven: settings.tzGiven, quiet: settings.quiet, tz: settings.read.tz ?? 'UTC' });
  return result.errors.length ? 2 : 0;
}
