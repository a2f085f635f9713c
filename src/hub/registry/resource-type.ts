/** What the hub knows about one served resource: enough to route, store, discover and print it. */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  priority?: number;
  /** A kubectl-style JSONPath such as ".status.replicas" (CRD additionalPrinterColumns). */
  jsonPath: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural resource name used in URLs, e.g. "deployments". */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  subresources: {
    status?: boolean;
    scale?: ScaleSubresource;
  };
  /** Definition name in the schema registry, e.g. "io.k8s.api.apps.v1.Deployment". */
  schemaName: string;
  /** Built-in kinds accept strategic merge patch; custom resources answer 415 to it. */
  builtin: boolean;
  /** Custom resources print their additionalPrinterColumns; built-ins have printers in code. */
  printerColumns?: PrinterColumn[];
  /** Field selectors this kind supports beyond metadata.name / metadata.namespace. */
  fieldSelectors?: Record<string, (obj: import('../../api/types.js').KubeObject) => string | undefined>;
}

export function groupVersion(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
