/**
 * The one WebAssembly module (`npm run build` → engine.wasm next to src/wasm.ts): the Postfix line
 * scanner and the correlator's recipient ledger, in one memory, so that the scanner looks a
 * delivery's recipient up in the ledger where its bytes lie (postfix-scan.ts RESOLVE) — with no
 * JavaScript between and no copy. An instance made for a correlator serves its ledger and the
 * scanner of each log read in order for it; other scanners (worker threads, exports) have an
 * instance of their own, whose ledger stays empty.
 *
 * The memory grows only as the ledger numbers recipients, and growing it detaches the views
 * JavaScript holds (LineScanner makes them again). A SharedArrayBuffer would have kept them, but
 * Node copies a chunk into shared memory at a tenth of the speed (1 GB log: 0.36 s against 0.04 s).
 */

export { RECORD_FIELDS, reserve, records, scanEnd, scanLine, skippedLines, skippedSentLines, resetRange, countNewlines, scan, resolveSent } from './postfix-scan';
export {
  init, scratch, domain, recipient, logged, loggedAt, lastDomain, recipients, domains, recipientDomain,
  spellingAt, spellingLength, domainAt, domainLength,
} from './ledger';
