/** Assembles meta.k8s.io/v1 Tables from a printer and objects, for lists, single gets and watch events. */
import { badRequest } from '../../api/errors.js';
import type { KubeObject, ObjectMeta } from '../../api/types.js';
import type { ResourceType } from '../registry/resource-type.js';
import { printerFor } from './lookup.js';
import type { IncludeObject, PartialObjectMetadata, Table, TablePrinter, TableRow } from './types.js';

export interface RowOptions {
  /** Defaults to Metadata, as Kubernetes does when the client does not say. */
  includeObject?: IncludeObject;
  now: Date;
}

export interface TableOptions extends RowOptions {
  /** The list's resourceVersion, or the object's for a single get. */
  resourceVersion?: string;
  continueToken?: string;
  remainingItemCount?: number;
  /** Omit column definitions, as the server does for every watch event after the first. */
  noHeaders?: boolean;
}

/**
 * Reads the `includeObject` query parameter. Absent means Metadata; anything outside the three
 * values Kubernetes defines is a 400.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  if (value === undefined || value === null || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  throw badRequest(`includeObject must be one of None, Metadata or Object, got ${JSON.stringify(value)}`);
}

/** The object's metadata wrapped as PartialObjectMetadata; managedFields are noise in a table. */
export function partialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  const { managedFields: _dropped, ...metadata }: ObjectMeta = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function buildRow(printer: TablePrinter, obj: KubeObject, options: RowOptions): TableRow {
  const row: TableRow = { cells: printer.cells(obj, options.now) };
  const conditions = printer.conditions?.(obj);
  if (conditions && conditions.length > 0) row.conditions = conditions;
  switch (options.includeObject ?? 'Metadata') {
    case 'Object':
      row.object = obj;
      break;
    case 'Metadata':
      row.object = partialObjectMetadata(obj);
      break;
    case 'None':
      break;
  }
  return row;
}

/** A Table for a list (or a single get, passing one object). */
export function buildTable(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  options: TableOptions,
): Table {
  const metadata: Table['metadata'] = {};
  if (options.resourceVersion !== undefined) metadata.resourceVersion = options.resourceVersion;
  if (options.continueToken) metadata.continue = options.continueToken;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows: objects.map((obj) => buildRow(printer, obj, options)),
  };
}

export interface WatchTableOptions extends RowOptions {
  /**
   * Whether to send column definitions. Kubernetes sends them with the first event of a watch only;
   * kubectl keeps the headers it already printed.
   */
  includeHeaders: boolean;
}

/**
 * The one-row Table carried as the `object` of a watch event when the watch asked for Table output.
 * Its resourceVersion is the object's, as for a single get.
 */
export function buildWatchEventTable(
  printer: TablePrinter,
  obj: KubeObject,
  options: WatchTableOptions,
): Table {
  return buildTable(printer, [obj], {
    includeObject: options.includeObject,
    now: options.now,
    resourceVersion: obj.metadata.resourceVersion,
    noHeaders: !options.includeHeaders,
  });
}

/** The options the HTTP layer has at hand; `now` defaults to the moment of the call. */
export interface ResourceTableOptions extends Omit<TableOptions, 'now'> {
  now?: Date;
}

/**
 * One call for the HTTP layer: picks the printer for a served resource type (CRD columns included)
 * and builds its Table.
 */
export function tableForResourceType(
  type: Pick<ResourceType, 'group' | 'kind' | 'printerColumns'>,
  objects: readonly KubeObject[],
  options: ResourceTableOptions,
): Table {
  return buildTable(printerFor(type.group, type.kind, type.printerColumns), objects, {
    ...options,
    now: options.now ?? new Date(),
  });
}
