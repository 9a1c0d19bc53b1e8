/**
 * The cause rules (DESIGN.md § Causes). ORDER IS PRECEDENCE: each refused attempt gets the first
 * cause whose rule holds. Rules read only the attempt and facts gathered over all inputs, so the
 * result does not depend on input order. CAUSE_INFO holds the fix shown for each cause.
 */

import type { BounceClass } from '../types.js';
import type { Cause, Confidence } from './finding.js';
import type { HostRole } from './hosts.js';

export const DAY = 86_400_000;

/** One refusal as the rules see it (records of the same attempt already merged). */
export interface AttemptView {
  time: number;
  role: HostRole;
  class: BounceClass;
  /** Every record of the attempt was a temporary (4xx) refusal. */
  deferredOnly: boolean;
  /** The recipient or the text is an IMCEAEX / X.500 address. */
  legacyDn: boolean;
}

/** Facts about the recipient and its domain, gathered over every input. */
export interface RuleFacts {
  cutover?: number;
  /** The recipient was delivered to at least once, anywhere, any time. */
  recipientDelivered: boolean;
  /** The recipient was refused as unknown before cutover by an old host, or by any host > 24 h before. */
  unknownBeforeCutover: boolean;
  /** Distinct recipients of the domain refused at new hosts after cutover. */
  domainRefusedAtNewAfterCutover: number;
  /** Some attempt to the domain was delivered at a new host after cutover. */
  domainDeliveredAtNewAfterCutover: boolean;
}

export interface CauseRule {
  cause: Cause;
  holds(a: AttemptView, f: RuleFacts): boolean;
}

const after = (a: AttemptView, f: RuleFacts): boolean => f.cutover !== undefined && a.time >= f.cutover;

export const CAUSE_RULES: readonly CauseRule[] = [
  { cause: 'legacy-dn', holds: (a) => a.legacyDn },
  { cause: 'pre-existing', holds: (_a, f) => f.cutover !== undefined && f.unknownBeforeCutover && !f.recipientDelivered },
  { cause: 'stale-a-record', holds: (a, f) => after(a, f) && a.role === 'stale-a' },
  { cause: 'stale-mx', holds: (a, f) => after(a, f) && a.role === 'old' },
  {
    cause: 'domain-not-accepted',
    holds: (a, f) => a.role === 'new' && (a.class === 'domain-not-accepted' ||
      (f.cutover !== undefined && f.domainRefusedAtNewAfterCutover >= 2 && !f.domainDeliveredAtNewAfterCutover)),
  },
  // Needs a cutover: without one, a new host's refusal could still be a pre-existing bad address.
  { cause: 'unprovisioned-user', holds: (a, f) => a.role === 'new' && f.cutover !== undefined },
  { cause: 'undetermined', holds: () => true },
];

export function causeOf(a: AttemptView, f: RuleFacts): Cause {
  return CAUSE_RULES.find((r) => r.holds(a, f))!.cause;
}

export const CAUSE_INFO: Record<Cause, { title: string; fix: string }> = {
  'legacy-dn': {
    title: 'old legacyExchangeDN (IMCEAEX) address',
    fix: 'Add the decoded legacyExchangeDN as an X500: proxy address on the mailbox (given in this finding); clear the sender\'s Outlook autocomplete entry.',
  },
  'pre-existing': {
    title: 'bad address from before the migration',
    fix: 'Not a migration fault: a typo or a removed mailbox. Correct the address (a near known-good address is suggested when one exists) or remove it from the sender\'s list.',
  },
  'stale-a-record': {
    title: 'MX name still resolves to the old server',
    fix: 'Fix the A/AAAA/CNAME record the MX name points to (it still gives the old IP); check every authoritative server serves the new address.',
  },
  'stale-mx': {
    title: 'senders still use the old MX',
    fix: 'Senders still use cached or still-published old MX data: check every authoritative server (and the registrar\'s delegation) serves the new MX; keep the old host accepting and forwarding the domain until the old TTL plus senders\' retry time (about 5 days) has passed; check hybrid connectors and smarthosts that still route to the old host.',
  },
  'domain-not-accepted': {
    title: 'the new server does not accept the domain',
    fix: 'Postfix: add the domain to mydestination / virtual_mailbox_domains / relay_domains. Exchange / Exchange Online: add and verify the accepted domain (Internal Relay until every user is synced, Authoritative after).',
  },
  'unprovisioned-user': {
    title: 'mailbox or alias missing on the new system',
    fix: 'Create, enable, license or sync the mailbox or alias on the new system (hybrid: add the @tenant.mail.onmicrosoft.com routing address).',
  },
  undetermined: {
    title: 'the evidence cannot separate the causes',
    fix: 'Give the missing input named in the evidence (the cutover time, the old and new MX hosts) and run again.',
  },
};

const ORDER: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
export function lowest(...c: Confidence[]): Confidence {
  return c.reduce((a, b) => (ORDER[a] <= ORDER[b] ? a : b));
}
