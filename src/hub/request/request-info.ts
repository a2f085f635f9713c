/** Turns a Kubernetes API path into what it addresses, the way the apiserver's RequestInfo does. */
import { badRequest } from '../../api/errors.js';

export interface ResourceRequest {
  group: string;
  version: string;
  /** Undefined for cluster-scoped requests and for lists across all namespaces. */
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
}

/**
 * /api/v1/namespaces/ns/pods/p/status -> {group:'', version:'v1', namespace:'ns', resource:'pods', name:'p', subresource:'status'}
 * Returns undefined for paths that are not resource paths (discovery, health, openapi).
 */
export function parseResourcePath(pathname: string): ResourceRequest | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  rest = rest.map(decodeSegment);
  // "namespaces/ns/<resource>..." addresses a namespaced resource; "namespaces[/ns[/status|finalize]]" the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return {
      group,
      version,
      namespace: rest[1],
      resource: rest[2]!,
      name: rest[3],
      subresource: rest.length > 4 ? rest.slice(4).join('/') : undefined,
    };
  }
  return {
    group,
    version,
    namespace: undefined,
    resource: rest[0]!,
    name: rest[1],
    subresource: rest.length > 2 ? rest.slice(2).join('/') : undefined,
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed path segment "${segment}"`);
  }
}

/** /api, /api/v1, /apis, /apis/g, /apis/g/v: the discovery documents. */
export function isDiscoveryPath(path: string): boolean {
  return /^\/api(\/[^/]+)?$/.test(path) || /^\/apis(\/[^/]+){0,2}$/.test(path);
}
