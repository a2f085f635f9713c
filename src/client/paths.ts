/** Kubernetes REST paths: /api/v1/... for the core group, /apis/GROUP/VERSION/... for the rest. */

export interface ResourceRef {
  /** "v1", "coordination.k8s.io/v1", ... */
  apiVersion: string;
  /** Plural resource name: "pods", "leases". */
  resource: string;
  namespace?: string;
  name?: string;
  /** "status", "eviction", ... */
  subresource?: string;
}

export function resourcePath(ref: ResourceRef): string {
  const root = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  let path = root;
  if (ref.namespace !== undefined) path += `/namespaces/${encodeURIComponent(ref.namespace)}`;
  path += `/${ref.resource}`;
  if (ref.name !== undefined) path += `/${encodeURIComponent(ref.name)}`;
  if (ref.subresource !== undefined) {
    if (ref.name === undefined) throw new Error(`a subresource (${ref.subresource}) needs a name`);
    path += `/${ref.subresource}`;
  }
  return path;
}

/** Appends query parameters, skipping undefined values; booleans and numbers become strings. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}
