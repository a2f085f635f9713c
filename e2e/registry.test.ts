/**
 * Modules pulled from the hub, with real processes: `minato push` stores an example module in the
 * hub's registry (OCI distribution API under /v2/); plain HTTPS pulls it with the admin certificate;
 * a view-only user may pull but not push (403 in the OCI error format), an anonymous caller gets
 * 401; a real agent runs pods whose images are the pushed module (by digest and by tag), is held to
 * node restriction, and runs them again from its cache after a restart with the hub down.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/types.js';
import type { KubeClient } from '../src/client/index.js';
import {
  type AgentProcess,
  adminClient,
  agentArgs,
  eventually,
  type JoinInfo,
  joinInfo,
  startAgent,
  startHub,
} from './agent-harness.test.js';
import { CLI_PATH, type HubProcess, makeTempDir, removeDir } from './support/hub-process.js';

const TELEMETRY = fileURLToPath(new URL('../../examples/telemetry/build/telemetry.wasm', import.meta.url));
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const NODE = 'rover-1';

let root: string;
let hub: HubProcess;
let api: KubeClient;
let join_: JoinInfo;
let agent: AgentProcess | undefined;
let admin: { ca: string; cert: string; key: string };
/** What `minato push` printed for the telemetry module. */
let pushed: { reference: string; image: string; digest: string };

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS request to the hub with whatever credentials are given (none: anonymous). */
function https(
  method: string,
  path: string,
  creds: { cert?: string; key?: string; token?: string } = {},
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, hub.url),
      {
        method,
        ca: admin.ca,
        cert: creds.cert,
        key: creds.key,
        headers: {
          ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}),
          ...(body ? { 'Content-Length': String(body.length), 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function ociError(reply: Reply): { code: string; message: string } {
  assert.match(String(reply.headers['content-type']), /application\/json/);
  const parsed = JSON.parse(reply.body.toString()) as { errors: { code: string; message: string }[] };
  assert.equal(parsed.errors.length, 1, reply.body.toString());
  return parsed.errors[0]!;
}

function minato(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function push(file: string, target: string, extra: string[] = []) {
  const r = await minato(['push', file, target, '--data-dir', hub.dataDir, ...extra]);
  assert.equal(r.code, 0, `minato push failed:\n${r.stdout}\n${r.stderr}`);
  const reference = /^reference: (\S+)$/m.exec(r.stdout)?.[1];
  const image = /^image: +(\S+)$/m.exec(r.stdout)?.[1];
  assert.ok(reference && image, r.stdout);
  return { reference, image, digest: reference.split('@')[1]!, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  if (!existsSync(TELEMETRY)) throw new Error(`${TELEMETRY} is missing: run: npm run build:examples`);
  root = makeTempDir('registry');
  hub = await startHub({ dataDir: join(root, 'hub') });
  api = adminClient(hub);
  join_ = await joinInfo(hub);
  const kubeconfig = readFileSync(hub.kubeconfig, 'utf8');
  const field = (name: string) =>
    Buffer.from(new RegExp(`${name}: (\\S+)`).exec(kubeconfig)![1]!, 'base64').toString('utf8');
  admin = {
    ca: field('certificate-authority-data'),
    cert: field('client-certificate-data'),
    key: field('client-key-data'),
  };
});

after(async () => {
  await agent?.stop();
  api?.close();
  await hub?.stop();
  removeDir(root);
});

test('minato push stores the module, its config and the manifest; prints the pinned reference and image', async () => {
  const r = await push(TELEMETRY, 'demo/telemetry:v1');
  pushed = r;
  assert.match(r.reference, /^demo\/telemetry@sha256:[0-9a-f]{64}$/);
  assert.equal(r.image, `hub/${r.reference}`);
  assert.match(r.stdout, /or hub\/demo\/telemetry:v1 to follow the tag/);
  // The same module again: the blob is not sent twice and the manifest digest is the same.
  const again = await push(TELEMETRY, 'demo/telemetry:v1');
  assert.equal(again.digest, r.digest);
  assert.match(again.stdout, /already on the hub/);

  // Big modules show progress in bytes sent.
  const big = join(root, 'big.wasm');
  writeFileSync(big, Buffer.concat([Buffer.from('\0asm\x01\0\0\0'), randomBytes(3 * 1024 * 1024)]));
  const pushedBig = await push(big, 'demo/big:v1');
  assert.match(pushedBig.stderr, /uploading module: 0\.\d \/ 3\.0 MiB/);
  assert.match(pushedBig.stderr, /3\.0 \/ 3\.0 MiB \(100%\)/);

  // Mistakes are named with the fix.
  const notWasm = await minato(['push', hub.kubeconfig, 'demo/x:v1', '--data-dir', hub.dataDir]);
  assert.equal(notWasm.code, 2);
  assert.match(notWasm.stderr, /not a WebAssembly module/);
  const badName = await minato(['push', TELEMETRY, 'Demo/X:v1', '--data-dir', hub.dataDir]);
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /invalid repository name "Demo\/X"/);
});

test('plain HTTPS with the admin certificate pulls the manifest and the module (a Wasm OCI artifact)', async () => {
  const creds = { cert: admin.cert, key: admin.key };
  const base = await https('GET', '/v2/', creds);
  assert.equal(base.status, 200);
  assert.equal(base.headers['docker-distribution-api-version'], 'registry/2.0');

  const m = await https('GET', '/v2/demo/telemetry/manifests/v1', creds);
  assert.equal(m.status, 200);
  assert.equal(m.headers['content-type'], OCI_MANIFEST);
  assert.equal(m.headers['docker-content-digest'], pushed.digest);
  assert.equal(sha(m.body), pushed.digest);
  const manifest = JSON.parse(m.body.toString());
  assert.equal(manifest.schemaVersion, 2);
  assert.equal(manifest.mediaType, OCI_MANIFEST);
  assert.equal(manifest.config.mediaType, 'application/vnd.wasm.config.v0+json');
  assert.equal(manifest.layers.length, 1);
  assert.equal(manifest.layers[0].mediaType, 'application/wasm');
  const module = readFileSync(TELEMETRY);
  assert.equal(manifest.layers[0].digest, sha(module));
  assert.equal(manifest.layers[0].size, module.length);

  const layer = await https('GET', `/v2/demo/telemetry/blobs/${manifest.layers[0].digest}`, creds);
  assert.equal(layer.status, 200);
  assert.deepEqual(layer.body, module);
  const config = await https('GET', `/v2/demo/telemetry/blobs/${manifest.config.digest}`, creds);
  assert.deepEqual(JSON.parse(config.body.toString()), {
    architecture: 'wasm',
    os: 'wasip1',
    layerDigests: [sha(module)],
  });
  const byDigest = await https('HEAD', `/v2/demo/telemetry/manifests/${pushed.digest}`, creds);
  assert.equal(byDigest.status, 200);
  const tags = await https('GET', '/v2/demo/telemetry/tags/list', creds);
  assert.deepEqual(JSON.parse(tags.body.toString()), { name: 'demo/telemetry', tags: ['v1'] });
  const unknown = await https('GET', `/v2/demo/telemetry/blobs/sha256:${'0'.repeat(64)}`, creds);
  assert.equal(unknown.status, 404);
  assert.equal(ociError(unknown).code, 'BLOB_UNKNOWN');
});

test('a view user (bearer token) may pull but not push: 403 DENIED; anonymous callers get 401', async () => {
  await api.create('/api/v1/namespaces/default/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'module-viewer' },
  });
  await api.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'module-viewer-view' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'module-viewer', namespace: 'default' }],
  });
  const tokenRequest = await api.create<KubeObject>(
    '/api/v1/namespaces/default/serviceaccounts/module-viewer/token',
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  );
  const token = tokenRequest.status.token as string;

  const pull = await https('GET', '/v2/demo/telemetry/manifests/v1', { token });
  assert.equal(pull.status, 200);
  assert.equal(sha(pull.body), pushed.digest);
  const push = await https('POST', '/v2/demo/telemetry/blobs/uploads/', { token });
  assert.equal(push.status, 403);
  const denied = ociError(push);
  assert.equal(denied.code, 'DENIED');
  assert.match(denied.message, /system:serviceaccount:default:module-viewer" cannot create \(push\)/);
  const manifestPush = await https('PUT', '/v2/demo/telemetry/manifests/v2', { token }, pull.body);
  assert.equal(manifestPush.status, 403);
  assert.equal(ociError(manifestPush).code, 'DENIED');

  // minato push as that user fails with the registry's message.
  const kubeconfig = join(root, 'viewer.kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: hub, cluster: {server: "${hub.url}", certificate-authority-data: ${Buffer.from(admin.ca).toString('base64')}}}]`,
      `users: [{name: viewer, user: {token: "${token}"}}]`,
      'contexts: [{name: viewer, context: {cluster: hub, user: viewer}}]',
      'current-context: viewer',
    ].join('\n'),
  );
  const refused = await minato(['push', TELEMETRY, 'demo/telemetry:v2', '--kubeconfig', kubeconfig]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /cannot create \(push\) resource "modules" in API group "registry\.minato\.dev"/,
  );

  // Access reviews answer from the same rules (kubectl auth can-i get modules.registry.minato.dev).
  for (const [verb, allowed] of [
    ['get', true],
    ['create', false],
  ] as const) {
    const review = await https(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      { token },
      Buffer.from(
        JSON.stringify({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              group: 'registry.minato.dev',
              resource: 'modules',
              verb,
              name: 'demo/telemetry',
            },
          },
        }),
      ),
    );
    assert.equal(review.status, 201, review.body.toString());
    assert.equal(JSON.parse(review.body.toString()).status.allowed, allowed, verb);
  }

  for (const path of [
    '/v2/',
    '/v2/demo/telemetry/manifests/v1',
    `/v2/demo/telemetry/blobs/${pushed.digest}`,
  ]) {
    const anonymous = await https('GET', path);
    assert.equal(anonymous.status, 401, path);
    assert.equal(ociError(anonymous).code, 'UNAUTHORIZED');
  }
  const badToken = await https('GET', '/v2/demo/telemetry/manifests/v1', {
    token: 'abcdef.0123456789abcdef',
  });
  assert.equal(badToken.status, 401);
  assert.equal(ociError(badToken).code, 'UNAUTHORIZED');
});

function telemetryPod(name: string, image: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'main',
          image,
          env: [
            { name: 'INTERVAL_MS', value: '200' },
            { name: 'DEVICE_NAME', value: name },
          ],
        },
      ],
    },
  };
}

const runningPods = async (a: AgentProcess) => {
  const s = await a.status();
  return s.pods.filter((p: { containers: { state: string }[] }) => p.containers[0]?.state === 'running');
};

test('an agent runs pods whose images are the pushed module (by digest and by tag), pulled with its own certificate', async () => {
  agent = await startAgent(agentArgs(join_, NODE, join(root, NODE)));
  await agent.waitFor(/link: connected to/);
  await api.create('/api/v1/namespaces/default/pods', telemetryPod('pinned', pushed.image));
  await api.create('/api/v1/namespaces/default/pods', telemetryPod('tagged', 'hub/demo/telemetry:v1'));
  for (const name of ['pinned', 'tagged']) {
    const cs = await eventually(async () => {
      const pod = await api.get<KubeObject>(`/api/v1/namespaces/default/pods/${name}`);
      const status = pod.status?.containerStatuses?.[0];
      return status?.ready ? status : undefined;
    }, `pod ${name} running`);
    assert.equal(cs.imageID, `hub/demo/telemetry@${pushed.digest}`);
  }
  const logs = await eventually(async () => {
    const text = await (await fetch(`${agent!.localApi}/logs/default/pinned/main?tailLines=1`)).text();
    return text || undefined;
  }, 'a telemetry line');
  assert.match(logs, /"device":"pinned"/);
  const cached = join(root, NODE, 'modules', 'sha256', sha(readFileSync(TELEMETRY)).slice(7));
  assert.deepEqual(readFileSync(cached), readFileSync(TELEMETRY));

  // Node restriction: the device may pull what its pods run, nothing else, and may never push.
  const pki = join(root, NODE, 'pki');
  const device = {
    cert: readFileSync(join(pki, 'node.crt'), 'utf8'),
    key: readFileSync(join(pki, 'node.key'), 'utf8'),
  };
  assert.equal((await https('GET', '/v2/demo/telemetry/manifests/v1', device)).status, 200);
  const other = await https('GET', '/v2/demo/big/manifests/v1', device);
  assert.equal(other.status, 403);
  assert.equal(ociError(other).code, 'DENIED');
  const devicePush = await https('POST', '/v2/demo/telemetry/blobs/uploads/', device);
  assert.equal(devicePush.status, 403);
});

test('restarted with the hub down, the agent runs both pods again from its cache', async () => {
  await agent!.stop();
  await hub.stop();
  agent = await startAgent(agentArgs(join_, NODE, join(root, NODE)));
  await agent.waitFor(/pods: resuming 2 pod\(s\) from local state/);
  await eventually(async () => (await runningPods(agent!)).length === 2, 'both pods running offline', 20_000);
  const status = await agent.status();
  assert.equal(status.connected, false);
  assert.match(agent.output(), /using hub\/demo\/telemetry:v1 as last resolved, sha256:[0-9a-f]{64}/);
  assert.doesNotMatch(agent.output(), /ErrImagePull|ImagePullBackOff/);
  const logs = await eventually(async () => {
    const text = await (await fetch(`${agent!.localApi}/logs/default/tagged/main?tailLines=1`)).text();
    return /"device":"tagged"/.test(text) ? text : undefined;
  }, 'a telemetry line from the restarted, tag-resolved pod');
  assert.match(logs, /"seq":\d+/);
});
