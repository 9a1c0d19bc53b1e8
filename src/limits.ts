/**
 * Every cap bouncelens applies, with the attack or accident it stops.
 * Hitting a cap is always counted and reported, never silent.
 */

/** Bytes read from disk per chunk. Large chunks keep per-line overhead low (see bench/NOTES.md). */
export const READ_CHUNK_BYTES = 1 << 20;

/**
 * Longest line kept, in bytes. A log line longer than this (an endless line, a binary file read
 * as text, a 100,000-character `to=<…>`) is cut here; the rest up to the next newline is skipped
 * and the line is counted as over-long, so memory stays bounded whatever the input.
 */
export const MAX_LINE_BYTES = 256 * 1024;

/** Bytes sniffed at the start of an input to detect its format. */
export const DETECT_BYTES = 64 * 1024;

/** Default cap on decompressed bytes per input (`--max-input-bytes`): stops gzip bombs. */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 ** 3;

/**
 * Postfix queue ids whose sender / message-id are remembered while waiting for `removed`.
 * A log cut before `removed` lines (rotation, grep) would otherwise grow this map forever.
 * The oldest entry is evicted first and evictions are counted.
 */
export const MAX_QUEUE_ENTRIES = 50_000;

/** Deferred recipients remembered per queue id, to report them on `status=expired`. */
export const MAX_DEFERRED_PER_QUEUE = 1_000;

/** Longest diagnostic text kept in an event; bounce texts come from strangers. */
export const MAX_DIAGNOSTIC_CHARS = 2_000;

/** Longest address kept; longer ones are cut (and cannot match a real mailbox anyway). */
export const MAX_ADDRESS_CHARS = 512;

/** Bytes of one bounce message handed to the MIME parser; the rest is cut and counted. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Multipart containers followed inside one bounce message (a 1,000-deep MIME tree is an attack). */
export const MAX_MIME_DEPTH = 16;

/** Recipients read from one bounce message. */
export const MAX_RECIPIENTS_PER_MESSAGE = 10_000;

/** Refusal records kept per recipient for the diagnosis; more are counted, not kept. */
export const MAX_REFUSALS_PER_RECIPIENT = 1_000;

/**
 * Distinct strings and hosts the correlator shares among its refusal records (reply codes,
 * senders, answering hosts, file names). A log of endless variety would grow the sharing tables
 * forever: past the cap, each record keeps its own copy, as before sharing.
 */
export const MAX_SHARED_VALUES = 1 << 16;
