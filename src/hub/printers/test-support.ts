/** Helpers for the printer tests: a fixed clock and rows read by column name instead of position. */
import type { KubeObject } from '../../api/types.js';
import type { TableCell, TablePrinter } from './types.js';

export const NOW = new Date('2024-06-01T12:00:00Z');

/** The RFC 3339 time `ms` milliseconds before NOW. */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function obj(
  apiVersion: string,
  kind: string,
  name: string,
  fields: Record<string, unknown> = {},
): KubeObject {
  const { metadata, ...rest } = fields;
  return {
    apiVersion,
    kind,
    metadata: { name, namespace: 'default', creationTimestamp: ago(5 * MIN), ...(metadata as object) },
    ...rest,
  };
}

/** Cells keyed by column name; also checks the printer returned one cell per column. */
export function cellsByName(printer: TablePrinter, o: KubeObject): Record<string, TableCell> {
  const cells = printer.cells(o, NOW);
  if (cells.length !== printer.columns.length) {
    throw new Error(`printer returned ${cells.length} cells for ${printer.columns.length} columns`);
  }
  return Object.fromEntries(printer.columns.map((c, i) => [c.name, cells[i] ?? null]));
}

/** Column names, split into default and wide (-o wide only) ones. */
export function columnNames(printer: TablePrinter): { normal: string[]; wide: string[] } {
  return {
    normal: printer.columns.filter((c) => c.priority === 0).map((c) => c.name),
    wide: printer.columns.filter((c) => c.priority > 0).map((c) => c.name),
  };
}
