/**
 * The example apps `minato up --sim N` deploys on the simulated fleet, from the modules the build
 * makes in examples/ (referenced by file path, which the agent resolves on the device):
 * - DaemonSet `telemetry` on every vehicle: the telemetry WASI service, one line every 5 s into a
 *   volume; a fleet workload, so it stays on a vehicle that drives out of range;
 * - Deployment `hello`: the hello-http WAGI handler on port 8080, two replicas on vehicles; relocatable,
 *   so 10 s after its vehicle drives out of range its pod is started on another vehicle.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../api/types.js';
import { type HubConnection, hubRequest } from '../cli/hub-api.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

export function exampleModule(name: string): string {
  const path = `${EXAMPLES}${name}/build/${name}.wasm`;
  if (!existsSync(path))
    throw new Error(
      `the example module ${path} is missing: build it with "npm run build" (or npm run build:examples)`,
    );
  return path;
}

const DEVICE_NAME_ENV = { name: 'DEVICE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } };

export function demoApps(namespace = 'default'): KubeObject[] {
  const telemetry: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'telemetry', namespace, labels: { app: 'telemetry' } },
    spec: {
      selector: { matchLabels: { app: 'telemetry' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'telemetry' } },
        spec: {
          nodeSelector: { 'minato.dev/device-class': 'vehicle' },
          containers: [
            {
              name: 'telemetry',
              image: exampleModule('telemetry'),
              env: [{ name: 'INTERVAL_MS', value: '5000' }, DEVICE_NAME_ENV],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              resources: { limits: { memory: '16Mi' } },
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
  const hello: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', namespace, labels: { app: 'hello' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'hello' } },
      template: {
        metadata: { labels: { app: 'hello' }, annotations: { 'minato.dev/runtime': 'wagi' } },
        spec: {
          nodeSelector: { 'minato.dev/device-class': 'vehicle' },
          tolerations: [
            {
              key: 'node.kubernetes.io/unreachable',
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: 10,
            },
          ],
          containers: [
            {
              name: 'hello',
              image: exampleModule('hello-http'),
              ports: [{ containerPort: 8080, hostPort: 8080 }],
              env: [DEVICE_NAME_ENV],
            },
          ],
        },
      },
    },
  };
  return [telemetry, hello];
}

const PATHS: Record<string, string> = { DaemonSet: 'daemonsets', Deployment: 'deployments' };

/** Server-side apply of each object as the administrator (created, or brought back to this shape). */
export async function applyDemoApps(admin: HubConnection, namespace = 'default'): Promise<string[]> {
  const applied: string[] = [];
  for (const obj of demoApps(namespace)) {
    const plural = PATHS[obj.kind]!;
    await hubRequest(
      admin,
      'PATCH',
      `/apis/apps/v1/namespaces/${namespace}/${plural}/${obj.metadata.name}?fieldManager=minato-up&force=true`,
      obj,
      'application/apply-patch+yaml',
    );
    applied.push(`${obj.kind.toLowerCase()}/${obj.metadata.name}`);
  }
  return applied;
}
