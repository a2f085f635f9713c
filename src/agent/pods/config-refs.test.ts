import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/types.js';
import {
  ConfigError,
  type ConfigLookup,
  expandVariables,
  type ObjectRef,
  referencedObjects,
  refKey,
  resolveEnv,
  volumeFiles,
} from './config-refs.js';

const facts = { nodeName: 'dev1', hostIP: '10.0.0.5', podIP: '10.0.0.5' };
const objects = new Map<string, KubeObject>([
  [
    'configmaps/default/cfg',
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg' },
      data: { mode: 'fast', 'app.yaml': 'a: 1' },
    },
  ],
  [
    'secrets/default/creds',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { password: Buffer.from('s3cret').toString('base64') },
    },
  ],
]);
const lookup: ConfigLookup = (ref: ObjectRef) => objects.get(refKey(ref));

const pod = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', labels: { app: 'x' } },
  spec,
});

test('every ConfigMap and Secret a pod refers to is found once', () => {
  const p = pod({
    containers: [
      {
        name: 'a',
        env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } }],
        envFrom: [{ secretRef: { name: 'creds' } }, { configMapRef: { name: 'cfg' } }],
      },
    ],
    initContainers: [
      { name: 'i', env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] },
    ],
    volumes: [
      { name: 'v1', configMap: { name: 'vol-cm' } },
      { name: 'v2', secret: { secretName: 'vol-secret' } },
      { name: 'v3', projected: { sources: [{ configMap: { name: 'proj' } }] } },
      { name: 'v4', emptyDir: {} },
    ],
  });
  assert.deepEqual(referencedObjects(p).map(refKey).sort(), [
    'configmaps/default/cfg',
    'configmaps/default/proj',
    'configmaps/default/vol-cm',
    'secrets/default/creds',
    'secrets/default/other',
    'secrets/default/vol-secret',
  ]);
});

test('env: values, refs, envFrom with prefix, field refs and $(VAR) expansion', () => {
  const p = pod({ containers: [] });
  const env = resolveEnv(
    p,
    {
      envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }],
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'URL', value: 'http://$(IP):80/$(MODE)/$(UNKNOWN)/$$(MODE)' },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
      ],
    },
    lookup,
    facts,
  );
  assert.deepEqual(env, {
    CFG_mode: 'fast',
    'CFG_app.yaml': 'a: 1',
    MODE: 'fast',
    PASSWORD: 's3cret',
    NODE: 'dev1',
    IP: '10.0.0.5',
    APP: 'x',
    URL: 'http://10.0.0.5:80/fast/$(UNKNOWN)/$(MODE)',
  });
});

test('a missing required reference is a ConfigError with the kubelet message', () => {
  const p = pod({ containers: [] });
  assert.throws(
    () =>
      resolveEnv(
        p,
        { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k' } } }] },
        lookup,
        facts,
      ),
    (err: unknown) => err instanceof ConfigError && err.message === 'configmap "missing" not found',
  );
  assert.throws(
    () =>
      resolveEnv(
        p,
        { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'nokey' } } }] },
        lookup,
        facts,
      ),
    /couldn't find key nokey in secret "creds"/,
  );
  assert.throws(
    () => resolveEnv(p, { envFrom: [{ secretRef: { name: 'gone' } }] }, lookup, facts),
    /secret "gone" not found/,
  );
});

test('volume files: all keys, selected items, secrets decoded, no path escapes', () => {
  const p = pod({ containers: [] });
  const all = volumeFiles(p, { name: 'v', configMap: { name: 'cfg' } }, lookup, facts)!;
  assert.deepEqual(all.map((f) => [f.path, f.content.toString()]).sort(), [
    ['app.yaml', 'a: 1'],
    ['mode', 'fast'],
  ]);
  const items = volumeFiles(
    p,
    {
      name: 'v',
      secret: { secretName: 'creds', items: [{ key: 'password', path: 'db/pass' }], defaultMode: 0o400 },
    },
    lookup,
    facts,
  )!;
  assert.deepEqual(
    items.map((f) => [f.path, f.content.toString(), f.mode]),
    [['db/pass', 's3cret', 0o400]],
  );
  const escaping = volumeFiles(
    p,
    { name: 'v', configMap: { name: 'cfg', items: [{ key: 'mode', path: '../x' }] } },
    lookup,
    facts,
  )!;
  assert.deepEqual(escaping, []);
  assert.equal(volumeFiles(p, { name: 'v', emptyDir: {} }, lookup, facts), undefined);
  assert.deepEqual(
    volumeFiles(p, { name: 'v', configMap: { name: 'absent', optional: true } }, lookup, facts),
    [],
  );
  assert.throws(
    () => volumeFiles(p, { name: 'v', configMap: { name: 'absent' } }, lookup, facts),
    /configmap "absent" not found/,
  );
  const down = volumeFiles(
    p,
    { name: 'v', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
    lookup,
    facts,
  )!;
  assert.equal(down[0]!.content.toString(), 'p');
});

test('expandVariables follows Kubernetes rules', () => {
  assert.equal(expandVariables('$(A)-$(B)-$$(A)-$(C', { A: '1', B: '2' }), '1-2-$(A)-$(C');
});
