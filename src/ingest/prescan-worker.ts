/**
 * A worker thread that scans bodies of whole syslog lines for a reader reading in order (see
 * prescan.ts): each message a body and the scan flags, each answer the scan's records.
 */

import { parentPort } from 'node:worker_threads';
import { LineScanner } from './postfix-fast.js';
import type { PrescanRequest, PrescanReply } from './prescan.js';

const port = parentPort!;
let scanner: LineScanner | undefined;

port.on('message', ({ id, buffer, length, flags, maxBytes }: PrescanRequest) => {
  try {
    scanner ??= new LineScanner(maxBytes);
    const scan = scanner.prescan(new Uint8Array(buffer, 0, length), flags);
    const reply: PrescanReply = { id, buffer, scan };
    port.postMessage(reply, [buffer, ...scan.calls.map((c) => c.records.buffer as ArrayBuffer)]);
  } catch (err) {
    const reply: PrescanReply = { id, buffer, error: err instanceof Error ? err.message : String(err) };
    port.postMessage(reply, [buffer]);
  }
});
