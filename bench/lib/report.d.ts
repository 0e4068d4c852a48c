export interface ReportTable {
  title: string;
  header: string[];
  rows: Array<Array<string | number>>;
}
export function reportTables(result: Record<string, any>): ReportTable[];
export function textTable(header: Array<string | number>, rows: Array<Array<string | number>>): string;
export function markdownTable(header: Array<string | number>, rows: Array<Array<string | number>>): string;
export function renderText(result: Record<string, any>): string;
export function renderMarkdown(result: Record<string, any>): string;
export function writeResults(result: Record<string, any>, dir: string): { json: string; md: string };
