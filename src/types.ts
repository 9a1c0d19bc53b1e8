/**
 * The public data model of bouncelens. Spellings follow DESIGN.md verbatim:
 * a class or cause string here is the string users see in reports.
 */

export const SOURCES = ['postfix', 'exim', 'exchange-tracking', 'exchange-trace', 'dsn', 'events'] as const;
export type Source = (typeof SOURCES)[number];

export const OUTCOMES = ['delivered', 'bounced', 'rejected', 'deferred', 'expired'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const BOUNCE_CLASSES = [
  'user-unknown',
  'domain-not-accepted',
  'mailbox-full',
  'policy',
  'host-unknown',
  'other',
  'none',
] as const;
export type BounceClass = (typeof BOUNCE_CLASSES)[number];

export interface Origin {
  /** The input as the user named it (or the path found under a named directory). */
  file: string;
  /** 1-based line number; for mailboxes, the line where the message starts. */
  line: number;
  /** 1-based message index inside an mbox, when the record came from one. */
  message?: number;
}

export interface HostRef {
  host?: string;
  ip?: string;
}

/** One recipient, one outcome (DESIGN.md § DeliveryEvent). */
export interface DeliveryEvent {
  /** ISO 8601 UTC, millisecond precision. */
  time: string;
  source: Source;
  origin: Origin;
  recipient: string;
  domain: string;
  originalRecipient?: string;
  sender?: string;
  messageId?: string;
  queueId?: string;
  outcome: Outcome;
  smtpCode?: string;
  status?: string;
  diagnostic?: string;
  remoteHost?: string;
  remoteIp?: string;
  reporter?: string;
  answeredBy: HostRef;
  class: BounceClass;
  /** Id of the signature row that set the class (see `classify/signatures.ts`). */
  signature?: string;
  /** Source-specific facts that are shown but are not outcomes (e.g. Exchange RESOLVE targets). */
  data?: Record<string, string>;
}

export const INPUT_FORMATS = ['postfix', 'exim', 'exchange-tracking', 'exchange-trace', 'dsn', 'events'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
