/**
 * The Event printer, shared by core/v1 and events.k8s.io/v1. Both versions are one stored kind with
 * renamed fields, so an events.k8s.io object is first read back into core/v1 terms and printed once.
 * Unlike every other kind, the Name column is last and wide-only: kubectl leads with Last Seen.
 */
import type { KubeObject } from '../../api/types.js';
import { age, parseTimestamp, ZERO_TIME_MS } from './duration.js';
import { asInt, asRecord, asString, column, wide } from './format.js';
import type { TablePrinter } from './types.js';

/** The fields the printer reads, named as in core/v1. */
interface EventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedObject: Record<string, unknown>;
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: Record<string, unknown> | undefined;
}

function viewOf(event: KubeObject): EventView {
  const modern =
    asString(event.apiVersion).startsWith('events.k8s.io/') ||
    (event.involvedObject === undefined && event.regarding !== undefined);
  const source = asRecord(modern ? event.deprecatedSource : event.source);
  return {
    name: event.metadata.name ?? '',
    type: asString(event.type),
    reason: asString(event.reason),
    message: asString(modern ? event.note : event.message),
    involvedObject: asRecord(modern ? event.regarding : event.involvedObject),
    sourceComponent: asString(source.component),
    sourceHost: asString(source.host),
    reportingController: asString(event.reportingController),
    reportingInstance: asString(event.reportingInstance),
    firstTimestamp: modern ? event.deprecatedFirstTimestamp : event.firstTimestamp,
    lastTimestamp: modern ? event.deprecatedLastTimestamp : event.lastTimestamp,
    eventTime: event.eventTime,
    count: asInt(modern ? event.deprecatedCount : event.count),
    series: event.series === undefined || event.series === null ? undefined : asRecord(event.series),
  };
}

function isSet(timestamp: unknown): boolean {
  const ms = parseTimestamp(timestamp);
  return ms !== undefined && ms !== ZERO_TIME_MS;
}

/** "component, host", falling back to the reporting controller/instance that newer clients fill. */
function source(e: EventView): string {
  const component = e.sourceComponent || e.reportingController;
  const instance = e.sourceHost || e.reportingInstance;
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: TablePrinter = {
  columns: [
    column('Last Seen', 'string', 'Time since the event was last observed.'),
    column('Type', 'string', 'Normal or Warning.'),
    column('Reason', 'string', 'Short machine-readable cause of the event.'),
    column('Object', 'string', 'The object the event is about, as kind/name.'),
    wide('Subobject', 'string', 'Part of the object the event is about, such as a container.'),
    wide('Source', 'string', 'Component that reported the event.'),
    column('Message', 'string', 'Human-readable description of the event.'),
    wide('First Seen', 'string', 'Time since the event was first observed.'),
    wide('Count', 'string', 'How many times the event has been observed.'),
    column('Name', 'string', 'Unique name of the event within its namespace.', {
      priority: 1,
      format: 'name',
    }),
  ],
  cells(event, now) {
    const e = viewOf(event);
    // Events written through events.k8s.io carry only eventTime (and a series once they repeat).
    const firstSeen = isSet(e.firstTimestamp) ? age(e.firstTimestamp, now) : age(e.eventTime, now);
    let lastSeen = isSet(e.lastTimestamp) ? age(e.lastTimestamp, now) : firstSeen;
    let count = e.count;
    if (e.series) {
      lastSeen = age(e.series.lastObservedTime, now);
      count = asInt(e.series.count);
    } else if (count === 0) {
      count = 1;
    }
    const kind = asString(e.involvedObject.kind).toLowerCase();
    const name = asString(e.involvedObject.name);
    return [
      lastSeen,
      e.type,
      e.reason,
      name ? `${kind}/${name}` : kind,
      asString(e.involvedObject.fieldPath),
      source(e),
      e.message.trim(),
      firstSeen,
      count,
      e.name,
    ];
  },
};
