/**
 * `npm run bench -- dashboard`: is the operator dashboard fluid with 1,000 moving devices?
 *
 * A real hub process gets --devices Nodes (positions, link quality, leases) and a map; Debian's
 * Chromium (playwright-core) signs in to /dashboard/ with a service-account token and shows the fleet
 * map. Then the benchmark moves every device, round robin, with --rate merge patches per second of
 * `minato.dev/position` (every 10th also sets link quality, below the degraded threshold for 30 % of
 * them, so devices change colour) for --seconds,
 * open loop. Measured in the page:
 * - write → DOM: from sending the PATCH to the device's <g> getting its new transform (a
 *   MutationObserver), i.e. hub + watch stream + the dashboard's batching and rendering;
 * - watch → DOM: per frame, from the oldest watch event's arrival in the page to the views having
 *   updated the DOM (`performance.measure('minato:watch-to-dom')`, enabled by `minatoProbe`);
 * - frame time: requestAnimationFrame deltas while the devices move, and long tasks (> 50 ms).
 * Everything runs on this machine (hub, browser and the client writing), so the figures include
 * their competition for CPU. Figures go to stdout, bench/out/dashboard.json and bench/RESULTS.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { HubClient } from './https-client.js';
import { startHubProcess } from './hub-process.js';
import { machineBusyCpuSeconds, machineInfo, sampleProcess, selfCpuSeconds } from './proc.js';
import { Progress } from './progress.js';
import { formatMs, renderTable, type Summary, summarize } from './stats.js';

export const description =
  'the dashboard in Chromium with 1,000 moving devices: watch → DOM latency, frame time';

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
const OUT_DIR = fileURLToPath(new URL('../../bench/out/', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));

interface Options {
  devices: number;
  rate: number;
  seconds: number;
  keepData: boolean;
  results: boolean;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function help(): string {
  return [
    'usage: npm run bench -- dashboard [flags]',
    '  --devices N     devices (Nodes) on the map (default 1000)',
    '  --rate R        position patches per second, all devices round robin (default 500)',
    '  --seconds S     how long the devices move (default 20)',
    '  --keep-data     keep the hub data directory',
    '  --no-results    do not update bench/RESULTS.md',
    `Needs Chromium at ${CHROMIUM} (apt-get install -y chromium).`,
  ].join('\n');
}

function parse(argv: string[]): Options {
  const o: Options = { devices: 1000, rate: 500, seconds: 20, keepData: false, results: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} needs a positive number`);
      return v;
    };
    if (flag === '--devices') o.devices = Math.round(num());
    else if (flag === '--rate') o.rate = num();
    else if (flag === '--seconds') o.seconds = num();
    else if (flag === '--keep-data') o.keepData = true;
    else if (flag === '--no-results') o.results = false;
    else throw new UsageError(`unknown flag ${flag}; see npm run bench -- dashboard --help`);
  }
  return o;
}

interface Device {
  name: string;
  x: number;
  y: number;
  heading: number;
  degraded: boolean;
}

const WIDTH = 2000;
const HEIGHT = 1400;
const CLASSES = ['vehicle', 'drone', 'robot', 'gateway'];

/** Runs `work` for every item with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function run(argv: string[]): Promise<void> {
  const options = parse(argv);
  if (!existsSync(CHROMIUM))
    throw new UsageError(`Chromium is missing at ${CHROMIUM}; install it: apt-get install -y chromium`);
  const progress = new Progress();
  const dataDir = mkdtempSync(join(tmpdir(), 'minato-bench-dashboard-'));
  const hub = await startHubProcess({ dataDir });
  const client = new HubClient(hub.credentials, 64);
  const browserDir = mkdtempSync(join(tmpdir(), 'minato-bench-chromium-'));
  const stopAll = () => hub.killNow();
  process.once('SIGINT', stopAll);
  try {
    progress.update(`creating ${options.devices} devices…`, true);
    const devices = await seed(client, options.devices);
    const token = await adminToken(client);
    progress.done(`created ${options.devices} devices, their leases and the map`);

    const browser = await chromium.launchPersistentContext(browserDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      ignoreHTTPSErrors: true,
      viewport: { width: 1440, height: 900 },
    });
    try {
      await browser.addInitScript('globalThis.minatoProbe = true;');
      const page = browser.pages()[0] ?? (await browser.newPage());
      const signInStart = Date.now();
      await page.goto(`${hub.url}/dashboard/#/map`);
      await page.locator('#token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .locator('.map-devices .device')
        .nth(options.devices - 1)
        .waitFor({ state: 'attached', timeout: 120_000 });
      const firstPaintMs = Date.now() - signInStart;
      progress.done(`map shows ${options.devices} devices ${formatMs(firstPaintMs)} after sign-in`);

      await page.evaluate(RECORDER);
      const sends = new Map<string, number[]>();
      const acks: number[] = [];
      let sent = 0;
      let failed = 0;
      let inFlight = 0;
      const total = Math.round(options.rate * options.seconds);
      const cpuBefore = {
        hub: sampleProcess(hub.pid).cpuSeconds,
        self: selfCpuSeconds(),
        all: machineBusyCpuSeconds(),
      };
      const start = Date.now();
      await new Promise<void>((resolve) => {
        const tick = () => {
          const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * options.rate));
          while (sent < due && inFlight < 256) {
            const d = devices[sent % devices.length]!;
            step(d);
            const relink = sent % 10 === 0;
            if (relink) d.degraded = Math.random() < 0.3;
            const annotations: Record<string, string> = {
              'minato.dev/position': `${d.x.toFixed(1)},${d.y.toFixed(1)}`,
            };
            if (relink) annotations['minato.dev/link-quality'] = d.degraded ? '15' : '85';
            const t0 = Date.now();
            const list = sends.get(d.name);
            if (list) list.push(t0);
            else sends.set(d.name, [t0]);
            sent++;
            inFlight++;
            client
              .send(`/api/v1/nodes/${d.name}`, {
                method: 'PATCH',
                body: JSON.stringify({ metadata: { annotations } }),
                contentType: 'application/merge-patch+json',
              })
              .then(
                () => acks.push(Date.now() - t0),
                () => failed++,
              )
              .finally(() => {
                inFlight--;
              });
          }
          progress.update(
            `moving devices: ${sent}/${total} patches sent, ${acks.length} acknowledged, ${inFlight} in flight`,
          );
          if (sent >= total && inFlight === 0) resolve();
          else setTimeout(tick, 5);
        };
        tick();
      });
      const moveSeconds = (Date.now() - start) / 1000;
      // CPU cores used while the devices moved: the hub, this client, and the rest (mostly Chromium).
      const hubCores = (sampleProcess(hub.pid).cpuSeconds - cpuBefore.hub) / moveSeconds;
      const clientCores = (selfCpuSeconds() - cpuBefore.self) / moveSeconds;
      const otherCores = (machineBusyCpuSeconds() - cpuBefore.all) / moveSeconds - hubCores - clientCores;
      mkdirSync(OUT_DIR, { recursive: true });
      await page.screenshot({ path: join(OUT_DIR, 'dashboard-map.png') });
      await page.waitForTimeout(1500); // let the last events reach the page
      progress.done(`sent ${sent} patches in ${moveSeconds.toFixed(1)} s (${failed} failed)`);
      const recorded = JSON.parse((await page.evaluate(COLLECT)) as string) as Recorded;

      const writeToDom: number[] = [];
      for (const [name, at] of recorded.mutations) {
        const list = sends.get(name);
        if (!list) continue;
        const i = lastAtOrBefore(list, at);
        if (i >= 0) writeToDom.push(at - list[i]!);
      }
      const result = {
        date: new Date().toISOString(),
        command: `npm run bench -- dashboard${argv.length ? ` ${argv.join(' ')}` : ''}`,
        machine: machineInfo(),
        chromium: browser.browser()?.version() ?? 'unknown',
        options,
        firstPaintMs,
        patches: { sent, failed, seconds: moveSeconds, ack: summarize(acks) },
        domUpdates: recorded.mutations.length,
        writeToDom: summarize(writeToDom),
        watchToDom: summarize(recorded.measures.map(([ms]) => ms)),
        eventsPerFrame: summarize(recorded.measures.map(([, n]) => n)),
        frameTime: summarize(recorded.frames),
        fps: recorded.frames.length / recorded.seconds,
        longFrames: recorded.frames.filter((f) => f > 50).length,
        longTasks: recorded.longTasks,
        cpuCores: { hub: hubCores, client: clientCores, browserAndRest: otherCores },
      };
      print(result);
      mkdirSync(OUT_DIR, { recursive: true });
      writeFileSync(join(OUT_DIR, 'dashboard.json'), `${JSON.stringify(result, null, 2)}\n`);
      if (options.results) writeResults(result);
    } finally {
      await browser.close();
    }
  } finally {
    process.off('SIGINT', stopAll);
    client.close();
    await hub.stop();
    rmSync(browserDir, { recursive: true, force: true });
    if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`hub data kept in ${dataDir}`);
  }
}

function step(d: Device): void {
  const speed = 12; // metres per move
  d.heading += (Math.random() - 0.5) * 0.6;
  d.x += Math.cos(d.heading) * speed;
  d.y += Math.sin(d.heading) * speed;
  if (d.x < 0 || d.x > WIDTH) {
    d.heading = Math.PI - d.heading;
    d.x = Math.max(0, Math.min(WIDTH, d.x));
  }
  if (d.y < 0 || d.y > HEIGHT) {
    d.heading = -d.heading;
    d.y = Math.max(0, Math.min(HEIGHT, d.y));
  }
}

/** Index of the last value ≤ t in an ascending list, or -1. */
function lastAtOrBefore(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

async function seed(client: HubClient, count: number): Promise<Device[]> {
  const stations = [
    [350, 1050],
    [1000, 1100],
    [1650, 1050],
    [350, 350],
    [1000, 300],
    [1650, 350],
  ].map(([x, y], i) => ({ name: `station-${i + 1}`, x, y, radius: 420 }));
  await client.send('/api/v1/namespaces/kube-public/configmaps', {
    method: 'POST',
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'minato-map' },
      data: {
        map: JSON.stringify({
          name: 'Benchmark area',
          width: WIDTH,
          height: HEIGHT,
          stations,
          roads: [
            [
              [0, 700],
              [2000, 700],
            ],
            [
              [1000, 0],
              [1000, 1400],
            ],
          ],
        }),
      },
    }),
  });
  const devices: Device[] = Array.from({ length: count }, (_, i) => ({
    name: `dev-${String(i).padStart(4, '0')}`,
    x: Math.random() * WIDTH,
    y: Math.random() * HEIGHT,
    heading: Math.random() * Math.PI * 2,
    degraded: false,
  }));
  const now = new Date();
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  await pool(devices, 32, async (d) => {
    await client.send('/api/v1/nodes', {
      method: 'POST',
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: d.name,
          labels: { 'minato.dev/device-class': CLASSES[Number(d.name.slice(4)) % CLASSES.length] },
          annotations: {
            'minato.dev/position': `${d.x.toFixed(1)},${d.y.toFixed(1)}`,
            'minato.dev/link-quality': '85',
            'minato.dev/link-rtt-ms': '40',
          },
        },
      }),
    });
    await client.send(`/api/v1/nodes/${d.name}/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'AgentReady',
              lastHeartbeatTime: stamp,
              lastTransitionTime: stamp,
            },
          ],
        },
      }),
    });
    await client.send('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      method: 'POST',
      body: JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: d.name },
        spec: {
          holderIdentity: d.name,
          leaseDurationSeconds: 3600,
          renewTime: now.toISOString().replace('Z', '000Z'),
        },
      }),
    });
  });
  return devices;
}

/** A cluster-admin service-account token, as `kubectl create token` would issue it. */
async function adminToken(client: HubClient): Promise<string> {
  await client.send('/api/v1/namespaces/kube-system/serviceaccounts', {
    method: 'POST',
    body: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bench-dashboard' } }),
  });
  await client.send('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    method: 'POST',
    body: JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bench-dashboard' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'bench-dashboard', namespace: 'kube-system' }],
    }),
  });
  const r = await client.send('/api/v1/namespaces/kube-system/serviceaccounts/bench-dashboard/token', {
    method: 'POST',
    wantText: true,
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }),
  });
  return JSON.parse(r.text!).status.token;
}

interface Recorded {
  seconds: number;
  frames: number[];
  mutations: [string, number][];
  measures: [number, number][];
  longTasks: number;
}

/** In the page: frame deltas, every device transform change (wall-clock time), long tasks. */
const RECORDER = `(() => {
  const rec = { start: performance.now(), frames: [], mutations: [], longTasks: 0, on: true };
  globalThis.__minatoBench = rec;
  performance.clearMeasures('minato:watch-to-dom');
  let last = performance.now();
  const loop = (t) => { if (!rec.on) return; rec.frames.push(t - last); last = t; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  new MutationObserver((list) => {
    const now = performance.timeOrigin + performance.now();
    for (const m of list) rec.mutations.push([m.target.dataset.node, now]);
  }).observe(document.querySelector('.map-devices'), { subtree: true, attributes: true, attributeFilter: ['transform'] });
  try { new PerformanceObserver((l) => { rec.longTasks += l.getEntries().length; }).observe({ type: 'longtask' }); } catch {}
})()`;

const COLLECT = `(() => {
  const rec = globalThis.__minatoBench;
  rec.on = false;
  const measures = performance.getEntriesByName('minato:watch-to-dom').filter((e) => e.startTime >= rec.start)
    .map((e) => [e.duration, e.detail ? e.detail.events : 0]);
  return JSON.stringify({ seconds: (performance.now() - rec.start) / 1000, frames: rec.frames.slice(1), mutations: rec.mutations, measures, longTasks: rec.longTasks });
})()`;

type Result = {
  command: string;
  date: string;
  machine: ReturnType<typeof machineInfo>;
  chromium: string;
  options: Options;
  firstPaintMs: number;
  patches: { sent: number; failed: number; seconds: number; ack: Summary };
  domUpdates: number;
  writeToDom: Summary;
  watchToDom: Summary;
  eventsPerFrame: Summary;
  frameTime: Summary;
  fps: number;
  longFrames: number;
  longTasks: number;
  cpuCores: { hub: number; client: number; browserAndRest: number };
};

function rows(r: Result): string[][] {
  const line = (label: string, s: Summary) => [
    label,
    formatMs(s.p50),
    formatMs(s.p99),
    formatMs(s.max),
    String(s.n),
  ];
  return [
    ['', 'p50', 'p99', 'max', 'samples'],
    line('write → DOM (PATCH sent → device moved on the map)', r.writeToDom),
    line('watch → DOM (event in the page → DOM updated, per frame)', r.watchToDom),
    line('frame time while devices move', r.frameTime),
    line('hub PATCH acknowledgement', r.patches.ack),
  ];
}

function print(r: Result): void {
  console.log(
    `\ndashboard: ${r.options.devices} devices, ${r.patches.sent} position patches in ${r.patches.seconds.toFixed(1)} s`,
  );
  console.log(renderTable(rows(r)));
  console.log(
    `  ${r.fps.toFixed(1)} frames/s, ${r.longFrames} frames over 50 ms, ${r.longTasks} long tasks; ${r.domUpdates} device moves drawn; events per frame p50 ${r.eventsPerFrame.p50}, max ${r.eventsPerFrame.max}; map with all devices ${formatMs(r.firstPaintMs)} after sign-in`,
  );
  console.log(`  ${cpuLine(r)}`);
}

function cpuLine(r: Result): string {
  const c = r.cpuCores;
  return `CPU while moving (cores of ${r.machine.cpus}): hub ${c.hub.toFixed(2)}, this client ${c.client.toFixed(2)}, Chromium and the rest ${c.browserAndRest.toFixed(2)}`;
}

function writeResults(r: Result): void {
  const cells = rows(r);
  const widths = cells[0]!.map((_, i) => Math.max(3, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  // Aligned the way the project's formatter (biome) writes Markdown tables.
  const table = [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join(
    '\n',
  );
  const section = [
    '## dashboard',
    '',
    `Command: \`${r.command}\` (${r.date.slice(0, 10)}; ${r.machine.cpus} CPUs, ${r.machine.cpuModel}; Node ${r.machine.node}; Chromium ${r.chromium} headless, software rendering).`,
    '',
    `${r.options.devices} devices on the fleet map, moved round robin by ${r.patches.sent} merge patches of \`minato.dev/position\` in ${r.patches.seconds.toFixed(1)} s (target ${r.options.rate}/s; every 10th patch also sets link quality, below the degraded threshold for 30 % of them, so devices change colour). Hub, browser and the writing client share this machine.`,
    '',
    table,
    '',
    `${r.fps.toFixed(1)} frames/s while moving, ${r.longFrames} frames over 50 ms, ${r.longTasks} long tasks. ${r.domUpdates} device moves drawn; a frame carried up to ${r.eventsPerFrame.max} watch events (p50 ${r.eventsPerFrame.p50}). The map showed all ${r.options.devices} devices ${formatMs(r.firstPaintMs)} after sign-in. ${cpuLine(r)}. Write → DOM includes the hub's own write path and the multiplexed watch stream; watch → DOM is the dashboard alone (batched per animation frame). Every figure: \`bench/out/dashboard.json\`.`,
    '',
  ].join('\n');
  let text = existsSync(RESULTS)
    ? readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nFigures recorded by `npm run bench -- NAME`, one section per benchmark.\n\n';
  const start = text.search(/^## dashboard\s*$/m);
  if (start >= 0) {
    const rest = text.slice(start + 1);
    const next = rest.search(/^## /m);
    text = text.slice(0, start) + section + (next >= 0 ? `\n${rest.slice(next)}` : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(RESULTS, text);
  console.log(`  figures written to bench/RESULTS.md (dashboard) and bench/out/dashboard.json`);
}
