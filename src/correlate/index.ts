/** analyze(): read inputs, correlate, return the diagnosis with the per-input counters. */

import { readEventBatches, type ReadEventsOptions } from '../ingest/index.js';
import type { InputStats } from '../ingest/reader.js';
import type { InputError } from '../errors.js';
import { Correlator, type Analysis, type Window } from './correlate.js';
import type { MigrationContext } from './context.js';

export interface AnalyzeResult extends Analysis {
  inputs: InputStats[];
  errors: InputError[];
  skipped: string[];
}

export async function analyze(names: readonly string[], context: MigrationContext, options: ReadEventsOptions & Window = {}): Promise<AnalyzeResult> {
  const correlator = new Correlator(context);
  // Deliveries come reduced where a reader can (Postfix): nine in ten events, and the correlator keeps
  // only their time, recipient and host — from the Postfix scanner with the recipient found in the ledger.
  const stream = readEventBatches(names, {
    ...options,
    onDelivered: (t, r, dom, h, legacy) => correlator.delivered(t, r, dom, h, legacy),
    deliveryLedger: correlator.deliveryLedger(),
    onEvents: (events) => { for (const e of events) correlator.add(e); },
  });
  for await (const batch of stream) for (const e of batch) correlator.add(e);
  const analysis = correlator.finish({ since: options.since, until: options.until });
  return { ...analysis, inputs: stream.inputs, errors: stream.errors, skipped: stream.skipped };
}
