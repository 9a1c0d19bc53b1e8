/** The diagnosis types: causes, confidence, findings (DESIGN.md § Causes, § Outputs). */

export const CAUSES = ['legacy-dn', 'pre-existing', 'stale-a-record', 'stale-mx', 'domain-not-accepted', 'unprovisioned-user', 'undetermined'] as const;
export type Cause = (typeof CAUSES)[number];

export type Confidence = 'high' | 'medium' | 'low';

export interface Finding {
  domain: string;
  recipient: string;
  cause: Cause;
  confidence: Confidence;
  /** The rule that set the confidence, in words. */
  confidenceReason: string;
  /** Attempts (records of one refusal in several inputs count once). */
  events: number;
  firstSeen: string;
  lastSeen: string;
  /** First attempt relative to the cutover: `T-2d3h`, `T+45m`; absent when no cutover is known. */
  offsetFirst?: string;
  /** A later delivery to the recipient succeeded at this time. */
  resolvedAt?: string;
  remoteHosts: string[];
  statuses: string[];
  sampleDiagnostic?: string;
  evidence: string;
  fix: string;
  /** Up to 3 `file:line` origins. */
  sources: string[];
  /** pre-existing: the nearest known-good address in the domain. */
  suggestion?: string;
  /** legacy-dn: the `X500:` proxy address to add. */
  x500?: string;
}
