/**
 * Kind-specific behaviour on the write path: defaults, status handling, validation, as each
 * Kubernetes registry strategy has them. Generic metadata rules live in object-meta.ts.
 */
import type { KubeObject, StatusCause } from '../../api/index.js';
import type { NameRule } from './names.js';

export interface StrategyContext {
  /** The caller, on create. */
  user?: { name: string; groups: string[] };
  /** Cluster IPs already taken, for Service allocation. */
  usedClusterIPs(): Set<string>;
}

export interface KindStrategy {
  nameRule?: NameRule;
  /** Defaults and status reset for a new object; mutates `obj`. */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Carries over what an update may not change (e.g. allocated IPs); mutates `obj`. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Kind-specific validation; `old` is set on updates. */
  validate?(obj: KubeObject, old: KubeObject | undefined, subresource?: string): StatusCause[];
  /** Whether changing this part of the object bumps metadata.generation (default: anything but metadata/status). */
  bumpsGeneration?: boolean;
}
