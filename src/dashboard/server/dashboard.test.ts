/**
 * The dashboard as the hub serves it: static files before sign-in (and nothing else), the plugin list
 * and ConfigMap plugins for signed-in users only, filtered by RBAC, and the multiplexed watch stream
 * running each watch as the caller.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningHub, startHub } from '../../hub/hub.js';

let hub: RunningHub;
let dir: string;
let ca: string;
let admin: { cert: string; key: string };
let adminToken: string;
let limitedToken: string;

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function call(
  path: string,
  options: {
    method?: string;
    token?: string;
    admin?: boolean;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      new URL(path, hub.url),
      {
        method: options.method ?? 'GET',
        ca,
        ...(options.admin ? admin : {}),
        headers: {
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function create(path: string, body: object): Promise<void> {
  const r = await call(path, { method: 'POST', admin: true, body });
  assert.ok(r.status === 201 || r.status === 200, `POST ${path}: ${r.status} ${r.body}`);
}

async function tokenFor(name: string, role: string | undefined): Promise<string> {
  await create('/api/v1/namespaces/default/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name },
  });
  if (role) {
    await create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace: 'default' }],
    });
  }
  const r = await call(`/api/v1/namespaces/default/serviceaccounts/${name}/token`, {
    method: 'POST',
    admin: true,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
  });
  return JSON.parse(r.body).status.token;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'minato-dashboard-'));
  mkdirSync(join(dir, 'plugins'), { recursive: true });
  writeFileSync(join(dir, 'plugins', 'hello.js'), 'export default function register() {}\n');
  hub = await startHub({ dataDir: dir, port: 0, host: '127.0.0.1' });
  ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
  admin = {
    cert: readFileSync(join(dir, 'pki', 'admin.crt'), 'utf8'),
    key: readFileSync(join(dir, 'pki', 'admin.key'), 'utf8'),
  };
  adminToken = await tokenFor('dash-admin', 'cluster-admin');
  // Only the basics every signed-in user has: no ConfigMaps, no Secrets.
  limitedToken = await tokenFor('nobody', undefined);
  await create('/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'notes', labels: { 'minato.dev/dashboard-plugin': 'true' } },
    data: { 'plugin.js': 'export default function register() {}\n' },
  });
});

after(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the sign-in page and its code load without a credential, with a strict CSP', async () => {
  const page = await call('/dashboard/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self' blob:/);
  assert.equal((await call('/dashboard')).status, 301);
  assert.equal((await call('/dashboard/static/styles.css')).status, 200);
  assert.equal((await call('/dashboard/plugins/shipped/battery-overlay/index.js')).status, 200);
  assert.equal((await call('/dashboard/plugins/local/hello.js')).status, 200);
  const again = await call('/dashboard/static/styles.css', {
    headers: { 'If-None-Match': String((await call('/dashboard/static/styles.css')).headers.etag) },
  });
  assert.equal(again.status, 304);
});

test('nothing else is reachable before authentication: not the hub code, not a way out of a folder', async () => {
  for (const path of [
    '/dashboard/app/hub/hub.js',
    '/dashboard/app/dashboard/server/dashboard.js',
    '/dashboard/app/dashboard/ui/%2e%2e/%2e%2e/hub/hub.js',
    '/dashboard/app/dashboard/ui/main.js.map',
    '/dashboard/static/..%2f..%2f..%2fpackage.json',
    '/dashboard/plugins/local/..%2f..%2fpki%2fca.key',
    '/dashboard/plugins/index.json',
    '/dashboard/plugins/configmap/notes.js',
    '/dashboard/api/watch?w=a%20/api/v1/nodes',
  ]) {
    assert.equal((await call(path)).status, 401, path);
  }
  assert.equal((await call('/dashboard/', { method: 'POST' })).status, 401, 'only GET and HEAD are static');
});

test('the plugin list needs a credential and shows ConfigMap plugins only to users who may read them', async () => {
  const all = JSON.parse((await call('/dashboard/plugins/index.json', { token: adminToken })).body);
  assert.deepEqual(
    all.plugins.map((p: { name: string; source: string }) => `${p.name}:${p.source}`),
    ['battery-overlay:shipped', 'hello:data-dir', 'notes:configmap'],
  );
  const limited = JSON.parse((await call('/dashboard/plugins/index.json', { token: limitedToken })).body);
  assert.deepEqual(
    limited.plugins.map((p: { name: string }) => p.name),
    ['battery-overlay', 'hello'],
  );
  const code = await call('/dashboard/plugins/configmap/notes.js', { token: adminToken });
  assert.equal(code.status, 200);
  assert.match(String(code.headers['content-type']), /javascript/);
  assert.equal((await call('/dashboard/plugins/configmap/notes.js', { token: limitedToken })).status, 403);
  assert.equal((await call('/dashboard/plugins/configmap/missing.js', { token: adminToken })).status, 404);
});

test('one stream carries many watches, each run as the caller (a refusal arrives as an ERROR line)', async () => {
  const lines: string[] = [];
  const params = new URLSearchParams();
  params.append('w', 'cms /api/v1/namespaces/default/configmaps?resourceVersion=0');
  params.append('w', 'secrets /api/v1/namespaces/default/secrets');
  await new Promise<void>((resolve, reject) => {
    const req = request(
      new URL(`/dashboard/api/watch?${params}`, hub.url),
      { ca, headers: { Authorization: `Bearer ${limitedToken}` } },
      (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (c: string) => {
          buffered += c;
          const parts = buffered.split('\n');
          buffered = parts.pop()!;
          lines.push(...parts.filter(Boolean));
          if (lines.some((l) => l.startsWith('secrets ')) && lines.some((l) => l.startsWith('cms '))) {
            req.destroy();
            resolve();
          }
        });
      },
    );
    req.on('error', (err) =>
      (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err),
    );
    req.end();
  });
  const secrets = JSON.parse(lines.find((l) => l.startsWith('secrets '))!.slice('secrets '.length));
  assert.equal(secrets.type, 'ERROR');
  assert.equal(secrets.object.code, 403);
  // The limited account may not list configmaps either: the same refusal kubectl would get.
  const cms = JSON.parse(lines.find((l) => l.startsWith('cms '))!.slice('cms '.length));
  assert.equal(cms.object.code, 403);
});

test('a permitted watch streams live events with its id', async () => {
  const got = new Promise<string>((resolve, reject) => {
    const req = request(
      new URL(
        `/dashboard/api/watch?w=${encodeURIComponent('cm /api/v1/namespaces/default/configmaps')}`,
        hub.url,
      ),
      { ca, headers: { Authorization: `Bearer ${adminToken}` } },
      (res) => {
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (c: string) => {
          buffered += c;
          const line = buffered.split('\n').find((l) => l.includes('"live-1"'));
          if (line) {
            req.destroy();
            resolve(line);
          }
        });
      },
    );
    req.on('error', (err) =>
      (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end();
  });
  await new Promise((r) => setTimeout(r, 200));
  await create('/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'live-1' },
  });
  const line = await got;
  assert.match(line, /^cm \{"type":"ADDED"/);
});

test('bad watch requests are 400s that say what is wrong', async () => {
  const bad = async (query: string, pattern: RegExp) => {
    const r = await call(`/dashboard/api/watch?${query}`, { token: adminToken });
    assert.equal(r.status, 400, query);
    assert.match(JSON.parse(r.body).message, pattern);
  };
  await bad('', /at least one watch/);
  await bad(`w=${encodeURIComponent('x /healthz')}`, /Kubernetes API path/);
  await bad(`w=${encodeURIComponent('x /api/v1/../v1/nodes')}`, /Kubernetes API path/);
  await bad(`w=${encodeURIComponent('bad$id /api/v1/nodes')}`, /id must be/);
  await bad(`w=${encodeURIComponent('a /api/v1/nodes')}&w=${encodeURIComponent('a /api/v1/pods')}`, /twice/);
});
