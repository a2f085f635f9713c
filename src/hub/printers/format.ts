/**
 * Small building blocks shared by the per-kind printers: column definitions, defensive readers for
 * schemaless JSON, and the label / selector / container renderings kubectl users recognise.
 */
import type { TableColumnDefinition } from './types.js';

export function column(
  name: string,
  type: string,
  description: string,
  extra: { priority?: number; format?: string } = {},
): TableColumnDefinition {
  return { name, type, format: extra.format ?? '', description, priority: extra.priority ?? 0 };
}

/** Same column, shown only with `-o wide`. */
export function wide(name: string, type: string, description: string): TableColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

export const nameColumn = column(
  'Name',
  'string',
  'Unique name of the object within its namespace or cluster.',
  {
    format: 'name',
  },
);

export const ageColumn = column('Age', 'string', 'Time since the object was created.');

/** The two header cells every "containers in a template" printer shows in wide output. */
export const containerColumns = [
  wide('Containers', 'string', 'Names of the containers in the pod template.'),
  wide('Images', 'string', 'Images of the containers in the pod template.'),
];

// --- defensive readers: stored objects are validated, but a printer must never throw on odd input ---

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asString(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** Integers as Go would hold them after decoding: missing or non-numeric counts are 0. */
export function asInt(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

export function orNone(value: string): string {
  return value === '' ? '<none>' : value;
}

/** An IntOrString field as text (`2` or `"50%"`); undefined when unset. */
export function intOrString(value: unknown): string | undefined {
  if (typeof value === 'number') return String(Math.trunc(value));
  if (typeof value === 'string') return value;
  return undefined;
}

/** `a=1,b=2` with keys sorted, or "<none>": how kubectl shows a label map. */
export function formatLabels(labels: unknown): string {
  const entries = Object.entries(asRecord(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return orNone(entries.map(([k, v]) => `${k}=${asString(v)}`).join(','));
}

interface Requirement {
  key: string;
  text: string;
}

/**
 * A metav1.LabelSelector in selector syntax (`app=web,tier in (a,b),!legacy`), requirements sorted by
 * key. Empty string for an empty or missing selector; throws on an operator Kubernetes would reject.
 */
export function selectorString(selector: unknown): string {
  const sel = asRecord(selector);
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(asRecord(sel.matchLabels))) {
    reqs.push({ key, text: `${key}=${asString(value)}` });
  }
  for (const raw of asArray(sel.matchExpressions)) {
    const expr = asRecord(raw);
    const key = asString(expr.key);
    const values = asArray(expr.values).map((v) => asString(v));
    const list = `(${[...values].sort().join(',')})`;
    switch (expr.operator) {
      case 'In':
        reqs.push({ key, text: `${key} in ${list}` });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin ${list}` });
        break;
      case 'Exists':
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        throw new Error(`unsupported label selector operator ${JSON.stringify(expr.operator)}`);
    }
  }
  // Stable sort by key, as the selector library orders requirements.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** Selector for ReplicaSet/DaemonSet cells: "<none>" when empty, "<error>" when malformed. */
export function formatLabelSelector(selector: unknown): string {
  try {
    return orNone(selectorString(selector));
  } catch {
    return '<error>';
  }
}

/** Comma-joined container names and images of a pod spec, for the wide Containers/Images cells. */
export function containerCells(podSpec: unknown): [string, string] {
  const containers = asArray(asRecord(podSpec).containers).map(asRecord);
  return [
    containers.map((c) => asString(c.name)).join(','),
    containers.map((c) => asString(c.image)).join(','),
  ];
}

/** "a,b,c + 4 more...": how kubectl caps long address lists at three entries. */
export function capList(items: string[], max = 3): string {
  if (items.length <= max) return items.join(',');
  return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
}
