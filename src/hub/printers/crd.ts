/**
 * Printers for custom resources, built from a CRD version's additionalPrinterColumns. Name always
 * comes first; a CRD that declares no columns gets Age, as Kubernetes serves it.
 */
import type { PrinterColumn } from '../registry/resource-type.js';
import { age, parseTimestamp } from './duration.js';
import { nameColumn } from './format.js';
import { compileJsonPath, type JsonPath, JsonPathError, jsonPathText } from './jsonpath.js';
import type { TableCell, TablePrinter } from './types.js';

/** The column Kubernetes substitutes when a CRD version lists no printer columns. */
const DEFAULT_CRD_COLUMNS: PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description: 'Time since the object was created.',
    jsonPath: '.metadata.creationTimestamp',
  },
];

/** Turns what a path selected into one cell of the column's declared type; null when nothing fits. */
function cellFor(type: PrinterColumn['type'], values: unknown[], now: Date): TableCell {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  const first = present[0];
  switch (type) {
    case 'string':
      // A path such as .spec.containers[*].image selects several values; show them all.
      return present.map(jsonPathText).join(',');
    case 'integer':
      return typeof first === 'number' && Number.isFinite(first) ? Math.trunc(first) : null;
    case 'number':
      return typeof first === 'number' && Number.isFinite(first) ? first : null;
    case 'boolean':
      return typeof first === 'boolean' ? first : null;
    case 'date': {
      if (typeof first !== 'string') return null;
      if (first === '') return '<unknown>';
      return parseTimestamp(first) === undefined ? '<invalid>' : age(first, now);
    }
    default:
      return null;
  }
}

/**
 * A printer for one CRD version. A column whose path does not parse prints an empty cell instead of
 * failing the whole list: the CRD handler rejects such paths on write (validateJsonPath), so this only
 * guards objects stored before that check existed.
 */
export function crdPrinter(columns: readonly PrinterColumn[]): TablePrinter {
  const source = columns.length > 0 ? columns : DEFAULT_CRD_COLUMNS;
  const compiled = source.map((col): JsonPath | undefined => {
    try {
      return compileJsonPath(col.jsonPath);
    } catch (err) {
      if (err instanceof JsonPathError) return undefined;
      throw err;
    }
  });
  return {
    columns: [
      nameColumn,
      ...source.map((col) => ({
        name: col.name,
        type: col.type,
        format: col.format ?? '',
        description: col.description || `Custom resource column reading ${col.jsonPath}.`,
        priority: col.priority ?? 0,
      })),
    ],
    cells(obj, now) {
      return [
        obj.metadata.name ?? '',
        ...source.map((col, i) => {
          const path = compiled[i];
          return path ? cellFor(col.type, path.evaluate(obj), now) : null;
        }),
      ];
    },
  };
}
