/** Comparing parsed bounce messages from the fast path and from mailparser. */

import type { ParsedMessage } from '../../src/ingest/dsn/mime.js';
import { leftOutHeader } from '../../src/ingest/dsn/simple.js';

/** A parsed message as plain data, without the headers the fast path leaves out. */
export function comparable(m: ParsedMessage): unknown {
  return { ...m, date: m.date?.getTime(), headers: [...m.headers].filter(([k]) => !leftOutHeader(k)) };
}
