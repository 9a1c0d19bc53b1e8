/** The bouncelens library: read inputs into delivery events, classify bounce texts. */

export type { DeliveryEvent, Outcome, BounceClass, Source, InputFormat, Origin, HostRef } from './types.js';
export { BOUNCE_CLASSES, OUTCOMES, SOURCES, INPUT_FORMATS } from './types.js';
export { readEvents, readEventBatches, readRenderedEvents, READERS } from './ingest/index.js';
export type { ReadEventsOptions, EventStream, RenderedStream } from './ingest/index.js';
export type { EventRender, EventSelection } from './report/events.js';
export type { InputStats } from './ingest/reader.js';
export { classify, createClassifier, defaultClassifier } from './classify/classify.js';
export type { Classifier, Classification } from './classify/classify.js';
export type { Signature } from './classify/compile.js';
export { SIGNATURES } from './classify/signatures.js';
export { BouncelensError, InputError, UsageError, LimitError } from './errors.js';
export { analyze } from './correlate/index.js';
export type { AnalyzeResult } from './correlate/index.js';
export { resolveContext, parseCutovers } from './correlate/context.js';
export type { MigrationContext, RawContext } from './correlate/context.js';
export { Correlator } from './correlate/correlate.js';
export type { Analysis, DomainSummary, CutoverInfo } from './correlate/correlate.js';
export { CAUSES } from './correlate/finding.js';
export type { Finding, Cause, Confidence } from './correlate/finding.js';
export { CAUSE_RULES, CAUSE_INFO } from './correlate/causes.js';
