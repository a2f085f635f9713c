/**
 * The meta.k8s.io/v1 Table shapes the hub sends when kubectl asks for server-side printing, and the
 * TablePrinter contract every kind's printer implements.
 */
import type { KubeObject, ObjectMeta } from '../../api/types.js';

/** One column header. All five fields are always sent: kubectl reads them without defaults. */
export interface TableColumnDefinition {
  name: string;
  /** "string", "integer", "number", "boolean" or "date" (a hint for clients; cells carry the value). */
  type: string;
  /** "name" marks the column holding the object's name; "" otherwise unless a CRD says more. */
  format: string;
  description: string;
  /** 0 = always shown; 1 and above only with `kubectl get -o wide`. */
  priority: number;
}

/** A cell is plain JSON. null means "no value": kubectl leaves the cell blank. */
export type TableCell = string | number | boolean | null;

/** Row-level facts kubectl may use; today only pods report "Completed". */
export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** Absent when the client asked for includeObject=None. */
  object?: KubeObject | PartialObjectMetadata;
}

export interface TableMetadata {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableMetadata;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/**
 * Turns objects of one kind into table cells. Cells always include every column, wide ones too:
 * the server cannot know whether kubectl was run with `-o wide`, so it sends all and the client hides
 * priority>0 columns.
 */
export interface TablePrinter {
  readonly columns: readonly TableColumnDefinition[];
  /** `now` is passed in, never read from the clock, so ages are testable and consistent per response. */
  cells(obj: KubeObject, now: Date): TableCell[];
  conditions?(obj: KubeObject): TableRowCondition[] | undefined;
}

/** What the client asked to embed in each row (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';
