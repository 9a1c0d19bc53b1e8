/** stdout or `-o FILE`, with backpressure; stderr notices; a closed pipe ends quietly. */

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { WrittenBytes } from '../io/byte-sink.js';
import type { EventStream } from '../ingest/index.js';
import { describeFsError } from '../io/inputs.js';
import { terminalText } from '../report/cells.js';

export class ClosedPipe extends Error {}

export interface Output {
  /** Text, or UTF-8 bytes (written as they are; see WrittenBytes). */
  write(text: string | WrittenBytes): Promise<void>;
  close(): Promise<void>;
}

export async function openOutput(file: string | undefined): Promise<Output> {
  let stream: Writable;
  if (file === undefined || file === '-') {
    stream = process.stdout;
  } else {
    // Room for a megabyte of queued writes: with the default 16 KiB, each 64 KiB write waited for
    // the disk and left this thread idle (8 % of an events export).
    const s = createWriteStream(file, { highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', (err) => reject(new UsageError(`-o ${file}: ${describeFsError(err)}`)));
    });
    stream = s;
  }
  let failed: Error | undefined;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    failed = err.code === 'EPIPE' ? new ClosedPipe() : new UsageError(`-o ${file ?? 'stdout'}: ${describeFsError(err)}`);
  });
  const writeNow = async (text: string | WrittenBytes): Promise<void> => {
    if (failed) throw failed;
    // Bytes whose buffer is to be filled again are told once the stream is done with them.
    if (!stream.write(text, typeof text === 'string' ? undefined : text.written)) {
      // 'error' is already handled above; waiting on it here too would add a listener per wait.
      await new Promise<void>((resolve) => {
        const done = (): void => { stream.off('drain', done); stream.off('close', done); resolve(); };
        stream.on('drain', done);
        stream.on('close', done);
      });
      if (failed) throw failed;
    }
  };
  // Small writes are gathered up to 64 KiB: one write per bounce message cost 5 % of a Maildir run.
  let pending = '';
  const flush = async (): Promise<void> => {
    if (!pending) return;
    const text = pending;
    pending = '';
    await writeNow(text);
  };
  return {
    async write(text) {
      if (typeof text !== 'string') {
        await flush();
        await writeNow(text);
        return;
      }
      pending += text;
      if (pending.length >= 65536) await flush();
    },
    async close() {
      await flush();
      if (failed) throw failed;
      if (stream !== process.stdout) {
        await new Promise<void>((resolve) => stream.end(resolve));
      }
    },
  };
}

export function warn(text: string): void {
  process.stderr.write(`bouncelens: ${terminalText(text)}\n`);
}

/** The stderr report after reading: year assumptions, unrecognised lines, caps, skipped files, errors. */
export function reportReading(stream: Pick<EventStream, 'inputs' | 'errors' | 'skipped'>, opts: { tzGiven: boolean; quiet: boolean; tz: string }): void {
  const zoneless = stream.inputs.some((s) => s.format === 'postfix' || s.format === 'exim');
  if (!opts.tzGiven && zoneless && !opts.quiet) warn('times without a zone are read as UTC; use --tz ZONE if the logs are in local time');
  for (const s of stream.inputs) {
    if (!opts.quiet) for (const n of s.notices) warn(`${s.file}: ${n}`);
    if (s.unrecognised) warn(`${s.file}: ${s.unrecognised} unrecognised line${s.unrecognised === 1 ? '' : 's'} (first at line ${s.firstUnrecognised})`);
    for (const [cap, n] of Object.entries(s.capped)) warn(`${s.file}: ${n} × ${cap}`);
    if (!opts.quiet) for (const [kind, n] of Object.entries(s.nonEventKinds)) warn(`${s.file}: ${n} message${n === 1 ? '' : 's'}: ${kind}`);
  }
  if (stream.skipped.length) {
    const shown = stream.skipped.slice(0, 5).join(', ');
    warn(`skipped ${stream.skipped.length} file${stream.skipped.length === 1 ? '' : 's'} of unknown format found in directories: ${shown}${stream.skipped.length > 5 ? ', …' : ''}`);
  }
  for (const e of stream.errors) warn(e.message);
}
