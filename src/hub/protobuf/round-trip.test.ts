/**
 * decode(encode(x)) == x for objects that exercise every table, so each field the tables claim
 * survives the wire. The encoder refuses properties it has no field for, which keeps these
 * objects honest about what is covered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ObjectMeta } from '../../api/types.js';
import { decodeProtobufObject, encodeProtobufObject } from './index.js';

const meta: ObjectMeta = {
  name: 'web',
  generateName: 'web-',
  namespace: 'prod',
  uid: '5b0c2f0e-2c7e-4a40-9d44-1c8f2f7d4e11',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2024-01-02T03:04:05Z',
  deletionTimestamp: '2024-01-03T00:00:00Z',
  deletionGracePeriodSeconds: 0,
  // A map key named __proto__ must stay a plain key on the way back.
  labels: JSON.parse('{"app":"web","__proto__":"not a prototype"}'),
  annotations: { 'example.com/note': 'ünïcode ✓' },
  ownerReferences: [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-1',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: false,
    },
  ],
  finalizers: ['example.com/keep'],
  managedFields: [
    {
      manager: 'kubectl',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-01-02T03:04:05Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
      subresource: 'status',
    },
  ],
};

const podSpec = {
  volumes: [
    {
      name: 'cfg',
      configMap: {
        name: 'cfg',
        items: [{ key: 'a', path: 'a.txt', mode: 0 }],
        defaultMode: 420,
        optional: false,
      },
    },
    { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    { name: 'nfs', nfs: { server: 'nas', path: '/export' } },
    {
      name: 'down',
      downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
    },
    {
      name: 'proj',
      projected: {
        sources: [
          { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { secret: { name: 'extra', optional: true } },
          {
            downwardAPI: {
              items: [{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } }],
            },
          },
        ],
        defaultMode: 420,
      },
    },
    { name: 'csi', csi: { driver: 'csi.example.com', readOnly: true, volumeAttributes: { size: '1' } } },
    { name: 'img', image: { reference: 'registry.example/data:1', pullPolicy: 'IfNotPresent' } },
  ],
  initContainers: [
    { name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], restartPolicy: 'Always' },
  ],
  containers: [
    {
      name: 'app',
      image: 'nginx:1.27',
      args: ['--port', '8080'],
      workingDir: '/srv',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP', hostPort: 80, hostIP: '0.0.0.0' }],
      envFrom: [
        { prefix: 'CFG_', configMapRef: { name: 'cfg', optional: true } },
        { secretRef: { name: 's' } },
      ],
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } },
        { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
        {
          name: 'MEM',
          valueFrom: {
            resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' },
          },
        },
      ],
      resources: {
        limits: { cpu: '500m', memory: '128Mi' },
        requests: { cpu: '100m' },
        claims: [{ name: 'gpu' }],
      },
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      volumeMounts: [
        { name: 'cfg', mountPath: '/etc/cfg', readOnly: true, recursiveReadOnly: 'IfPossible', subPath: 'x' },
        { name: 'tmp', mountPath: '/tmp', mountPropagation: 'None', subPathExpr: '$(POD)' },
      ],
      volumeDevices: [{ name: 'raw', devicePath: '/dev/xvda' }],
      livenessProbe: {
        httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: '1' }] },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        failureThreshold: 3,
        terminationGracePeriodSeconds: 0,
      },
      readinessProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 2 },
      startupProbe: { exec: { command: ['cat', '/ready'] }, successThreshold: 1 },
      lifecycle: {
        preStop: { sleep: { seconds: 5 } },
        postStart: { httpGet: { port: 8080, host: 'localhost' } },
        stopSignal: 'SIGTERM',
      },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'FallbackToLogsOnError',
      imagePullPolicy: 'IfNotPresent',
      securityContext: {
        capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
        privileged: false,
        runAsUser: 0,
        runAsGroup: 1000,
        runAsNonRoot: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        seccompProfile: { type: 'RuntimeDefault' },
        appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' },
        seLinuxOptions: { level: 's0:c1,c2' },
        procMount: 'Default',
        windowsOptions: { runAsUserName: 'ContainerUser', hostProcess: false },
      },
      stdin: true,
      tty: true,
    },
  ],
  ephemeralContainers: [{ name: 'debug', image: 'busybox', stdin: true, targetContainerName: 'app' }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  activeDeadlineSeconds: 600,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'web',
  automountServiceAccountToken: false,
  nodeName: 'edge-1',
  hostNetwork: true,
  securityContext: {
    runAsUser: 1000,
    fsGroup: 2000,
    supplementalGroups: [3000, 4000],
    sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    fsGroupChangePolicy: 'OnRootMismatch',
  },
  imagePullSecrets: [{ name: 'regcred' }],
  hostname: 'web-0',
  subdomain: 'web',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 1,
          preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['x'] }] },
        },
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            labelSelector: { matchLabels: { app: 'web' } },
            topologyKey: 'kubernetes.io/hostname',
            namespaces: ['prod'],
            matchLabelKeys: ['pod-template-hash'],
          },
        },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'edge', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 },
    { operator: 'Exists' },
  ],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }],
  priorityClassName: 'high',
  priority: 0,
  dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc'], options: [{ name: 'ndots', value: '2' }] },
  readinessGates: [{ conditionType: 'example.com/ready' }],
  runtimeClassName: 'gvisor',
  enableServiceLinks: false,
  preemptionPolicy: 'Never',
  overhead: { cpu: '10m' },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'web' } },
    },
  ],
  setHostnameAsFQDN: false,
  os: { name: 'linux' },
  hostUsers: false,
  schedulingGates: [{ name: 'wait' }],
  resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }],
};

const objects: KubeObject[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      minReadySeconds: 5,
      revisionHistoryLimit: 0,
      paused: true,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 1,
      availableReplicas: 1,
      unavailableReplicas: 1,
      collisionCount: 0,
      terminatingReplicas: 0,
      conditions: [
        {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'not yet',
          lastUpdateTime: '2024-01-02T03:04:05Z',
          lastTransitionTime: '2024-01-02T03:04:06Z',
        },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: podSpec,
    status: { phase: 'Running', podIPs: [{ ip: '10.1.0.4' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc' },
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080 },
      ],
      selector: { app: 'web' },
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      type: 'LoadBalancer',
      externalIPs: ['192.0.2.1'],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      loadBalancerIP: '192.0.2.2',
      loadBalancerSourceRanges: ['0.0.0.0/0'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
      publishNotReadyAddresses: true,
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      allocateLoadBalancerNodePorts: false,
      loadBalancerClass: 'example.com/lb',
      internalTrafficPolicy: 'Cluster',
      trafficDistribution: 'PreferClose',
    },
    status: {
      loadBalancer: {
        ingress: [{ ip: '192.0.2.2', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP', error: 'x' }] }],
      },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          observedGeneration: 1,
          lastTransitionTime: '2024-01-02T03:04:05Z',
          reason: 'Ok',
          message: '',
        },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'ns' },
    spec: { finalizers: ['kubernetes'] },
    status: {
      phase: 'Terminating',
      conditions: [{ type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'Ok' }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    type: 'Opaque',
    data: { k: 'AAEC' },
    stringData: { p: 'x' },
    immutable: false,
  },
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'sa' },
    secrets: [
      {
        name: 'tok',
        namespace: 'prod',
        kind: 'Secret',
        apiVersion: 'v1',
        uid: 'u',
        resourceVersion: '1',
        fieldPath: 'x',
      },
    ],
    imagePullSecrets: [{ name: 'regcred' }],
    automountServiceAccountToken: false,
  },
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q' },
    spec: {
      hard: { pods: '10' },
      scopes: ['NotBestEffort'],
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
    },
    status: { hard: { pods: '10' }, used: { pods: '0' } },
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'pdb' },
    spec: {
      maxUnavailable: 0,
      selector: { matchLabels: { app: 'web' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
    status: {
      observedGeneration: 2,
      disruptedPods: { 'web-1': '2024-01-02T03:04:05Z' },
      disruptionsAllowed: 1,
      currentHealthy: 2,
      desiredHealthy: 1,
      expectedPods: 2,
    },
  },
  {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'web-1', namespace: 'prod' },
    deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'DeleteOptions',
    gracePeriodSeconds: 0,
    preconditions: { uid: 'u1', resourceVersion: '' },
    orphanDependents: false,
    propagationPolicy: 'Foreground',
    dryRun: ['All'],
    ignoreStoreReadErrorWithClusterBreakingPotential: false,
  } as unknown as KubeObject,
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'pc' },
    value: -5,
    globalDefault: true,
    description: 'low',
    preemptionPolicy: 'Never',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'agg' },
    rules: [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'], nonResourceURLs: ['/x'] },
    ],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'true' } }] },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'rb', namespace: 'prod' },
    subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'prod' }],
    roleRef: { apiGroup: '', kind: 'Role', name: 'r' },
  },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: {
      resourceAttributes: {
        namespace: 'prod',
        verb: 'list',
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        subresource: 'scale',
        name: 'web',
        fieldSelector: {
          rawSelector: 'spec.nodeName=a',
          requirements: [{ key: 'spec.nodeName', operator: 'In', values: ['a'] }],
        },
        labelSelector: { requirements: [{ key: 'app', operator: 'Exists' }] },
      },
    },
    status: { allowed: false, denied: true, reason: 'RBAC', evaluationError: 'none' },
  },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      nonResourceAttributes: { path: '/healthz', verb: 'get' },
      user: 'alice',
      groups: ['devs'],
      extra: { scopes: ['a', 'b'], empty: [] },
      uid: '1',
    },
    status: { allowed: false },
  },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: { namespace: 'prod' },
    status: {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: ['x'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
      incomplete: true,
      evaluationError: 'partial',
    },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: 'default', namespace: 'prod' },
    spec: {
      audiences: ['https://kubernetes.default.svc'],
      expirationSeconds: 0,
      boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: 'u' },
    },
    status: { token: 'abc.def.ghi', expirationTimestamp: '2030-01-01T00:00:00Z' },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    metadata: {},
    spec: { token: 't', audiences: ['a'] },
    status: {
      authenticated: true,
      user: { username: 'u', uid: '1', groups: ['g'] },
      audiences: ['a'],
      error: 'e',
    },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: {},
    status: {
      userInfo: { username: 'alice', uid: '42', groups: ['system:authenticated'], extra: { scopes: ['x'] } },
    },
  },
];

describe('encode then decode', () => {
  for (const obj of objects) {
    it(`${obj.apiVersion} ${obj.kind} comes back unchanged`, () => {
      assert.deepStrictEqual(decodeProtobufObject(encodeProtobufObject(obj)), { ...obj });
    });
  }

  it('keeps sub-second precision for MicroTime and drops it for Time, as JSON does', async () => {
    const { formatMicroTime, parseTimestamp } = await import('./time.js');
    const { seconds, nanos } = parseTimestamp('2024-01-02T03:04:05.123456789Z');
    assert.equal(formatMicroTime(seconds, nanos), '2024-01-02T03:04:05.123456Z');
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { creationTimestamp: '2024-01-02T03:04:05.9Z' },
    };
    assert.equal(
      decodeProtobufObject(encodeProtobufObject(obj)).metadata.creationTimestamp,
      '2024-01-02T03:04:05Z',
    );
  });

  it('refuses to encode a property the tables do not know', () => {
    assert.throws(
      () => encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, dat: {} }),
      /no protobuf field for dat/,
    );
  });
});
