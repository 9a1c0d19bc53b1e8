/** The bouncelens library: read inputs into delivery events, classify bounce texts. */

export type { DeliveryEvent, Outcome, BounceClass, Source, InputFormat, Origin, HostRef } from './types.js';
export { BOUNCE_CLASSES, OUTCOMES, SOURCES, INPUT_FORMATS } from './types.js';
export { readEvents, readEventBatches, READERS } from './ingest/index.js';
export type { ReadEventsOptions, EventStream } from './ingest/index.js';
export type { InputStats } from './ingest/reader.js';
export { classify, createClassifier, defaultClassifier } from './classify/classify.js';
export type { Classifier, Classification } from './classify/classify.js';
export type { Signature } from './classify/compile.js';
export { SIGNATURES } from './classify/signatures.js';
export { BouncelensError, InputError, UsageError, LimitError } from './errors.js';
