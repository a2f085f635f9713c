import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createCertificateRequest,
  issueClientCertificate,
  loadCertificateAuthority,
} from '../../pki/index.js';
import { type RunningHub, startHub } from '../hub.js';

interface Caller {
  cert?: string;
  key?: string;
  token?: string;
}

let hub: RunningHub;
let dir: string;
let ca: string;
const callers: Record<string, Caller> = {};

function call(
  who: Caller,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, hub.url),
      {
        method,
        ca,
        cert: who.cert,
        key: who.key,
        headers: {
          ...(who.token ? { Authorization: `Bearer ${who.token}` } : {}),
          ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectStatus(
  who: string,
  method: string,
  path: string,
  status: number,
  body?: unknown,
  contentType?: string,
) {
  const r = await call(callers[who]!, method, path, body, contentType);
  assert.equal(r.status, status, `${who} ${method} ${path}: ${r.body.slice(0, 300)}`);
  return r;
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
const pod = (name: string, node: string, secret: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    nodeName: node,
    containers: [
      {
        name: 'c',
        image: 'x.wasm',
        env: [{ name: 'K', valueFrom: { secretKeyRef: { name: secret, key: 'k' } } }],
      },
    ],
  },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'minato-authz-'));
  hub = await startHub({ dataDir: dir, port: 0, host: '127.0.0.1' });
  const pki = join(dir, 'pki');
  ca = readFileSync(join(pki, 'ca.crt'), 'utf8');
  const authority = await loadCertificateAuthority(ca, readFileSync(join(pki, 'ca.key'), 'utf8'));
  const issue = async (commonName: string, organizations: string[] = []) => {
    const c = await issueClientCertificate(authority, { commonName, organizations });
    return { cert: c.certPem, key: c.keyPem };
  };
  callers.admin = {
    cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(pki, 'admin.key'), 'utf8'),
  };
  callers.jane = await issue('jane');
  callers.nodeA = await issue('system:node:device-a', ['system:nodes']);
  callers.nodeB = await issue('system:node:device-b', ['system:nodes']);
  callers.anonymous = {};

  await expectStatus('admin', 'POST', '/api/v1/namespaces', 201, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team' },
  });
  await expectStatus(
    'admin',
    'POST',
    '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings',
    201,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'jane-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }],
    },
  );
  for (const node of ['device-a', 'device-b']) {
    await expectStatus('admin', 'POST', '/api/v1/nodes', 201, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node },
    });
    await expectStatus('admin', 'POST', '/api/v1/namespaces/default/secrets', 201, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `secret-of-${node}` },
      stringData: { k: node },
    });
    await expectStatus(
      'admin',
      'POST',
      '/api/v1/namespaces/default/pods',
      201,
      pod(`pod-on-${node}`, node, `secret-of-${node}`),
    );
  }
  const token = (
    await call(callers.admin!, 'POST', '/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-abcdef' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': 'abcdef',
        'token-secret': '0123456789abcdef',
        'usage-bootstrap-authentication': 'true',
      },
    })
  ).status;
  assert.equal(token, 201);
  callers.bootstrap = { token: 'abcdef.0123456789abcdef' };
});

after(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a view-only user', () => {
  test('reads workloads in the namespace it may view', async () => {
    await expectStatus('jane', 'GET', '/api/v1/namespaces/team/pods', 200);
    await expectStatus('jane', 'GET', '/apis/apps/v1/namespaces/team/deployments', 200);
  });
  test('cannot write, read secrets, or look elsewhere', async () => {
    const denied = await expectStatus('jane', 'POST', '/api/v1/namespaces/team/configmaps', 403, cm('nope'));
    assert.match(
      denied.body,
      /User \\"jane\\" cannot create resource \\"configmaps\\" in API group \\"\\" in the namespace \\"team\\"/,
    );
    await expectStatus('jane', 'GET', '/api/v1/namespaces/team/secrets', 403);
    await expectStatus('jane', 'GET', '/api/v1/namespaces/default/pods', 403);
    await expectStatus('jane', 'GET', '/api/v1/nodes', 403);
  });
  test('kubectl auth can-i tells the truth', async () => {
    const review = (verb: string, resource: string, namespace: string) =>
      call(callers.jane!, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, resource, namespace } },
      });
    assert.equal(JSON.parse((await review('list', 'pods', 'team')).body).status.allowed, true);
    assert.equal(JSON.parse((await review('delete', 'pods', 'team')).body).status.allowed, false);
  });
});

describe('a device (node restriction)', () => {
  test('reaches its own Node, not another', async () => {
    await expectStatus('nodeA', 'GET', '/api/v1/nodes/device-a', 200);
    await expectStatus(
      'nodeA',
      'PATCH',
      '/api/v1/nodes/device-a/status',
      200,
      { status: { phase: 'Running' } },
      'application/merge-patch+json',
    );
    await expectStatus(
      'nodeA',
      'PATCH',
      '/api/v1/nodes/device-b',
      403,
      { metadata: { labels: { hacked: 'yes' } } },
      'application/merge-patch+json',
    );
    await expectStatus('nodeA', 'DELETE', '/api/v1/nodes/device-b', 403);
  });
  test('renews only its own lease', async () => {
    const lease = (name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: { holderIdentity: name },
    });
    await expectStatus(
      'nodeA',
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      201,
      lease('device-a'),
    );
    await expectStatus(
      'nodeA',
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      403,
      lease('device-b'),
    );
  });
  test('sees and updates only the pods bound to it', async () => {
    await expectStatus('nodeA', 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Ddevice-a', 200);
    await expectStatus('nodeA', 'GET', '/api/v1/pods', 403);
    await expectStatus('nodeA', 'GET', '/api/v1/namespaces/default/pods/pod-on-device-b', 403);
    await expectStatus(
      'nodeA',
      'PATCH',
      '/api/v1/namespaces/default/pods/pod-on-device-a/status',
      200,
      { status: { phase: 'Running' } },
      'application/merge-patch+json',
    );
    await expectStatus(
      'nodeA',
      'PATCH',
      '/api/v1/namespaces/default/pods/pod-on-device-b/status',
      403,
      { status: { phase: 'Failed' } },
      'application/merge-patch+json',
    );
  });
  test("reads its pods' secrets and never another device's", async () => {
    await expectStatus('nodeA', 'GET', '/api/v1/namespaces/default/secrets/secret-of-device-a', 200);
    await expectStatus('nodeA', 'GET', '/api/v1/namespaces/default/secrets/secret-of-device-b', 403);
    await expectStatus('nodeA', 'GET', '/api/v1/namespaces/default/secrets', 403);
    await expectStatus('nodeB', 'GET', '/api/v1/namespaces/default/secrets/secret-of-device-b', 200);
  });
  test('cannot schedule pods', async () => {
    await expectStatus(
      'nodeA',
      'POST',
      '/api/v1/namespaces/default/pods',
      403,
      pod('sneaky', 'device-b', 'secret-of-device-b'),
    );
  });
});

describe('a bootstrap token', () => {
  test('may ask for a certificate and nothing else', async () => {
    const csr = await createCertificateRequest({
      commonName: 'system:node:device-c',
      organizations: ['system:nodes'],
    });
    await expectStatus('bootstrap', 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', 201, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'node-csr-' },
      spec: {
        request: Buffer.from(csr.csrPem).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'],
      },
    });
    await expectStatus('bootstrap', 'GET', '/api/v1/namespaces', 403);
    await expectStatus('bootstrap', 'GET', '/api/v1/namespaces/kube-system/secrets', 403);
  });
  test('a wrong token is a 401 that says how to get a good one', async () => {
    const r = await call({ token: 'abcdef.ffffffffffffffff' }, 'GET', '/api/v1/namespaces');
    assert.equal(r.status, 401);
    assert.match(r.body, /minato token create/);
  });
});

describe('the audit log', () => {
  test('says who did what, with secret values and tokens redacted', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const lines = readFileSync(join(dir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const secretCreate = lines.find(
      (e) =>
        e.verb === 'create' && e.objectRef?.resource === 'secrets' && e.objectRef?.namespace === 'default',
    );
    assert.ok(secretCreate, 'the secret creation is audited');
    assert.equal(secretCreate.user.username, 'minato-admin');
    assert.deepEqual(secretCreate.requestObject.stringData, { k: '<redacted>' });
    assert.ok(
      !readFileSync(join(dir, 'audit.log'), 'utf8').includes('0123456789abcdef'),
      'no bootstrap token secret in the log',
    );
    const denied = lines.find(
      (e) => e.user.username === 'jane' && e.verb === 'create' && e.responseStatus.code === 403,
    );
    assert.ok(denied, "jane's refused create is audited with its 403");
    const wrongToken = lines.find(
      (e) => e.responseStatus.code === 401 && e.user.username === 'system:anonymous',
    );
    assert.ok(wrongToken, 'failed authentication is audited');
  });
});

describe('expired bootstrap tokens', () => {
  test('are refused with a clear message, then cleaned up', async () => {
    const expiring = await call(callers.admin!, 'POST', '/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-old123' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': 'old123',
        'token-secret': 'aaaaaaaaaaaaaaaa',
        'usage-bootstrap-authentication': 'true',
        expiration: new Date(Date.now() + 1500).toISOString(),
      },
    });
    assert.equal(expiring.status, 201, expiring.body);
    await new Promise((r) => setTimeout(r, 1600));
    const refused = await call({ token: 'old123.aaaaaaaaaaaaaaaa' }, 'GET', '/api/v1/namespaces');
    assert.ok(refused.status === 401, refused.body);
    assert.match(refused.body, /expired|does not exist/);
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status !== 404 && Date.now() < deadline) {
      status = (
        await call(callers.admin!, 'GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-old123')
      ).status;
      if (status !== 404) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 404, 'the expired token secret is deleted');
  });
});

describe('an anonymous caller', () => {
  test('sees health and version only', async () => {
    await expectStatus('anonymous', 'GET', '/version', 200);
    await expectStatus('anonymous', 'GET', '/readyz', 200);
    await expectStatus('anonymous', 'GET', '/api', 401);
    await expectStatus('anonymous', 'GET', '/api/v1/namespaces/default/secrets', 401);
  });
});
