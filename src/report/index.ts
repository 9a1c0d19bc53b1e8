/** Report formats of `analyze` and their renderers. */

import type { AnalyzeResult } from '../correlate/index.js';
import { renderCsv } from './csv.js';
import { renderJson } from './json.js';
import { renderTableParts } from './table.js';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What the report says about the run itself. */
export interface ReportContext {
  cutover: { given: string[]; assumedUtc: boolean };
  oldMx: string[];
  newMx: string[];
  domainScope: AnalyzeResult['scope'];
  since?: string;
  until?: string;
}

export interface Report extends AnalyzeResult {
  context: ReportContext;
}

/** Each renderer yields the report in pieces, so a report of 100,000 findings is never one string. */
export const RENDERERS: Record<ReportFormat, (r: Report) => Iterable<string>> = {
  table: renderTableParts,
  csv: (r) => renderCsv(r.findings),
  json: renderJson,
};
