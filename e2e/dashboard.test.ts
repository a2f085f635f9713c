/**
 * The operator dashboard in a real browser (Debian's Chromium driven by playwright-core) against a
 * real `minato up` process: sign-in with service-account tokens, the live fleet map, device actions,
 * rollout progress, streamed logs (through a real device tunnel) and the 503 of a device out of range,
 * YAML editing with a Conflict, the events stream, RBAC-aware controls for a view-only user, and
 * plugins (the shipped battery-overlay and one from a ConfigMap).
 *
 * The hub's controllers do the real work: device states come from the node lifecycle controller
 * (lease expiry, link quality, departures), rollout figures from the Deployment and ReplicaSet
 * controllers; the test only plays the devices' part (leases, pod status, a log tunnel).
 * Screenshots of the main pages go to test-artifacts/dashboard/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { issueClientCertificate, loadCertificateAuthority } from '../src/pki/index.js';
import { TunnelClient } from '../src/tunnel/tunnel-client.js';
import type { JsonObject } from './support/api.js';
import { CLI_PATH } from './support/hub-process.js';
import { eventually, type HubContext, setupHub, sleep, teardownHub } from './support/suite.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const NS = 'fleet-apps';

interface Device {
  name: string;
  cls: 'vehicle' | 'drone' | 'robot' | 'gateway';
  at: [number, number];
  quality: number;
  rtt: number;
  battery?: number;
}

const DEVICES: Device[] = [
  { name: 'car-1', cls: 'vehicle', at: [320, 520], quality: 92, rtt: 38, battery: 84 },
  { name: 'car-2', cls: 'vehicle', at: [700, 420], quality: 81, rtt: 55, battery: 63 },
  { name: 'car-3', cls: 'vehicle', at: [930, 620], quality: 74, rtt: 61, battery: 41 },
  { name: 'car-4', cls: 'vehicle', at: [540, 250], quality: 55, rtt: 90, battery: 35 },
  { name: 'drone-1', cls: 'drone', at: [250, 680], quality: 88, rtt: 42, battery: 72 },
  { name: 'drone-2', cls: 'drone', at: [1060, 300], quality: 22, rtt: 240, battery: 18 },
  { name: 'drone-3', cls: 'drone', at: [1150, 760], quality: 12, rtt: 900, battery: 9 },
  { name: 'robot-1', cls: 'robot', at: [800, 500], quality: 95, rtt: 21, battery: 90 },
  { name: 'robot-2', cls: 'robot', at: [880, 470], quality: 90, rtt: 24, battery: 55 },
  { name: 'robot-3', cls: 'robot', at: [620, 140], quality: 70, rtt: 70, battery: 66 },
  { name: 'gw-1', cls: 'gateway', at: [600, 400], quality: 99, rtt: 8 },
  { name: 'gw-2', cls: 'gateway', at: [300, 300], quality: 97, rtt: 11 },
];

const MAP = {
  name: 'Harbour district',
  width: 1200,
  height: 800,
  stations: [
    { name: 'North pier', x: 300, y: 580, radius: 290 },
    { name: 'Container yard', x: 880, y: 520, radius: 310 },
    { name: 'South gate', x: 600, y: 180, radius: 250 },
  ],
  roads: [
    [
      [40, 400],
      [600, 400],
      [1160, 420],
    ],
    [
      [600, 40],
      [600, 400],
      [560, 760],
    ],
    [
      [300, 300],
      [320, 720],
    ],
    [
      [880, 200],
      [900, 700],
    ],
  ],
};

const run = promisify(execFile);
const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

let ctx: HubContext;
let browser: BrowserContext;
let page: Page;
let adminToken: string;
let viewerToken: string;
let tunnel: TunnelClient | undefined;
const logRequests: string[] = [];

/** A request as the admin (client certificate); fails the test on anything but 2xx. */
async function api(path: string, method = 'GET', body?: unknown, contentType?: string): Promise<JsonObject> {
  const r = await ctx.api.json(
    path,
    method,
    body,
    contentType ? { headers: { 'content-type': contentType } } : {},
  );
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} -> ${r.status}: ${r.text}`);
  return r.body;
}

const mergePatch = (path: string, body: unknown) => api(path, 'PATCH', body, 'application/merge-patch+json');

/** A request with a Bearer token (or none) and no client certificate. */
async function asToken(
  path: string,
  token: string | undefined,
  method = 'GET',
  body?: unknown,
  contentType?: string,
) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (contentType) headers['content-type'] = contentType;
  return ctx.api.request(path, {
    anonymous: true,
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function seedFleet(): Promise<void> {
  const now = Date.now();
  await api('/api/v1/namespaces/kube-public/configmaps', 'POST', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'minato-map' },
    data: { map: JSON.stringify(MAP) },
  });
  for (const d of DEVICES) {
    const annotations: Record<string, string> = {
      'minato.dev/position': `${d.at[0]},${d.at[1]}`,
      'minato.dev/link-quality': String(d.quality),
      'minato.dev/link-rtt-ms': String(d.rtt),
    };
    if (d.battery !== undefined) annotations['minato.dev/battery'] = String(d.battery);
    if (d.name === 'car-4') annotations['minato.dev/departing'] = new Date(now + 10 * 60_000).toISOString();
    await api('/api/v1/nodes', 'POST', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: d.name,
        labels: {
          'minato.dev/device-class': d.cls,
          'kubernetes.io/hostname': d.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'arm64',
        },
        annotations,
      },
      spec: d.name === 'robot-3' ? { unschedulable: true } : {},
    });
    const away = d.name === 'drone-3';
    const heartbeat = new Date(away ? now - 3600_000 : now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await mergePatch(`/api/v1/nodes/${d.name}/status`, {
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [
          d.name === 'gw-2'
            ? {
                type: 'Ready',
                status: 'False',
                reason: 'RuntimeUnavailable',
                message: 'the Wasm runtime failed its health check',
                lastHeartbeatTime: heartbeat,
                lastTransitionTime: heartbeat,
              }
            : {
                type: 'Ready',
                status: 'True',
                reason: 'AgentReady',
                message: 'minato agent is posting ready status',
                lastHeartbeatTime: heartbeat,
                lastTransitionTime: heartbeat,
              },
        ],
        nodeInfo: { architecture: 'arm64', operatingSystem: 'linux', kubeletVersion: 'v1.32.0-minato' },
      },
    });
    await api('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', 'POST', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: d.name },
      spec: {
        holderIdentity: d.name,
        // drone-3 has been silent for an hour and its lease is short: the hub marks it out of range.
        leaseDurationSeconds: away ? 2 : 3600,
        renewTime: micro(away ? now - 3600_000 : now),
      },
    });
  }
}

async function seedWorkloads(): Promise<void> {
  await api('/api/v1/namespaces', 'POST', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const template = (app: string, image: string) => ({
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'main', image }] },
  });
  await api(`/apis/apps/v1/namespaces/${NS}/deployments`, 'POST', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'telemetry' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'telemetry' } },
      template: template('telemetry', 'telemetry.wasm'),
    },
  });
  await api(`/apis/apps/v1/namespaces/${NS}/daemonsets`, 'POST', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'sensor-agent' },
    spec: {
      selector: { matchLabels: { app: 'sensor-agent' } },
      template: {
        ...template('sensor-agent', 'sensor.wasm'),
        spec: {
          containers: [{ name: 'main', image: 'sensor.wasm' }],
          nodeSelector: { 'minato.dev/device-class': 'robot' },
        },
      },
    },
  });
  // Pods pinned to a device: one on car-1 (its tunnel serves logs), one on drone-3 (out of range).
  for (const [name, node] of [
    ['log-demo', 'car-1'],
    ['away-demo', 'drone-3'],
  ]) {
    await api(`/api/v1/namespaces/${NS}/pods`, 'POST', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { demo: 'logs' } },
      spec: { nodeName: node, containers: [{ name: 'main', image: 'logger.wasm' }] },
    });
  }
  await api(`/api/v1/namespaces/${NS}/configmaps`, 'POST', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings' },
    data: { interval: '5s', upload: 'when-docked' },
  });
}

/** Plays the devices' part for pods: marks `count` pods of `selector` Running and Ready. */
async function markPodsReady(selector: string, count: number): Promise<string[]> {
  const pods = await api(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`);
  const pending = (pods.items as JsonObject[])
    .filter((p) => p.spec.nodeName && p.status?.phase !== 'Running')
    .slice(0, count);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const p of pending) {
    await mergePatch(`/api/v1/namespaces/${NS}/pods/${p.metadata.name}/status`, {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        ],
        containerStatuses: [
          {
            name: 'main',
            image: p.spec.containers[0].image,
            imageID: '',
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: now } },
          },
        ],
      },
    });
  }
  return pending.map((p) => p.metadata.name as string);
}

async function serviceAccountToken(name: string, roles: string[]): Promise<string> {
  await ctx.kubectl.ok(['-n', 'kube-system', 'create', 'serviceaccount', name]);
  for (const role of roles) {
    await ctx.kubectl.ok([
      'create',
      'clusterrolebinding',
      `${name}-${role}`,
      `--clusterrole=${role}`,
      `--serviceaccount=kube-system:${name}`,
    ]);
  }
  return (await ctx.kubectl.ok(['-n', 'kube-system', 'create', 'token', name, '--duration=2h'])).trim();
}

/** A device's tunnel, as its agent would open it, answering log requests with a live stream. */
async function connectDevice(name: string): Promise<TunnelClient> {
  const pki = join(ctx.hub.dataDir, 'pki');
  const caPem = readFileSync(join(pki, 'ca.crt'), 'utf8');
  const ca = await loadCertificateAuthority(caPem, readFileSync(join(pki, 'ca.key'), 'utf8'));
  const cert = await issueClientCertificate(ca, {
    commonName: `system:node:${name}`,
    organizations: ['system:nodes'],
  });
  return new Promise((resolve) => {
    const client = new TunnelClient({
      server: ctx.hub.url,
      ca: caPem,
      cert: cert.certPem,
      key: cert.keyPem,
      onState: (s) => s === 'connected' && resolve(client),
      handler: (head, _body, reply) => {
        logRequests.push(head.path);
        reply.head({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
        reply.write(Buffer.from('booting telemetry.wasm on car-1\nlink up: North pier, quality 92\n'));
        if (!head.path.includes('follow=true')) {
          reply.end();
          return;
        }
        let n = 0;
        const timer = setInterval(
          () => reply.write(Buffer.from(`sample ${++n}: speed=${(12 + n * 0.4).toFixed(1)} m/s\n`)),
          250,
        );
        reply.onCancel(() => clearInterval(timer));
      },
    });
    client.start();
  });
}

async function shot(name: string, p: Page = page): Promise<void> {
  // Toasts from earlier steps would cover the page in the picture.
  await p.evaluate(`for (const t of document.querySelectorAll('.toast')) t.remove()`);
  await p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

async function signIn(p: Page, token: string): Promise<void> {
  await p.goto(`${ctx.hub.url}/dashboard/`);
  await p.locator('#token').fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.locator('.app').waitFor();
}

const device = (p: Page, name: string) => p.locator(`.map-svg .device[data-node="${name}"]`);

/** Waits until every access-gated control on the page has its answer from the hub. */
async function gatesDecided(p: Page): Promise<void> {
  await eventually(
    'every SelfSubjectAccessReview answered',
    async () => (await p.locator('[data-gate]:not([data-decided])').count()) === 0,
  );
}

describe('dashboard (real browser)', () => {
  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `the dashboard tests drive Chromium at ${CHROMIUM}, which is missing; install it: apt-get install -y chromium`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    ctx = await setupHub('dashboard');
    await seedFleet();
    await seedWorkloads();
    adminToken = await serviceAccountToken('dash-admin', ['cluster-admin']);
    await api('/apis/rbac.authorization.k8s.io/v1/clusterroles', 'POST', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'fleet-node-reader' },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
    });
    // `view` does not cover nodes (as in Kubernetes), so the viewer also reads nodes, and nothing more.
    viewerToken = await serviceAccountToken('dash-viewer', ['view', 'fleet-node-reader']);
    browser = await chromium.launchPersistentContext(ctx.freshDir('chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      // The hub's serving certificate is signed by its own cluster CA.
      ignoreHTTPSErrors: true,
      viewport: { width: 1440, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => console.error(`browser: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    tunnel?.stop();
    await browser?.close();
    await teardownHub(ctx);
  });

  test('without a token the API refuses the dashboard, and the sign-in page shows', async () => {
    for (const path of [
      '/api/v1/nodes',
      '/dashboard/plugins/index.json',
      '/dashboard/api/watch?w=a%20/api/v1/nodes',
    ]) {
      const r = await asToken(path, undefined);
      assert.equal(r.status, 401, `${path} without a token: ${r.body}`);
    }
    const bad = await asToken('/api/v1/nodes', 'not-a-token.at-all.really');
    assert.equal(bad.status, 401);
    // Static files need no credential (the sign-in page loads first) but never reach the hub's code.
    assert.equal((await asToken('/dashboard/', undefined)).status, 200);
    assert.equal((await asToken('/dashboard/app/dashboard/ui/main.js', undefined)).status, 200);
    assert.equal((await asToken('/dashboard/app/hub/hub.js', undefined)).status, 401);
    assert.equal(
      (await asToken('/dashboard/app/dashboard/ui/%2e%2e/%2e%2e/hub/hub.js', undefined)).status,
      401,
    );

    await page.goto(`${ctx.hub.url}/dashboard/`);
    await page.locator('#token').waitFor();
    assert.equal(await page.locator('.app').count(), 0, 'no app without a credential');
    await page.locator('#token').fill('eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.signin-error', { hasText: 'did not accept this token' }).waitFor();
    await shot('signin');
  });

  test('minato up prints the dashboard URL; minato dashboard token issues a token the hub accepts', async () => {
    assert.ok(
      ctx.hub
        .output()
        .includes(`dashboard: ${ctx.hub.url}/dashboard/ (sign in with: minato dashboard token)`),
      ctx.hub.output(),
    );
    const cli = (...args: string[]) =>
      run(process.execPath, [CLI_PATH, 'dashboard', 'token', '--data-dir', ctx.hub.dataDir, ...args]);
    const first = await cli();
    const second = await cli('--ttl', '1h'); // the account and its binding already exist: reused
    for (const { stdout, stderr } of [first, second]) {
      const token = stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'only the token on stdout');
      assert.match(stderr, /\/dashboard\//);
      const who = await asToken('/apis/authentication.k8s.io/v1/selfsubjectreviews', token, 'POST', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      });
      assert.equal(
        JSON.parse(who.body).status.userInfo.username,
        'system:serviceaccount:kube-system:minato-dashboard-admin',
      );
      assert.equal((await asToken('/api/v1/nodes', token)).status, 200, 'bound to cluster-admin');
    }
    const missing = await cli('--user-sa', 'fleet/nobody').catch((e: { code: number; stderr: string }) => e);
    assert.equal((missing as { code: number }).code, 2);
    assert.match(
      (missing as { stderr: string }).stderr,
      /no ServiceAccount fleet\/nobody.*kubectl -n fleet create serviceaccount nobody/,
    );
  });

  test('signs in with a service-account token and shows the fleet on the map, coloured by state', async () => {
    await signIn(page, adminToken);
    await device(page, 'car-1').waitFor();
    await eventually('the lifecycle controller sets the states', async () => {
      const states = Object.fromEntries(
        await Promise.all(
          DEVICES.map(async (d) => [d.name, await device(page, d.name).getAttribute('data-state')]),
        ),
      );
      return (
        states['car-1'] === 'ready' &&
        states['drone-2'] === 'degraded' &&
        states['drone-3'] === 'out-of-range' &&
        states['car-4'] === 'departing' &&
        states['robot-3'] === 'cordoned' &&
        states['gw-2'] === 'not-ready'
      );
    });
    assert.equal(await page.locator('.map-station').count(), 3);
    assert.equal(await page.locator('.map-coverage circle').count(), 3);
    assert.equal(await page.locator('[data-count="out-of-range"]').textContent(), '1');
    assert.equal(await page.locator('[data-count="ready"]').textContent(), '7');
    assert.equal(await page.locator('.map-name').textContent(), 'Harbour district');
    assert.equal(await page.locator('.stream-state').getAttribute('data-state'), 'live');
    await shot('map');
  });

  test('a device leaving coverage changes colour on the map within seconds, and back', async () => {
    const fill = () =>
      page.evaluate(
        `getComputedStyle(document.querySelector('.device[data-node="car-2"] .device-shape')).fill`,
      );
    assert.equal(await device(page, 'car-2').getAttribute('data-state'), 'ready');
    const before = await fill();
    // The device stops renewing its lease: the hub's lifecycle controller marks it out of range.
    const start = Date.now();
    await mergePatch('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/car-2', {
      spec: { leaseDurationSeconds: 2, renewTime: micro(Date.now() - 3600_000) },
    });
    await eventually(
      'car-2 shown out of range',
      async () => (await device(page, 'car-2').getAttribute('data-state')) === 'out-of-range',
      10_000,
    );
    const seconds = (Date.now() - start) / 1000;
    assert.ok(seconds < 10, `took ${seconds}s`);
    assert.notEqual(await fill(), before, 'the colour changed');
    assert.equal(await page.locator('[data-count="out-of-range"]').textContent(), '2');
    // It renews again: back in range.
    await mergePatch('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/car-2', {
      spec: { leaseDurationSeconds: 3600, renewTime: micro(Date.now()) },
    });
    await eventually(
      'car-2 back in range',
      async () => (await device(page, 'car-2').getAttribute('data-state')) === 'ready',
      10_000,
    );
    // A device that moves is moved on the map.
    const at = await device(page, 'car-2').getAttribute('transform');
    await mergePatch('/api/v1/nodes/car-2', {
      metadata: { annotations: { 'minato.dev/position': '760,380' } },
    });
    await eventually(
      'car-2 moved',
      async () => (await device(page, 'car-2').getAttribute('transform')) !== at,
      5_000,
    );
  });

  test('clicking a device opens its details with conditions, pods, lease age, actions and the battery plugin', async () => {
    await device(page, 'car-1').locator('.device-shape').click();
    const details = page.locator('.drawer .details[data-node="car-1"]');
    await details.waitFor();
    await details.locator('.state-badge[data-state="ready"]').waitFor();
    await details.locator('text=log-demo').waitFor();
    await details.locator('text=AgentReady').waitFor();
    assert.match((await details.locator('[data-field="lease-age"]').textContent()) ?? '', /\d+s ago/);
    await gatesDecided(page);
    assert.ok(await details.locator('[data-action="cordon"]').isVisible());
    assert.ok(await details.locator('[data-action="depart"]').isVisible());
    // The shipped battery-overlay plugin: a details section and a map layer.
    await details.locator('[data-plugin="battery-overlay"] .battery-gauge[data-battery="84"]').waitFor();
    assert.ok((await page.locator('.map-plugin-layer[data-layer="battery"] [data-battery]').count()) >= 10);
    await shot('map-details');
  });

  test('cordon and depart from the devices table write the node as kubectl would', async () => {
    await page.goto(`${ctx.hub.url}/dashboard/#/nodes`);
    const row = page.locator('tr[data-node="robot-1"]');
    await row.waitFor();
    await gatesDecided(page);
    await row.locator('[data-action="cordon"]').click();
    await eventually(
      'robot-1 cordoned',
      async () => (await api('/api/v1/nodes/robot-1')).spec.unschedulable === true,
    );
    await row.locator('.state-badge[data-state="cordoned"]').waitFor();
    await row.locator('[data-action="uncordon"]').click();
    await eventually(
      'robot-1 uncordoned',
      async () => !(await api('/api/v1/nodes/robot-1')).spec.unschedulable,
    );
    await row.locator('.state-badge[data-state="ready"]').waitFor();

    await page.locator('tr[data-node="car-3"] [data-action="depart"]').click();
    await page.locator('dialog').getByRole('button', { name: 'Depart' }).click();
    await eventually('car-3 departing', async () =>
      Boolean((await api('/api/v1/nodes/car-3')).metadata.annotations['minato.dev/departing']),
    );
    await page.locator('tr[data-node="car-3"] .state-badge[data-state="departing"]').waitFor();
    await page.locator('tr[data-node="car-3"]').click();
    await page.locator('.drawer .details[data-node="car-3"]').waitFor();
    await shot('nodes');
    await page.locator('.drawer [data-action="return"]').click(); // the table's column steps aside for the panel
    await eventually(
      'car-3 returned',
      async () => !(await api('/api/v1/nodes/car-3')).metadata.annotations?.['minato.dev/departing'],
    );
  });

  test("a Deployment's and a DaemonSet's rollout progress across the fleet appears live", async () => {
    await page.goto(`${ctx.hub.url}/dashboard/#/workloads`);
    const deployment = page.locator('[data-table="deployments"] tr[data-key="fleet-apps/telemetry"]');
    await deployment.waitFor();
    await deployment.locator('.rollout-text', { hasText: '0/4 ready' }).waitFor();
    await eventually('4 telemetry pods scheduled', async () => {
      const pods = await api(`/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dtelemetry`);
      return (pods.items as JsonObject[]).filter((p) => p.spec.nodeName).length === 4;
    });
    assert.equal((await markPodsReady('app=telemetry', 2)).length, 2);
    await deployment.locator('.rollout-text', { hasText: '2/4 ready' }).waitFor({ timeout: 10_000 });
    const daemonset = page.locator('[data-table="daemonsets"] tr[data-key="fleet-apps/sensor-agent"]');
    await daemonset.waitFor();
    await eventually('sensor-agent pods on robots', async () => {
      const pods = await api(`/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dsensor-agent`);
      return (pods.items as JsonObject[]).length >= 2;
    });
    await markPodsReady('app=sensor-agent', 1);
    await daemonset.locator('.rollout-text', { hasText: /1\/\d ready/ }).waitFor({ timeout: 10_000 });
    await page.locator('[data-table="pods"] tr[data-key="fleet-apps/log-demo"]').waitFor();
    await shot('workloads');

    await markPodsReady('app=telemetry', 2);
    await deployment.locator('.rollout[data-complete="true"]').waitFor({ timeout: 10_000 });
    await deployment.click();
    const details = page.locator('.drawer [data-workload="Deployment/fleet-apps/telemetry"]');
    await details.locator('text=Available').first().waitFor();
    await shot('workload-details');
  });

  test('pod logs stream from the device; an out-of-range device answers 503 and the message is shown', async () => {
    tunnel = await connectDevice('car-1');
    await page.goto(`${ctx.hub.url}/dashboard/#/logs?ns=${NS}&pod=log-demo`);
    const output = page.locator('[data-logs="fleet-apps/log-demo"]');
    await output.locator('text=booting telemetry.wasm').waitFor();
    // Follow mode: new lines keep arriving over the same response.
    await eventually(
      'streamed lines arrive',
      async () => /sample [4-9]/.test((await output.textContent()) ?? ''),
      10_000,
    );
    assert.ok(
      logRequests.some((p) => p.startsWith(`/logs/${NS}/log-demo/main?`) && p.includes('follow=true')),
    );
    await shot('logs');

    await page.goto(`${ctx.hub.url}/dashboard/#/logs?ns=${NS}&pod=away-demo`);
    const error = page.locator('.alert-error[data-code="503"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /drone-3.*not connected/);
    await shot('logs-503');
  });

  test('YAML edit: a Conflict is shown clearly and the edit survives; after reloading it saves', async () => {
    const path = `/api/v1/namespaces/${NS}/configmaps/settings`;
    await page.goto(`${ctx.hub.url}/dashboard/#/yaml?path=${encodeURIComponent(path)}`);
    const editor = page.locator('.yaml-editor');
    await eventually('YAML loaded', async () => (await editor.inputValue()).includes('interval: 5s'));
    await gatesDecided(page);
    assert.equal(await editor.getAttribute('readonly'), null, 'editable for the admin');
    assert.ok(!(await editor.inputValue()).includes('managedFields'), 'managed fields hidden');
    await editor.fill((await editor.inputValue()).replace('interval: 5s', 'interval: 10s'));
    // Someone else changes the object meanwhile.
    await mergePatch(path, { data: { upload: 'always' } });
    await page.locator('[data-action="save"]').click();
    const conflict = page.locator('.alert-error[data-code="409"]');
    await conflict.waitFor();
    assert.match((await conflict.textContent()) ?? '', /Conflict/);
    assert.match((await conflict.textContent()) ?? '', /your edits are still in the editor/i);
    assert.ok((await editor.inputValue()).includes('interval: 10s'), 'the edit is kept');
    assert.equal((await api(path)).data.interval, '5s', 'nothing was written');
    await shot('yaml-conflict');
    await page.locator('[data-action="reload-conflict"]').click();
    await eventually('reloaded', async () => (await editor.inputValue()).includes('upload: always'));
    await editor.fill((await editor.inputValue()).replace('interval: 5s', 'interval: 10s'));
    await page.locator('[data-action="save"]').click();
    await page.locator('[data-saved="true"]').waitFor();
    const saved = await api(path);
    assert.deepEqual([saved.data.interval, saved.data.upload], ['10s', 'always']);
    assert.ok(saved.metadata.managedFields?.length, 'managed fields kept by the hub');
  });

  test('events stream live from a core/v1 watch', async () => {
    await page.goto(`${ctx.hub.url}/dashboard/#/events`);
    await page.locator('[data-table="events"]').waitFor();
    const event = (name: string, reason: string, message: string, type = 'Normal') => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: NS },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'telemetry', namespace: NS },
      reason,
      message,
      type,
      count: 1,
      source: { component: 'fleet-ops' },
      firstTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    await api(
      `/api/v1/namespaces/${NS}/events`,
      'POST',
      event('fw-1', 'FirmwareStaged', 'firmware 2.4.1 staged on 4 devices'),
    );
    await page.locator('[data-table="events"] tr', { hasText: 'FirmwareStaged' }).waitFor();
    await api(
      `/api/v1/namespaces/${NS}/events`,
      'POST',
      event('fw-2', 'LowBattery', 'drone-3 reported 9% battery', 'Warning'),
    );
    await page.locator('[data-table="events"] tr', { hasText: 'LowBattery' }).waitFor();
    await shot('events');
  });

  test('plugins: the shipped battery-overlay page, and a plugin from a ConfigMap', async () => {
    await page.goto(`${ctx.hub.url}/dashboard/#/battery`);
    const rows = page.locator('.page[data-plugin="battery-overlay"] tbody tr');
    await eventually('battery table filled', async () => (await rows.count()) === 10);
    assert.match((await rows.first().textContent()) ?? '', /drone-3.*9%/);
    await shot('battery-page');

    const code = `export default function register(api) {
      api.registerSidebarEntry({ id: 'notes', label: 'Shift notes', path: '/notes' });
      api.registerRoute({ path: '/notes', title: 'Shift notes', render(el) { el.innerHTML = '<p class="shift-notes">Dock 3 closed until 14:00.</p>'; } });
    }`;
    await api('/api/v1/namespaces/kube-system/configmaps', 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shift-notes', labels: { 'minato.dev/dashboard-plugin': 'true' } },
      data: { 'plugin.js': code },
    });
    assert.equal((await asToken('/dashboard/plugins/configmap/shift-notes.js', undefined)).status, 401);
    const index = JSON.parse((await asToken('/dashboard/plugins/index.json', adminToken)).body) as {
      plugins: { name: string; source: string }[];
    };
    assert.deepEqual(
      index.plugins.map((p) => `${p.name}:${p.source}`),
      ['battery-overlay:shipped', 'shift-notes:configmap'],
    );
    await page.reload();
    await page.locator('.nav-link[data-plugin="shift-notes"]').click();
    await page.locator('.shift-notes', { hasText: 'Dock 3 closed' }).waitFor();
    await page.goto(`${ctx.hub.url}/dashboard/#/plugins`);
    await page.locator('.card[data-plugin="shift-notes"][data-plugin-state="loaded"]').waitFor();
    await page.locator('.card[data-plugin="battery-overlay"][data-plugin-state="loaded"]').waitFor();
    await shot('plugins');
  });

  test('a view-only user sees the fleet but no mutating action; the API refuses them anyway', async () => {
    const viewer = await browser.newPage();
    try {
      await signIn(viewer, viewerToken);
      await viewer.goto(`${ctx.hub.url}/dashboard/#/nodes?node=car-1`);
      await viewer.locator('tr[data-node="car-1"]').waitFor();
      await viewer.locator('.drawer .details[data-node="car-1"]').waitFor();
      await gatesDecided(viewer);
      for (const action of ['cordon', 'uncordon', 'depart', 'return']) {
        assert.equal(
          await viewer.locator(`[data-action="${action}"]:visible`).count(),
          0,
          `${action} hidden`,
        );
      }
      assert.ok((await viewer.locator('[data-gate][data-decided="denied"]').count()) > 0);
      await shot('viewer-nodes', viewer);

      await viewer.goto(`${ctx.hub.url}/dashboard/#/workloads?pod=${NS}%2Flog-demo`);
      await viewer.locator('.drawer [data-pod="fleet-apps/log-demo"]').waitFor();
      await viewer.locator('[data-table="deployments"] tr[data-key="fleet-apps/telemetry"]').waitFor();
      await gatesDecided(viewer);
      assert.ok(await viewer.locator('[data-action="logs"]').isVisible(), 'view may read logs');
      assert.equal(await viewer.locator('[data-action="delete"]:visible').count(), 0);

      await viewer.goto(`${ctx.hub.url}/dashboard/#/yaml?path=${encodeURIComponent('/api/v1/nodes/car-1')}`);
      await eventually('YAML loaded', async () =>
        (await viewer.locator('.yaml-editor').inputValue()).includes('name: car-1'),
      );
      await gatesDecided(viewer);
      assert.equal(await viewer.locator('[data-action="save"]:visible').count(), 0);
      await eventually(
        'read-only',
        async () => (await viewer.locator('.yaml-editor').getAttribute('readonly')) !== null,
      );

      const refused = await asToken(
        '/api/v1/nodes/car-1',
        viewerToken,
        'PATCH',
        { spec: { unschedulable: true } },
        'application/merge-patch+json',
      );
      assert.equal(refused.status, 403);
    } finally {
      await viewer.close();
    }
  });

  test('an expired or revoked token returns the browser to sign-in', async () => {
    await page.goto(`${ctx.hub.url}/dashboard/#/map`);
    await page.locator('.app').waitFor();
    await ctx.kubectl.ok(['-n', 'kube-system', 'delete', 'serviceaccount', 'dash-admin']);
    await page.reload();
    await page.locator('#token').waitFor();
    await page.locator('.alert-info', { hasText: 'session ended' }).waitFor();
    await sleep(100);
  });
});
