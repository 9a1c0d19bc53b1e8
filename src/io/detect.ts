/** Pick a reader from an input's first bytes; `--input-format` overrides. */

import type { Reader } from '../ingest/reader.js';
import type { InputFormat } from '../types.js';

export function detectFormat(head: string, readers: readonly Reader[]): Reader | undefined {
  const text = head.replace(/^\uFEFF/, '').replace(/^\0+/, '');
  return readers.find((r) => r.detect(text));
}

export function readerFor(format: InputFormat, readers: readonly Reader[]): Reader | undefined {
  return readers.find((r) => r.format === format);
}
