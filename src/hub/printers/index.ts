/** Public surface of the hub's Table printers; other hub code imports from here only. */
export { crdPrinter } from './crd.js';
export { createdAtPrinter, defaultPrinter } from './default.js';
export { age, humanDuration } from './duration.js';
export { compileJsonPath, type JsonPath, JsonPathError, validateJsonPath } from './jsonpath.js';
export { builtinPrinterKinds, printerFor } from './lookup.js';
export {
  buildRow,
  buildTable,
  buildWatchEventTable,
  parseIncludeObject,
  partialObjectMetadata,
  type ResourceTableOptions,
  type RowOptions,
  type TableOptions,
  tableForResourceType,
  type WatchTableOptions,
} from './table.js';
export type {
  IncludeObject,
  PartialObjectMetadata,
  Table,
  TableCell,
  TableColumnDefinition,
  TablePrinter,
  TableRow,
  TableRowCondition,
} from './types.js';
