/** Report formats of `analyze` and their renderers. */

import type { AnalyzeResult } from '../correlate/index.js';

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

/**
 * The renderer of a format, loaded when asked for (each brings its own libraries: cli-table3,
 * csv-stringify). Each yields the report in pieces, so a report of 100,000 findings is never one string.
 */
export async function loadRenderer(format: ReportFormat): Promise<(r: Report) => Iterable<string>> {
  switch (format) {
    case 'table': return (await import('./table.js')).renderTableParts;
    case 'csv': { const { renderCsv } = await import('./csv.js'); return (r) => renderCsv(r.findings); }
    case 'json': return (await import('./json.js')).renderJson;
  }
}
