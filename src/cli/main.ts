#!/usr/bin/env node
/** The bouncelens command line: builds the commander program and holds the one catch. */

import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { BouncelensError } from '../errors.js';
// Commands are imported when they run: `--version` and `--help` load commander alone (start-up ≤ 0.25 s).
import type { AnalyzeFlags } from './commands/analyze.js';
import type { EventsFlags } from './commands/events.js';
import type { MxCheckFlags } from './commands/mx-check.js';
import { collect } from './options.js';
import { ClosedPipe, warn } from './output.js';
import { VERSION } from '../version.js';

// V8 grows the heap up to 4× the live set when allocation is fast, which a log reader's is: the
// 1 GB analyze peaked at 578 MiB with ~130 MiB live. A smaller growing factor, read by V8 at each
// major GC, keeps the peak near the live set for a few percent of time (bench/NOTES.md).
setFlagsFromString('--heap-growing-percent=50');
// V8 also started its next incremental marking soon after each major GC, the old generation at a
// third to a half of its limit: the 1 GB analyze was marking nearly all the time (22 major GCs,
// ~1 s of CPU in marking, every store of a pointer paying the marking barrier). Started when 85 %
// of the room under the limit is used, it marks 9 times; the peak stays where it was
// (bench/NOTES.md, session 18).
setFlagsFromString('--incremental-marking-soft-trigger=85');

function addReadingFlags(cmd: Command): Command {
  return cmd
    .option('--input-format <format>', 'force the format of every input: postfix, exim, exchange-tracking, exchange-trace, dsn, events')
    .option('--tz <zone>', 'IANA zone of timestamps that carry none (syslog, Exim, PowerShell exports); default UTC')
    .option('--year <yyyy>', 'year of each file\'s first syslog line (default: from the file time)')
    .option('--date-order <order>', 'dmy or mdy, for culture-formatted dates in Windows exports')
    .option('--since <time>', 'report only events at or after this ISO 8601 time (no offset = UTC)')
    .option('--until <time>', 'report only events at or before this ISO 8601 time (no offset = UTC)')
    .option('--signatures <file>', 'extra signatures (JSON, same shape as the built-in table), tried first')
    .option('--max-input-bytes <size>', 'cap on decompressed bytes per input (e.g. 500M, 64G)', '64G')
    .option('--threads <n>', 'threads reading a large plain Postfix log in ranges (events: the CPU count, at most 4; analyze: 1, which reads in order)')
    .option('--quiet', 'no informational notes on stderr (warnings and errors stay)');
}

/** Host lists and the config file: the same on analyze and mx-check. */
function addHostListFlags(cmd: Command): Command {
  return cmd
    .option('--old-mx <hosts>', 'old MX host names (*.suffix allowed) and/or IPs, comma-separated, repeatable', collect)
    .option('--new-mx <hosts>', 'new MX host names and/or IPs, or exchange-online; comma-separated, repeatable', collect)
    .option('--config <file>', 'JSON file with the same keys (camelCase); flags win');
}

function program(): Command {
  const prog = new Command('bouncelens')
    .description('Diagnose 550 5.1.1 User unknown bounces after a mail domain migration')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  addReadingFlags(
    prog.command('events')
      .description('read inputs and write one normalized delivery event per line')
      .argument('[inputs...]', 'files, directories, globs, or - for stdin', [])
      .addOption(new Option('--format <format>', 'ndjson or csv').default('ndjson'))
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .option('--class <class>', 'keep only events of these classes (comma-separated, repeatable)', collect),
  ).action(async (inputs: string[], flags: EventsFlags) => {
    process.exitCode = await (await import('./commands/events.js')).runEvents(inputs, flags);
  });

  addReadingFlags(addHostListFlags(
    prog.command('analyze')
      .description('diagnose user-unknown and domain-refusal bounces around a migration cutover')
      .argument('[inputs...]', 'files, directories, globs, or - for stdin', [])
      .option('--cutover <time>', 'cutover time (ISO 8601; no offset = UTC), or DOMAIN=TIME; repeatable', collect)
      .option('--domain <domains>', 'the migrated domains (default: those answered by a listed host)', collect)
      .option('--old-users <file>', 'directory export of the old system (list, CSV with an address column, or Postfix map)', collect)
      .option('--new-users <file>', 'directory export of the new system', collect)
      .option('--dns <file>', 'a saved mx-check snapshot (mx-check --save): its verdicts go into the summary and evidence')
      .option('--check-dns', 'query DNS live for the domains in scope (analyze is offline otherwise)')
      .option('--format <format>', 'table (default), csv or json')
      .option('-o, --output <file>', 'write to this file instead of stdout'),
  )).action(async (inputs: string[], flags: AnalyzeFlags) => {
    process.exitCode = await (await import('./commands/analyze.js')).runAnalyze(inputs, flags);
  });

  addHostListFlags(prog.command('mx-check'))
    .description('is DNS done migrating? MX, A/AAAA and TTLs per resolver and authoritative server, with a verdict')
    .argument('<domains...>', 'the domains to check')
    .option('--resolver <ip>', 'resolver as IP, IP:PORT or [IPv6]:PORT; repeatable (default: the system\'s resolvers)', collect)
    .option('--authoritative', 'also ask each of the domain\'s own name servers, and compare the parent zone\'s delegation')
    .option('--timeout <ms>', 'per query (default 3000)')
    .option('--format <format>', 'table (default) or json')
    .option('--save <file>', 'write what was seen as JSON, for analyze --dns')
    .action(async (domains: string[], flags: MxCheckFlags) => {
      process.exitCode = await (await import('./commands/mx-check.js')).runMxCheck(domains, flags);
    });

  return prog;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every usage error exits 2 (commander's default would be 1).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ClosedPipe) {
      process.exitCode = 0;
      return;
    }
    if (err instanceof BouncelensError) {
      warn(err.message);
      process.exitCode = err.exitCode;
      return;
    }
    warn(`internal error: ${err instanceof Error ? err.message : String(err)}${process.env.BOUNCELENS_DEBUG ? `\n${(err as Error).stack}` : ' (set BOUNCELENS_DEBUG=1 for details)'}`);
    process.exitCode = 70;
  }
}

process.on('unhandledRejection', (err) => {
  warn(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(70);
});

await main(process.argv);
