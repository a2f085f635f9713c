/**
 * What a pod needs from ConfigMaps and Secrets, and how it becomes environment variables and
 * volume files, as the kubelet does it: env (value, valueFrom), envFrom with prefixes, $(VAR)
 * expansion, configMap / secret / projected / downwardAPI volumes with items and optional refs.
 * Pure functions over a lookup, so they work the same online and from local state.
 */
import type { KubeObject } from '../../api/types.js';

export type ConfigKind = 'configmaps' | 'secrets';

export interface ObjectRef {
  kind: ConfigKind;
  namespace: string;
  name: string;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** Returns the object, or undefined when it does not exist (or is not known yet). */
export type ConfigLookup = (ref: ObjectRef) => KubeObject | undefined;

/** A missing non-optional reference: the container waits with CreateContainerConfigError. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

interface SourceRef {
  name?: string;
  optional?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: container and volume specs are read field by field
type Spec = Record<string, any>;

function containersOf(pod: KubeObject): Spec[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as Spec[];
}

/** Every ConfigMap and Secret the pod refers to (deduplicated). */
export function referencedObjects(pod: KubeObject): ObjectRef[] {
  const namespace = pod.metadata.namespace ?? 'default';
  const refs = new Map<string, ObjectRef>();
  const add = (kind: ConfigKind, name: string | undefined) => {
    if (!name) return;
    const ref = { kind, namespace, name };
    refs.set(refKey(ref), ref);
  };
  for (const c of containersOf(pod)) {
    for (const e of (c.env ?? []) as Spec[]) {
      add('configmaps', e.valueFrom?.configMapKeyRef?.name);
      add('secrets', e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of (c.envFrom ?? []) as Spec[]) {
      add('configmaps', e.configMapRef?.name);
      add('secrets', e.secretRef?.name);
    }
  }
  for (const v of (pod.spec?.volumes ?? []) as Spec[]) {
    add('configmaps', v.configMap?.name);
    add('secrets', v.secret?.secretName);
    for (const s of (v.projected?.sources ?? []) as Spec[]) {
      add('configmaps', s.configMap?.name);
      add('secrets', s.secret?.name);
    }
  }
  return [...refs.values()];
}

/** Key → value of a ConfigMap (data and binaryData) or Secret (data, and stringData if a hub left it). */
export function objectData(kind: ConfigKind, object: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (kind === 'configmaps') {
    for (const [k, v] of Object.entries((object.data ?? {}) as Record<string, string>))
      out.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries((object.binaryData ?? {}) as Record<string, string>))
      out.set(k, Buffer.from(v, 'base64'));
  } else {
    for (const [k, v] of Object.entries((object.data ?? {}) as Record<string, string>))
      out.set(k, Buffer.from(v, 'base64'));
    for (const [k, v] of Object.entries((object.stringData ?? {}) as Record<string, string>))
      out.set(k, Buffer.from(v, 'utf8'));
  }
  return out;
}

function describe(kind: ConfigKind, name: string): string {
  return `${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}"`;
}

/** $(VAR) expansion as Kubernetes does it: known names are replaced, $$ escapes, unknown refs stay. */
export function expandVariables(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in vars ? vars[name]! : match;
  });
}

export interface PodFacts {
  nodeName: string;
  hostIP: string;
  podIP: string;
}

/** metadata.name, metadata.labels['x'], status.podIP, ...: the downward API's field paths. */
export function fieldValue(pod: KubeObject, path: string, facts: PodFacts): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return pod.metadata[keyed[1] as 'labels' | 'annotations']?.[keyed[2]!];
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return facts.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.hostIP':
      return facts.hostIP;
    case 'status.podIP':
      return facts.podIP;
    case 'status.hostIPs':
      return facts.hostIP;
    case 'status.podIPs':
      return facts.podIP;
    default:
      return undefined;
  }
}

/** The container's environment; throws ConfigError naming the first missing required reference. */
export function resolveEnv(
  pod: KubeObject,
  container: Spec,
  lookup: ConfigLookup,
  facts: PodFacts,
): Record<string, string> {
  const namespace = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  const get = (kind: ConfigKind, name: string) => lookup({ kind, namespace, name });

  for (const source of (container.envFrom ?? []) as Spec[]) {
    const kind: ConfigKind = source.configMapRef ? 'configmaps' : 'secrets';
    const ref = (source.configMapRef ?? source.secretRef) as SourceRef | undefined;
    if (!ref?.name) continue;
    const object = get(kind, ref.name);
    if (!object) {
      if (ref.optional) continue;
      throw new ConfigError(`${describe(kind, ref.name)} not found`);
    }
    for (const [key, value] of objectData(kind, object))
      env[`${source.prefix ?? ''}${key}`] = value.toString('utf8');
  }
  for (const e of (container.env ?? []) as Spec[]) {
    if (!e.name) continue;
    if (e.valueFrom === undefined) {
      env[e.name] = expandVariables(String(e.value ?? ''), env);
      continue;
    }
    const from = e.valueFrom as Spec;
    if (from.configMapKeyRef || from.secretKeyRef) {
      const kind: ConfigKind = from.configMapKeyRef ? 'configmaps' : 'secrets';
      const ref = (from.configMapKeyRef ?? from.secretKeyRef) as KeyRef;
      const object = ref.name ? get(kind, ref.name) : undefined;
      const value = object ? objectData(kind, object).get(ref.key) : undefined;
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ConfigError(
          object
            ? `couldn't find key ${ref.key} in ${describe(kind, ref.name ?? '')}`
            : `${describe(kind, ref.name ?? '')} not found`,
        );
      }
      env[e.name] = value.toString('utf8');
    } else if (from.fieldRef?.fieldPath) {
      env[e.name] = fieldValue(pod, String(from.fieldRef.fieldPath), facts) ?? '';
    } else if (from.resourceFieldRef?.resource) {
      const value =
        container.resources?.limits?.[String(from.resourceFieldRef.resource).replace(/^limits\./, '')];
      env[e.name] = value === undefined ? '' : String(value);
    }
  }
  return env;
}

export interface VolumeFile {
  /** Path inside the volume, e.g. "config.yaml" or "dir/key". */
  path: string;
  content: Buffer;
  mode: number;
}

function safeRelativePath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((p) => p === '..' || p === '');
}

function itemsOf(
  kind: ConfigKind,
  object: KubeObject | undefined,
  ref: { name: string; optional?: boolean; items?: Spec[]; defaultMode?: number },
): VolumeFile[] {
  const mode = ref.defaultMode ?? (kind === 'secrets' ? 0o644 : 0o644);
  if (!object) {
    if (ref.optional) return [];
    throw new ConfigError(`${describe(kind, ref.name)} not found`);
  }
  const data = objectData(kind, object);
  if (!ref.items?.length) return [...data].map(([key, content]) => ({ path: key, content, mode }));
  const files: VolumeFile[] = [];
  for (const item of ref.items) {
    const content = data.get(String(item.key));
    if (content === undefined) {
      if (ref.optional) continue;
      throw new ConfigError(`couldn't find key ${item.key} in ${describe(kind, ref.name)}`);
    }
    files.push({ path: String(item.path ?? item.key), content, mode: item.mode ?? mode });
  }
  return files;
}

/**
 * The files of a configMap, secret, projected or downwardAPI volume; undefined for other volume
 * types (emptyDir and hostPath are directories, not generated content).
 */
export function volumeFiles(
  pod: KubeObject,
  volume: Spec,
  lookup: ConfigLookup,
  facts: PodFacts,
): VolumeFile[] | undefined {
  const namespace = pod.metadata.namespace ?? 'default';
  const get = (kind: ConfigKind, name: string) => lookup({ kind, namespace, name });
  let files: VolumeFile[];
  if (volume.configMap) {
    files = itemsOf('configmaps', get('configmaps', volume.configMap.name), volume.configMap);
  } else if (volume.secret) {
    const ref = { ...volume.secret, name: volume.secret.secretName };
    files = itemsOf('secrets', get('secrets', ref.name), ref);
  } else if (volume.downwardAPI) {
    files = downwardFiles(
      pod,
      volume.downwardAPI.items ?? [],
      facts,
      volume.downwardAPI.defaultMode ?? 0o644,
    );
  } else if (volume.projected) {
    files = [];
    const mode = volume.projected.defaultMode ?? 0o644;
    for (const s of (volume.projected.sources ?? []) as Spec[]) {
      if (s.configMap)
        files.push(
          ...itemsOf('configmaps', get('configmaps', s.configMap.name), {
            defaultMode: mode,
            ...s.configMap,
          }),
        );
      if (s.secret)
        files.push(...itemsOf('secrets', get('secrets', s.secret.name), { defaultMode: mode, ...s.secret }));
      if (s.downwardAPI) files.push(...downwardFiles(pod, s.downwardAPI.items ?? [], facts, mode));
    }
  } else {
    return undefined;
  }
  return files.filter((f) => safeRelativePath(f.path));
}

function downwardFiles(pod: KubeObject, items: Spec[], facts: PodFacts, mode: number): VolumeFile[] {
  return items
    .filter((i) => i.path && i.fieldRef?.fieldPath)
    .map((i) => ({
      path: String(i.path),
      content: Buffer.from(fieldValue(pod, String(i.fieldRef.fieldPath), facts) ?? ''),
      mode: i.mode ?? mode,
    }));
}
