/**
 * Response-format negotiation. kubectl asks for server-side Tables with
 * `application/json;as=Table;v=v1;g=meta.k8s.io,...,application/json` and discovery clients for the
 * aggregated formats; everything else gets plain JSON.
 */
import { notAcceptable } from '../../api/errors.js';

export type ObjectFormat = 'json' | 'table' | 'partial-metadata' | 'yaml';

interface AcceptEntry {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): AcceptEntry[] {
  if (!header) return [{ type: 'application/json', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: (type ?? '').toLowerCase(), params };
  });
}

/** Picks the first acceptable representation of an object or list, in the client's order. */
export function negotiateObjectFormat(header: string | undefined): ObjectFormat {
  for (const entry of parseAccept(header)) {
    const { type, params } = entry;
    if (type === 'application/json' || type === '*/*' || type === 'application/*') {
      if (
        params.as === 'Table' &&
        params.g === 'meta.k8s.io' &&
        (params.v === 'v1' || params.v === 'v1beta1')
      )
        return 'table';
      if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') {
        if (params.g === 'meta.k8s.io') return 'partial-metadata';
        continue;
      }
      if (params.as) continue;
      return 'json';
    }
    if (type === 'application/yaml') return 'yaml';
  }
  // Only protobuf (or something unknown) was offered; Kubernetes answers 406 here.
  throw notAcceptable(
    `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`,
  );
}

export type DiscoveryFormat = 'legacy' | 'aggregated-v2' | 'aggregated-v2beta1';

/** Discovery negotiates aggregated v2 or v2beta1 only when asked, echoing the exact media type back. */
export function negotiateDiscovery(header: string | undefined): {
  format: DiscoveryFormat;
  contentType: string;
} {
  for (const { type, params } of parseAccept(header)) {
    if (type !== 'application/json' && type !== '*/*') continue;
    if (params.g === 'apidiscovery.k8s.io' && params.as === 'APIGroupDiscoveryList') {
      if (params.v === 'v2')
        return {
          format: 'aggregated-v2',
          contentType: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
        };
      if (params.v === 'v2beta1') {
        return {
          format: 'aggregated-v2beta1',
          contentType: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
        };
      }
      continue;
    }
    if (params.as) continue;
    return { format: 'legacy', contentType: 'application/json' };
  }
  return { format: 'legacy', contentType: 'application/json' };
}
