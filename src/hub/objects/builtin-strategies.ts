import {
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  isPlainObject,
  type KubeObject,
  type StatusCause,
} from '../../api/index.js';
import type { KindStrategy, StrategyContext } from './strategy.js';

const setDefault = <T>(obj: Record<string, unknown>, key: string, value: T): void => {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
};

function defaultContainer(c: Record<string, unknown>): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  const image = typeof c.image === 'string' ? c.image : '';
  setDefault(
    c,
    'imagePullPolicy',
    image.endsWith(':latest') || !/[:@]/.test(image.split('/').pop() ?? '') ? 'Always' : 'IfNotPresent',
  );
  setDefault(c, 'resources', {});
  for (const port of (c.ports as Record<string, unknown>[] | undefined) ?? [])
    setDefault(port, 'protocol', 'TCP');
}

function defaultPodSpec(spec: Record<string, unknown>): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  for (const list of ['containers', 'initContainers'] as const) {
    for (const c of (spec[list] as Record<string, unknown>[] | undefined) ?? []) defaultContainer(c);
  }
}

function validatePodSpec(spec: unknown, field: string): StatusCause[] {
  if (!isPlainObject(spec)) return [fieldRequired(field)];
  const causes: StatusCause[] = [];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0)
    causes.push(fieldRequired(`${field}.containers`));
  const seen = new Set<string>();
  (Array.isArray(containers) ? containers : []).forEach((c, i) => {
    const at = `${field}.containers[${i}]`;
    if (!isPlainObject(c)) return;
    if (typeof c.name !== 'string' || c.name === '') causes.push(fieldRequired(`${at}.name`));
    else if (seen.has(c.name))
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${at}.name`,
        message: `Duplicate value: "${c.name}"`,
      });
    else seen.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') causes.push(fieldRequired(`${at}.image`));
  });
  const policy = spec.restartPolicy;
  if (policy !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(policy))) {
    causes.push(fieldNotSupported(`${field}.restartPolicy`, policy, ['Always', 'OnFailure', 'Never']));
  }
  return causes;
}

function selectorMatchesTemplate(obj: KubeObject): StatusCause[] {
  const selector = obj.spec?.selector;
  if (!isPlainObject(selector)) return [fieldRequired('spec.selector')];
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  const hasExpressions = Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0;
  if (Object.keys(matchLabels).length === 0 && !hasExpressions) {
    return [fieldInvalid('spec.selector', selector, 'empty selector is invalid for deployment')];
  }
  const labels = (obj.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) {
      return [
        fieldInvalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'),
      ];
    }
  }
  return [];
}

function nonNegativeInt(value: unknown, field: string): StatusCause[] {
  if (value === undefined) return [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    return [fieldInvalid(field, value, 'must be greater than or equal to 0')];
  }
  return [];
}

/** `strategy: {}` (what `kubectl create deployment` sends) gets the same defaults as no strategy at all. */
function defaultRollingStrategy(
  spec: Record<string, unknown>,
  field: string,
  rolling: Record<string, unknown>,
): void {
  const strategy = (isPlainObject(spec[field]) ? spec[field] : {}) as Record<string, unknown>;
  spec[field] = strategy;
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type !== 'RollingUpdate') return;
  const current = (isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {}) as Record<
    string,
    unknown
  >;
  strategy.rollingUpdate = current;
  for (const [k, v] of Object.entries(rolling)) setDefault(current, k, v);
}

/** Selector and template stay as the user wrote them; the workload controllers own status. */
function workload(defaults: (spec: Record<string, unknown>) => void): KindStrategy {
  return {
    prepareForCreate(obj) {
      obj.spec ??= {};
      defaults(obj.spec);
      if (isPlainObject(obj.spec.template)) {
        obj.spec.template.spec ??= {};
        defaultPodSpec(obj.spec.template.spec);
      }
      obj.status = {};
    },
    prepareForUpdate(obj) {
      if (isPlainObject(obj.spec?.template?.spec)) defaultPodSpec(obj.spec.template.spec);
    },
    validate(obj, old) {
      const causes = [
        ...selectorMatchesTemplate(obj),
        ...nonNegativeInt(obj.spec?.replicas, 'spec.replicas'),
      ];
      causes.push(...validatePodSpec(obj.spec?.template?.spec, 'spec.template.spec'));
      if (old && JSON.stringify(old.spec?.selector) !== JSON.stringify(obj.spec?.selector)) {
        causes.push(fieldInvalid('spec.selector', obj.spec?.selector, 'field is immutable'));
      }
      return causes;
    },
  };
}

function allocateClusterIP(ctx: StrategyContext): string {
  const used = ctx.usedClusterIPs();
  // 10.43.0.0/16 like k3s; .0.1 is the kubernetes service by convention.
  for (let attempt = 0; attempt < 65_000; attempt++) {
    const n = 2 + Math.floor(Math.random() * 65_530);
    const ip = `10.43.${n >> 8}.${n & 255}`;
    if (!used.has(ip)) return ip;
  }
  throw new Error('service cluster IP range is exhausted');
}

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

const service: KindStrategy = {
  nameRule: 'label',
  prepareForCreate(obj, ctx) {
    obj.spec ??= {};
    const spec = obj.spec;
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    for (const port of (spec.ports as Record<string, unknown>[] | undefined) ?? []) {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
    }
    if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && !spec.clusterIP) {
      spec.clusterIP = allocateClusterIP(ctx);
    }
    if (spec.clusterIP && spec.type !== 'ExternalName') {
      spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    obj.status = { loadBalancer: {} };
  },
  prepareForUpdate(obj, old) {
    obj.spec ??= {};
    // Cluster IPs are allocated once; an update that omits them keeps them.
    if (!obj.spec.clusterIP && old.spec?.clusterIP) obj.spec.clusterIP = old.spec.clusterIP;
    if (!obj.spec.clusterIPs && old.spec?.clusterIPs) obj.spec.clusterIPs = old.spec.clusterIPs;
    for (const port of (obj.spec.ports as Record<string, unknown>[] | undefined) ?? []) {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
    }
  },
  validate(obj, old) {
    const causes: StatusCause[] = [];
    const type = obj.spec?.type;
    if (!SERVICE_TYPES.includes(type)) causes.push(fieldNotSupported('spec.type', type, SERVICE_TYPES));
    const ports = obj.spec?.ports;
    if (
      type !== 'ExternalName' &&
      obj.spec?.clusterIP !== 'None' &&
      (!Array.isArray(ports) || ports.length === 0)
    ) {
      causes.push(fieldRequired('spec.ports'));
    }
    (Array.isArray(ports) ? ports : []).forEach((p: Record<string, unknown>, i: number) => {
      if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) {
        causes.push(fieldInvalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
      }
    });
    if (old?.spec?.clusterIP && obj.spec?.clusterIP !== old.spec.clusterIP) {
      causes.push(fieldInvalid('spec.clusterIPs[0]', obj.spec?.clusterIP, 'may not change once set'));
    }
    return causes;
  },
};

const pod: KindStrategy = {
  prepareForCreate(obj) {
    obj.spec ??= {};
    defaultPodSpec(obj.spec);
    obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
  },
  prepareForUpdate(obj, old) {
    if (isPlainObject(obj.spec)) defaultPodSpec(obj.spec);
    // Binding happens once, through pods/binding or at creation.
    if (old.spec?.nodeName && !obj.spec?.nodeName) obj.spec.nodeName = old.spec.nodeName;
  },
  validate(obj, old, subresource) {
    const causes = validatePodSpec(obj.spec, 'spec');
    if (old) {
      // A pod is bound to a node once, through pods/binding; it never moves.
      const binding = subresource === 'binding' && !old.spec?.nodeName;
      if (old.spec?.nodeName !== obj.spec?.nodeName && !binding) {
        causes.push({
          reason: 'FieldValueForbidden',
          field: 'spec.nodeName',
          message: 'Forbidden: a pod is bound once, through pods/binding',
        });
      }
      const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
      const mutable = (spec: Record<string, unknown> | undefined) => {
        const {
          containers,
          initContainers,
          activeDeadlineSeconds,
          tolerations,
          terminationGracePeriodSeconds,
          nodeName,
          ...rest
        } = spec ?? {};
        const images = [containers, initContainers].map((list) =>
          ((list as Record<string, unknown>[] | undefined) ?? []).map(({ image, ...c }) => c),
        );
        return { rest, images };
      };
      if (changed(mutable(old.spec), mutable(obj.spec))) {
        causes.push({
          reason: 'FieldValueForbidden',
          field: 'spec',
          message:
            'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        });
      }
    }
    return causes;
  },
};

const namespace: KindStrategy = {
  nameRule: 'label',
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name! };
  },
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name! };
  },
};

const secret: KindStrategy = {
  prepareForCreate(obj) {
    obj.type ??= 'Opaque';
    foldStringData(obj);
  },
  prepareForUpdate(obj) {
    obj.type ??= 'Opaque';
    foldStringData(obj);
  },
  validate(obj, old) {
    const causes: StatusCause[] = [];
    let total = 0;
    for (const [key, value] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
        causes.push(
          fieldInvalid(
            `data[${key}]`,
            key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
          ),
        );
      }
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
        causes.push(fieldInvalid(`data[${key}]`, '<secret contents redacted>', 'must be base64-encoded'));
      } else total += value.length;
    }
    if (total > (1024 * 1024 * 4) / 3)
      causes.push({
        reason: 'FieldValueTooLong',
        field: 'data',
        message: 'Too long: must have at most 1048576 bytes',
      });
    if (old && old.type !== obj.type) causes.push(fieldInvalid('type', obj.type, 'field is immutable'));
    return causes;
  },
};

/** stringData is write-only convenience: merged into data (base64) and never stored. */
function foldStringData(obj: KubeObject): void {
  if (!isPlainObject(obj.stringData)) return;
  obj.data = { ...(obj.data ?? {}) };
  for (const [k, v] of Object.entries(obj.stringData))
    obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  delete obj.stringData;
}

const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

const configMap: KindStrategy = {
  validate(obj) {
    const causes: StatusCause[] = [];
    let total = 0;
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>))
      total += k.length + String(v).length;
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, unknown>))
      total += k.length + (String(v).length * 3) / 4;
    if (total > CONFIG_MAP_MAX_BYTES) {
      causes.push({
        reason: 'FieldValueTooLong',
        field: '[]',
        message: `Too long: must have at most ${CONFIG_MAP_MAX_BYTES} bytes`,
      });
    }
    for (const field of ['data', 'binaryData'] as const) {
      for (const key of Object.keys((obj[field] ?? {}) as object)) {
        if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
          causes.push(
            fieldInvalid(
              `${field}[${key}]`,
              key,
              "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            ),
          );
        }
      }
    }
    return causes;
  },
};

const node: KindStrategy = {
  prepareForCreate(obj) {
    obj.spec ??= {};
    obj.status ??= {};
  },
};

const keepStatus: KindStrategy = {
  prepareForCreate(obj) {
    obj.status = {};
  },
};

/** The requester's identity is recorded by the server, never taken from the body. */
function certificateSigningRequest(): KindStrategy {
  return {
    prepareForCreate(obj, ctx) {
      obj.spec ??= {};
      obj.spec.username = ctx.user?.name ?? '';
      obj.spec.groups = ctx.user?.groups ?? [];
      delete obj.spec.uid;
      delete obj.spec.extra;
      obj.status = {};
    },
    prepareForUpdate(obj, old) {
      // spec is immutable; approval and signing go through their subresources.
      obj.spec = old.spec;
    },
    validate(obj) {
      const causes: StatusCause[] = [];
      const request = obj.spec?.request;
      const pem = typeof request === 'string' ? Buffer.from(request, 'base64').toString('utf8') : '';
      if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
        causes.push(
          fieldInvalid('spec.request', '<request>', 'must be a base64-encoded PEM CERTIFICATE REQUEST'),
        );
      }
      if (typeof obj.spec?.signerName !== 'string' || !obj.spec.signerName.includes('/')) {
        causes.push(
          fieldRequired(
            'spec.signerName',
            'Required value: a signer name such as kubernetes.io/kube-apiserver-client-kubelet',
          ),
        );
      }
      if (!Array.isArray(obj.spec?.usages) || obj.spec.usages.length === 0)
        causes.push(fieldRequired('spec.usages'));
      return causes;
    },
  };
}

/** RBAC names may hold ':' (system:basic-user); a binding's roleRef never changes. */
const rbacRole: KindStrategy = { nameRule: 'path-segment' };
const rbacBinding: KindStrategy = {
  nameRule: 'path-segment',
  validate(obj, old) {
    const causes: StatusCause[] = [];
    const ref = obj.roleRef;
    if (!isPlainObject(ref) || !ref.name || !['Role', 'ClusterRole'].includes(String(ref.kind))) {
      causes.push(
        fieldRequired(
          'roleRef',
          'Required value: roleRef.kind must be Role or ClusterRole and roleRef.name is required',
        ),
      );
    }
    if (old && JSON.stringify(old.roleRef) !== JSON.stringify(obj.roleRef)) {
      causes.push(fieldInvalid('roleRef', obj.roleRef, 'cannot change roleRef'));
    }
    return causes;
  },
};

export const BUILTIN_STRATEGIES: Record<string, KindStrategy> = {
  '/Pod': pod,
  '/Service': service,
  '/Namespace': namespace,
  '/Secret': secret,
  '/ConfigMap': configMap,
  '/Node': node,
  'apps/Deployment': workload((spec) => {
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    defaultRollingStrategy(spec, 'strategy', { maxSurge: '25%', maxUnavailable: '25%' });
  }),
  'apps/ReplicaSet': workload((spec) => setDefault(spec, 'replicas', 1)),
  'apps/DaemonSet': workload((spec) => {
    setDefault(spec, 'revisionHistoryLimit', 10);
    defaultRollingStrategy(spec, 'updateStrategy', { maxSurge: 0, maxUnavailable: 1 });
  }),
  'policy/PodDisruptionBudget': keepStatus,
  'rbac.authorization.k8s.io/Role': rbacRole,
  'rbac.authorization.k8s.io/ClusterRole': rbacRole,
  'rbac.authorization.k8s.io/RoleBinding': rbacBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': rbacBinding,
  'certificates.k8s.io/CertificateSigningRequest': certificateSigningRequest(),
};

export function strategyFor(group: string, kind: string): KindStrategy {
  return BUILTIN_STRATEGIES[`${group}/${kind}`] ?? {};
}
