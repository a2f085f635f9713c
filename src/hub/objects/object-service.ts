/**
 * The API's semantics, independent of HTTP: create, read, update, patch, delete and watch objects
 * with Kubernetes' rules (resourceVersion preconditions, generation, finalizers, graceful deletion,
 * namespaces, selectors, pagination, dry run). The HTTP layer and in-hub controllers both use it.
 */
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  type DeleteOptionsLike,
  expired,
  forbidden,
  invalid,
  type KubeObject,
  notFound,
  type StatusCause,
} from '../../api/index.js';
import type { Entry, EventType, Store, StoreEvent, WatchRoute } from '../../store/store.js';
import { isStoreError } from '../../store/store.js';
import type { UserInfo } from '../http/server.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { ResourceType } from '../registry/resource-type.js';
import { groupVersion } from '../registry/resource-type.js';
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../request/selectors.js';
import { deepEqual } from '../schema/validate.js';
import { generateNameFrom, newUid, nowTimestamp, specOf, validateMetadata } from './object-meta.js';
import type { KindStrategy, StrategyContext } from './strategy.js';

/** Namespaces the cluster itself relies on; Kubernetes refuses to delete them too. */
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const POD_NODE_FIELD = 'spec.nodeName';

export interface WriteOptions {
  /** The caller; kinds such as CertificateSigningRequest record it. */
  user?: UserInfo;
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** The object already carries its managedFields (server-side apply computed them). */
  skipManagedFields?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** The serialised items, reused from the store so large lists are not re-serialised. */
  itemsJson: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchEventOut {
  type: EventType;
  object: KubeObject;
  json: string;
}

export interface DeleteResult {
  object: KubeObject;
  /** False when deletion waits on finalizers or a graceful shutdown; the object still exists. */
  deleted: boolean;
}

/** Kind-level hooks supplied by the schema and field-manager layers. */
export interface ObjectHooks {
  strategy(type: ResourceType): KindStrategy;
  /** Schema validation; unknown fields reported as paths like ".spec.foo". */
  checkSchema(type: ResourceType, obj: KubeObject): { causes: StatusCause[]; unknownFields: string[] };
  /** Drops unknown fields and applies schema defaults (custom resources). */
  normalize(type: ResourceType, obj: KubeObject): void;
  /** Records field ownership for a non-apply write. */
  trackManagedFields(
    type: ResourceType,
    old: KubeObject | undefined,
    obj: KubeObject,
    manager: string,
    subresource?: string,
  ): void;
  /** Admission that needs the caller and the body (node restriction on create). */
  admit?(type: ResourceType, obj: KubeObject, user: UserInfo | undefined): void;
  /** Called after each committed change, e.g. to register a CRD's resources. */
  afterWrite?(type: ResourceType, event: EventType, obj: KubeObject): void;
}

export class ObjectService {
  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
    private readonly hooks: ObjectHooks,
  ) {
    // Every device lists and watches its own pods (spec.nodeName=NAME), as kubelets do: indexed, a
    // fleet joining costs one lookup per device instead of a scan of every pod in the cluster.
    const pods = registry.lookup('', 'v1', 'pods');
    const nodeName = pods?.fieldSelectors?.[POD_NODE_FIELD];
    if (pods && nodeName) store.addIndex(POD_NODE_FIELD, this.prefixOf(pods, undefined), nodeName);
  }

  // ---- keys -------------------------------------------------------------------------------

  keyOf(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${this.prefixOf(type, namespace)}${name}`;
  }

  prefixOf(type: ResourceType, namespace: string | undefined): string {
    const base = `/${type.group || 'core'}/${type.plural}/`;
    return type.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  // ---- reads ------------------------------------------------------------------------------

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.getEntry(type, namespace, name).object;
  }

  getEntry(type: ResourceType, namespace: string | undefined, name: string): Entry {
    const entry = this.store.get(this.keyOf(type, namespace, name));
    if (!entry) throw notFound(type.plural, type.group, name);
    return entry;
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(this.keyOf(type, namespace, name))?.object;
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = this.parseFields(type, options.fieldSelector);
    const { revision, entries } = this.listCandidates(type, namespace, fields);
    let start = 0;
    let rv = revision;
    if (options.continue) {
      const token = decodeContinue(options.continue);
      if (token.rv < this.store.compactedRevision) {
        throw new ApiError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      start = upperBound(entries, token.key);
      rv = token.rv;
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    const items: KubeObject[] = [];
    const itemsJson: string[] = [];
    let i = start;
    for (; i < entries.length && items.length < limit; i++) {
      const entry = entries[i]!;
      if (!this.matches(type, entry.object, labels, fields)) continue;
      items.push(entry.object);
      itemsJson.push(entry.json);
    }
    const result: ListResult = { items, itemsJson, resourceVersion: String(rv) };
    if (i < entries.length && items.length >= limit) {
      let remaining = 0;
      for (let j = i; j < entries.length; j++)
        if (this.matches(type, entries[j]!.object, labels, fields)) remaining++;
      if (remaining > 0) {
        result.continue = encodeContinue(rv, entries[i - 1]!.key);
        result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  /** The stored objects a list must look at: an index's bucket when the selector names one. */
  private listCandidates(type: ResourceType, namespace: string | undefined, fields: FieldSelector) {
    const prefix = this.prefixOf(type, namespace);
    if (type.group === '' && type.plural === 'pods') {
      const node = fields.find((f) => f.field === POD_NODE_FIELD && f.op === '=');
      // Not for "spec.nodeName=" (unscheduled pods): the index holds only pods bound to a node.
      if (node && node.value !== '') return this.store.listIndexed(POD_NODE_FIELD, node.value, prefix);
    }
    return this.store.list(prefix);
  }

  /**
   * Streams changes. With no resourceVersion (or "0") the current objects come first as ADDED events.
   * Selector watches see an object leave (DELETED) or enter (ADDED) the selection as Kubernetes does.
   */
  watch(
    type: ResourceType,
    namespace: string | undefined,
    options: WatchOptions,
    send: (event: WatchEventOut) => void,
  ): () => void {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = this.parseFields(type, options.fieldSelector);
    const prefix = this.prefixOf(type, namespace);
    let from: number;
    const rvText = options.resourceVersion;
    if (!rvText || rvText === '0') {
      const { revision, entries } = this.store.list(prefix);
      for (const entry of entries) {
        if (this.matches(type, entry.object, labels, fields))
          send({ type: 'ADDED', object: entry.object, json: entry.json });
      }
      from = revision;
    } else {
      from = Number(rvText);
      if (!Number.isInteger(from) || from < 0)
        throw badRequest(`invalid resourceVersion "${rvText}": must be an integer`);
      if (from < this.store.compactedRevision) throw expired(from, this.store.compactedRevision + 1);
    }
    // An equality on a field is necessary for a match: the store need only offer this watch the
    // events whose object has that value before or after (one lookup, not one check per watcher).
    const eq = fields.find((f) => f.op === '=');
    const route: WatchRoute | undefined = eq && {
      index: eq.field,
      value: eq.value,
      valueIn: (entry) => fieldValue(type, entry.object, eq.field) ?? '',
    };
    return this.store.watch(
      prefix,
      from,
      (event: StoreEvent) => {
        const now = this.matches(type, event.entry.object, labels, fields);
        const before = event.previous ? this.matches(type, event.previous.object, labels, fields) : false;
        let outType: EventType | undefined = event.type;
        if (event.type === 'MODIFIED') {
          if (now && !before) outType = 'ADDED';
          else if (!now && before) outType = 'DELETED';
          else if (!now) outType = undefined;
        } else if (!now) outType = undefined;
        if (outType) send({ type: outType, object: event.entry.object, json: event.entry.json });
      },
      route,
    );
  }

  // ---- writes -----------------------------------------------------------------------------

  async create(
    type: ResourceType,
    namespace: string | undefined,
    input: KubeObject,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const obj = structuredClone(input);
    this.checkTypeMeta(type, obj);
    const meta = obj.metadata ?? {};
    obj.metadata = meta;
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    this.resolveNamespace(type, namespace, obj);
    if (!meta.name && meta.generateName)
      meta.name = this.unusedGeneratedName(type, meta.namespace, meta.generateName);
    const warnings = this.applySchema(type, obj, options.fieldValidation);
    const strategy = this.hooks.strategy(type);
    if (type.namespaced) this.checkNamespaceOpen(meta.namespace!);
    this.hooks.admit?.(type, obj, options.user);
    meta.uid = newUid();
    meta.creationTimestamp = nowTimestamp();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    strategy.prepareForCreate?.(obj, { ...this.strategyContext(), user: options.user });
    this.validate(type, obj, undefined, strategy);
    if (!options.skipManagedFields)
      this.hooks.trackManagedFields(type, undefined, obj, options.fieldManager ?? 'unknown');
    if (options.dryRun) {
      if (this.store.get(this.keyOf(type, meta.namespace, meta.name!)))
        throw alreadyExists(type.plural, type.group, meta.name!);
      return { object: obj, warnings };
    }
    try {
      const entry = await this.store.create(this.keyOf(type, meta.namespace, meta.name!), obj);
      this.hooks.afterWrite?.(type, 'ADDED', entry.object);
      return { object: entry.object, warnings };
    } catch (err) {
      throw this.storeError(err, type, meta.name!);
    }
  }

  /**
   * A generated name no object has yet. Five random characters collide now and then in a fleet of
   * thousands (10,000 CSRs make it about one in 1,400); like the apiserver, try again rather than
   * answer 409 to a client that never chose the name. Nothing yields between here and the store's
   * create, so the name is still free when it is used.
   */
  private unusedGeneratedName(type: ResourceType, namespace: string | undefined, prefix: string): string {
    let name = generateNameFrom(prefix);
    for (let attempt = 1; attempt < 8 && this.store.get(this.keyOf(type, namespace, name)); attempt++)
      name = generateNameFrom(prefix);
    return name;
  }

  /**
   * Replaces an object (PUT) or its status/scale. `subresource` "status" takes only status from the
   * input; the main resource keeps status when the kind has a status subresource.
   */
  async update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    options: WriteOptions & { subresource?: string; allowCreate?: boolean } = {},
  ): Promise<WriteResult & { created: boolean }> {
    const obj = structuredClone(input);
    this.checkTypeMeta(type, obj);
    obj.metadata ??= {};
    const current = this.store.get(this.keyOf(type, namespace, name));
    if (!current) {
      if (options.allowCreate && !options.subresource) {
        if (obj.metadata.name && obj.metadata.name !== name) throw this.nameMismatch(obj, name);
        obj.metadata.name = name;
        delete obj.metadata.resourceVersion;
        const result = await this.create(type, namespace, obj, options);
        return { ...result, created: true };
      }
      throw notFound(type.plural, type.group, name);
    }
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw this.nameMismatch(obj, name);
    obj.metadata.name = name;
    const requestedRv = obj.metadata.resourceVersion;
    if (requestedRv && requestedRv !== current.object.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    const warnings = this.applySchema(type, obj, options.fieldValidation);
    const next = this.mergeForUpdate(type, current.object, obj, options.subresource);
    return { ...(await this.commitUpdate(type, current, next, options)), warnings, created: false };
  }

  /**
   * Writes a fully computed new state of an existing object (patches end here too). Handles
   * generation, immutable metadata, validation, managed fields, and completing a pending deletion.
   */
  async commitUpdate(
    type: ResourceType,
    current: Entry,
    next: KubeObject,
    options: WriteOptions & {
      subresource?: string;
      skipManagedFields?: boolean;
      /** Soft state (a heartbeat): see the store's UpdateOptions. */
      soft?: boolean;
    },
  ): Promise<WriteResult> {
    const old = current.object;
    const strategy = this.hooks.strategy(type);
    const meta = next.metadata;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.namespace = old.metadata.namespace;
    meta.name = old.metadata.name;
    meta.deletionTimestamp = old.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
    if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
    meta.generation = old.metadata.generation ?? 1;
    if (!options.subresource) strategy.prepareForUpdate?.(next, old, this.strategyContext());
    if (specOf(next) !== specOf(old)) meta.generation = (old.metadata.generation ?? 0) + 1;
    this.validate(type, next, old, strategy, options.subresource);
    if (old.metadata.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid(type.kind, type.group, meta.name!, [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(', ')}}`,
          },
        ]);
      }
    }
    if (!options.skipManagedFields) {
      this.hooks.trackManagedFields(type, old, next, options.fieldManager ?? 'unknown', options.subresource);
    }
    const wasHeld = (old.metadata.finalizers ?? []).length > 0 || this.pendingFinalization(type, old);
    const released = (meta.finalizers ?? []).length === 0 && !this.pendingFinalization(type, next);
    // A graceful deletion (a pod on a live device) completes only when the device confirms it.
    const graceful = (meta.deletionGracePeriodSeconds ?? 0) > 0;
    if (meta.deletionTimestamp && wasHeld && released && !graceful) {
      // The last finalizer is gone: the deletion that was waiting on it completes now.
      if (!options.dryRun) await this.removeNow(type, current);
      return { object: next, warnings: [] };
    }
    if (options.dryRun)
      return {
        object: { ...next, metadata: { ...meta, resourceVersion: old.metadata.resourceVersion } },
        warnings: [],
      };
    if (
      deepEqual(
        { ...next, metadata: { ...meta, resourceVersion: undefined } },
        { ...old, metadata: { ...old.metadata, resourceVersion: undefined } },
      )
    ) {
      // Kubernetes does not bump resourceVersion for a write that changes nothing.
      return { object: old, warnings: [] };
    }
    try {
      const entry = await this.store.update(current.key, next, current.rev, { soft: options.soft });
      this.hooks.afterWrite?.(type, 'MODIFIED', entry.object);
      return { object: entry.object, warnings: [] };
    } catch (err) {
      throw this.storeError(err, type, meta.name!);
    }
  }

  /** Combines an incoming object with the stored one according to the subresource being written. */
  mergeForUpdate(
    type: ResourceType,
    old: KubeObject,
    incoming: KubeObject,
    subresource: string | undefined,
  ): KubeObject {
    if (subresource === 'status') {
      // Only status changes; metadata and spec stay as stored.
      return {
        ...structuredClone(old),
        status: incoming.status,
        metadata: { ...structuredClone(old.metadata), resourceVersion: undefined },
      };
    }
    const next = structuredClone(incoming);
    if (type.subresources.status) {
      if (old.status === undefined) delete next.status;
      else next.status = structuredClone(old.status);
    }
    delete next.metadata.resourceVersion;
    if (next.metadata.managedFields === undefined && old.metadata.managedFields) {
      next.metadata.managedFields = structuredClone(old.metadata.managedFields);
    }
    return next;
  }

  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptionsLike = {},
    dryRun = false,
  ): Promise<DeleteResult> {
    const current = this.getEntry(type, namespace, name);
    const old = current.object;
    if (type.group === '' && type.kind === 'Namespace' && PROTECTED_NAMESPACES.has(name)) {
      throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, {
        name,
        kind: 'namespaces',
      });
    }
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    const policy =
      options.propagationPolicy ??
      (options.orphanDependents ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
    if (policy && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw invalid('DeleteOptions', '', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
        },
      ]);
    }
    const next = structuredClone(old);
    const meta = next.metadata;
    const finalizers = new Set(meta.finalizers ?? []);
    if (policy === 'Orphan') finalizers.add('orphan');
    if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const grace = this.gracePeriod(type, old, options.gracePeriodSeconds);
    const waitsOnKind = this.pendingFinalization(type, next);
    if (finalizers.size === 0 && grace === 0 && !waitsOnKind) {
      if (dryRun) return { object: old, deleted: true };
      return { object: await this.removeNow(type, current), deleted: true };
    }
    // Graceful or finalized deletion: mark the object; whoever holds the finalizer (or the node) completes it.
    meta.finalizers = [...finalizers];
    if (meta.finalizers.length === 0) delete meta.finalizers;
    const now = Date.now();
    const deadline = new Date(now + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (!meta.deletionTimestamp || grace < (meta.deletionGracePeriodSeconds ?? Number.POSITIVE_INFINITY)) {
      meta.deletionTimestamp = deadline;
      meta.deletionGracePeriodSeconds = grace;
    }
    if (type.group === '' && type.kind === 'Namespace')
      next.status = { ...next.status, phase: 'Terminating' };
    if (dryRun) return { object: next, deleted: false };
    if (JSON.stringify(next) === JSON.stringify(old)) return { object: old, deleted: false };
    try {
      const entry = await this.store.update(current.key, next, current.rev);
      this.hooks.afterWrite?.(type, 'MODIFIED', entry.object);
      return { object: entry.object, deleted: false };
    } catch (err) {
      throw this.storeError(err, type, name);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async removeNow(type: ResourceType, current: Entry): Promise<KubeObject> {
    try {
      const entry = await this.store.delete(current.key, current.rev);
      this.hooks.afterWrite?.(type, 'DELETED', entry.object);
      return entry.object;
    } catch (err) {
      throw this.storeError(err, type, current.object.metadata.name!);
    }
  }

  /** Namespaces wait for the namespace controller (spec.finalizers) before they go. */
  private pendingFinalization(type: ResourceType, obj: KubeObject): boolean {
    return type.group === '' && type.kind === 'Namespace' && (obj.spec?.finalizers ?? []).length > 0;
  }

  /** Pods on a live node get their grace period so the device can stop them; everything else goes at once. */
  private gracePeriod(type: ResourceType, obj: KubeObject, requested: number | undefined): number {
    if (!(type.group === '' && type.kind === 'Pod')) return 0;
    if (!obj.spec?.nodeName) return 0;
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    const nodeType = this.registry.lookup('', 'v1', 'nodes');
    if (!nodeType || !this.find(nodeType, undefined, obj.spec.nodeName)) return 0;
    const grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, Math.floor(grace));
  }

  private validate(
    type: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    strategy: KindStrategy,
    subresource?: string,
  ): void {
    const causes = [
      ...validateMetadata(obj, type, strategy.nameRule ?? 'subdomain'),
      ...(strategy.validate?.(obj, old, subresource) ?? []),
    ];
    if (causes.length > 0) throw invalid(type.kind, type.group, obj.metadata.name ?? '', causes);
  }

  /** Schema check plus the client's fieldValidation choice for unknown fields. */
  applySchema(type: ResourceType, obj: KubeObject, mode: FieldValidation = 'Warn'): string[] {
    const { causes, unknownFields } = this.hooks.checkSchema(type, obj);
    if (causes.length > 0) throw invalid(type.kind, type.group, obj.metadata?.name ?? '', causes);
    const warnings: string[] = [];
    if (unknownFields.length > 0) {
      if (mode === 'Strict') {
        const list = unknownFields.map((f) => `unknown field "${f.replace(/^\./, '')}"`);
        throw badRequest(`strict decoding error: ${list.join(', ')}`);
      }
      if (mode === 'Warn')
        for (const f of unknownFields) warnings.push(`unknown field "${f.replace(/^\./, '')}"`);
    }
    this.hooks.normalize(type, obj);
    return warnings;
  }

  private checkTypeMeta(type: ResourceType, obj: KubeObject): void {
    const expected = groupVersion(type);
    if (obj.kind === undefined || obj.kind === '') {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj).slice(0, 200)}'`);
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(
        `the kind "${obj.kind}" in the request body does not match the resource "${type.plural}" (kind "${type.kind}")`,
      );
    }
    if (
      obj.apiVersion !== undefined &&
      obj.apiVersion !== expected &&
      !this.isOtherServedVersion(type, obj.apiVersion)
    ) {
      throw badRequest(
        `the apiVersion "${obj.apiVersion}" in the request body does not match the URL (expected "${expected}")`,
      );
    }
    obj.kind = type.kind;
    obj.apiVersion = expected;
    if (obj.metadata !== undefined && (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
      throw badRequest('metadata must be an object');
    }
  }

  private isOtherServedVersion(type: ResourceType, apiVersion: string): boolean {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return group === type.group && !!version && !!this.registry.lookup(group, version, type.plural);
  }

  private resolveNamespace(type: ResourceType, namespace: string | undefined, obj: KubeObject): void {
    const meta = obj.metadata;
    if (!type.namespaced) {
      delete meta.namespace;
      return;
    }
    if (!namespace)
      throw badRequest(
        `${type.plural} is namespaced: create it under /namespaces/{namespace}/${type.plural}`,
      );
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    meta.namespace = namespace;
  }

  private checkNamespaceOpen(namespace: string): void {
    const nsType = this.registry.lookup('', 'v1', 'namespaces')!;
    const ns = this.find(nsType, undefined, namespace);
    if (!ns) throw notFound('namespaces', '', namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name: namespace,
          kind: 'namespaces',
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  private nameMismatch(obj: KubeObject, name: string): ApiError {
    return badRequest(
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
    );
  }

  private parseFields(type: ResourceType, text: string | undefined): FieldSelector {
    const selector = parseFieldSelector(text);
    for (const req of selector) {
      if (
        req.field !== 'metadata.name' &&
        req.field !== 'metadata.namespace' &&
        !type.fieldSelectors?.[req.field]
      ) {
        if (type.fieldSelectors) throw badRequest(`field label not supported: ${req.field}`);
        const known = ['metadata.name', 'metadata.namespace', ...Object.keys(type.fieldSelectors ?? {})];
        throw badRequest(
          `"${req.field}" is not a known field selector: only ${known.map((k) => `"${k}"`).join(', ')}`,
        );
      }
    }
    return selector;
  }

  private matches(
    type: ResourceType,
    obj: KubeObject,
    labels: LabelSelector,
    fields: FieldSelector,
  ): boolean {
    if (labels.length > 0 && !matchesLabels(labels, obj.metadata.labels)) return false;
    if (fields.length === 0) return true;
    return matchesFields(fields, (field) => fieldValue(type, obj, field));
  }

  private strategyContext(): StrategyContext {
    return {
      usedClusterIPs: () => {
        const svc = this.registry.lookup('', 'v1', 'services')!;
        const ips = new Set<string>();
        for (const e of this.store.list(this.prefixOf(svc, undefined)).entries)
          if (e.object.spec?.clusterIP) ips.add(e.object.spec.clusterIP);
        return ips;
      },
    };
  }

  private storeError(err: unknown, type: ResourceType, name: string): unknown {
    if (!isStoreError(err)) return err;
    if (err.kind === 'NotFound') return notFound(type.plural, type.group, name);
    if (err.kind === 'AlreadyExists') return alreadyExists(type.plural, type.group, name);
    return conflict(type.plural, type.group, name);
  }
}

function encodeContinue(rv: number, key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, rv, key })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; key: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed.v === 1 && typeof parsed.rv === 'number' && typeof parsed.key === 'string') return parsed;
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: it must be a value returned by a previous list call');
}

function upperBound(entries: Entry[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.key <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The value a field selector compares for this object (matchesFields reads undefined as ""). */
function fieldValue(type: ResourceType, obj: KubeObject, field: string): string | undefined {
  if (field === 'metadata.name') return obj.metadata.name;
  if (field === 'metadata.namespace') return obj.metadata.namespace;
  return type.fieldSelectors?.[field]?.(obj);
}
