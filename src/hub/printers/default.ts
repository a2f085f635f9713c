/** Fallback printers for kinds without a dedicated one. */
import { age, rfc3339Seconds } from './duration.js';
import { ageColumn, column, nameColumn } from './format.js';
import type { TablePrinter } from './types.js';

/** Name and Age: what Minato prints for any kind it has no better printer for. */
export const defaultPrinter: TablePrinter = {
  columns: [nameColumn, ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? '', age(obj.metadata.creationTimestamp, now)];
  },
};

/**
 * Name and Created At (an absolute UTC time, not an age): the generic table Kubernetes serves for
 * built-ins without a printer, such as Roles and CustomResourceDefinitions.
 */
export const createdAtPrinter: TablePrinter = {
  columns: [nameColumn, column('Created At', 'date', 'When the object was created, in UTC.')],
  cells(obj) {
    return [obj.metadata.name ?? '', rfc3339Seconds(obj.metadata.creationTimestamp)];
  },
};
