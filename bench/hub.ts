/**
 * `npm run bench -- hub`: a real hub process, measured from outside.
 *
 *  1. create throughput and latency (N ConfigMaps, C concurrent clients);
 *  2. list latency at two sizes (plain JSON, Table, a 1% label selector), the namespace growing
 *     between them with a live progress line;
 *  3. watch fan-out (W watches, M updates at a steady rate, delay to every watcher);
 *  4. hub RSS and CPU per phase from /proc;
 *  5. raw SQLite references measured in the same run, and the ratios.
 *
 * Results: a table on stdout, bench/out/hub.json and bench/out/hub.svg.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlagSpec, parseFlags, UsageError } from '../src/cli/args.js';
import { type CpuProfile, sourceMapResolver, summarizeProfile, type Window } from './cpu-profile.js';
import { HubClient } from './https-client.js';
import { type HubProcess, startHubProcess } from './hub-process.js';
import {
  type HubConfig,
  type HubResults,
  type ListKindResult,
  type ListSizeResult,
  type PhaseRecord,
  renderSvg,
  renderText,
  type WatchRunSummary,
} from './hub-report.js';
import { WatchFanout } from './hub-watch.js';
import {
  filesystemOf,
  machineBusyCpuSeconds,
  machineInfo,
  openFileLimit,
  sampleProcess,
  selfCpuSeconds,
} from './proc.js';
import { note, Progress } from './progress.js';
import { ListReference, type Row, timedInserts } from './sqlite-reference.js';
import {
  cdfPoints,
  formatCount,
  formatInt,
  formatMiB,
  formatMs,
  Samples,
  summarize,
  summarizeSorted,
} from './stats.js';

export const description =
  'hub API server: create throughput, list latency at 10k/100k, watch fan-out, RSS/CPU, vs raw SQLite';

/** The repository root, from dist/bench/hub.js. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_OUT = join(REPO_ROOT, 'bench', 'out');
const FD_ENV = 'MINATO_BENCH_FD_RAISED';

const FLAGS: FlagSpec = {
  objects: {
    type: 'number',
    help: 'ConfigMaps created for the throughput figure (default 20000; --quick 5000)',
  },
  concurrency: { type: 'number', help: 'concurrent clients creating objects (default 32)', max: 1024 },
  'list-sizes': {
    type: 'string',
    help: 'namespace sizes at which lists are timed (default 10000,100000; --quick 2000,10000)',
  },
  'list-samples': {
    type: 'number',
    help: 'timed requests per list kind and size, fewer when a size is slow (default 30)',
    max: 10_000,
  },
  watchers: { type: 'number', help: 'concurrent watch connections (default 1000)', max: 100_000 },
  updates: { type: 'number', help: 'updates written while watched (default 1000; --quick 300)' },
  rate: {
    type: 'string',
    help: 'updates per second; several comma-separated rates run one after another on the same watches (default 20,100)',
  },
  quick: { type: 'boolean', help: 'small sizes for a run of about a minute' },
  profile: {
    type: 'boolean',
    help: 'run the hub under node --cpu-prof and report where its CPU time goes per phase',
  },
  'keep-data': { type: 'boolean', help: 'keep the hub data directory (printed at the end)' },
  'max-minutes': {
    type: 'number',
    help: 'give up (and stop the hub) when the run takes longer than this (default 30; --quick 5)',
  },
  dir: { type: 'string', help: 'where the temporary hub data directory goes (default: the OS temp dir)' },
  out: { type: 'string', help: 'where hub.json and hub.svg are written (default bench/out)' },
};

export function help(): string {
  const lines = Object.entries(FLAGS).map(([f, s]) => `  --${f.padEnd(14)} ${s.help}`);
  return `usage: npm run bench -- hub [flags]\n\n${description}\n\n${lines.join('\n')}`;
}

interface Options extends HubConfig {
  keepData: boolean;
  maxMinutes: number;
  dir: string;
  out: string;
}

function options(argv: string[]): Options {
  const f = parseFlags(argv, FLAGS);
  const quick = f.quick === true;
  const num = (name: string, normal: number, fast: number) =>
    f[name] === undefined ? (quick ? fast : normal) : Number(f[name]);
  const sizesText =
    f['list-sizes'] === undefined ? (quick ? '2000,10000' : '10000,100000') : String(f['list-sizes']);
  const numbers = (flag: string, text: string) => {
    const list = text.split(',').map((s) => Number(s.trim()));
    if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new UsageError(`--${flag} takes positive whole numbers separated by commas, got "${text}"`);
    }
    return list;
  };
  const listSizes = numbers('list-sizes', sizesText);
  const rates = numbers('rate', f.rate === undefined ? '20,100' : String(f.rate));
  const o: Options = {
    objects: num('objects', 20_000, 5_000),
    concurrency: num('concurrency', 32, 32),
    listSizes: [...new Set(listSizes)].sort((a, b) => a - b),
    listSamples: num('list-samples', 30, 15),
    watchers: num('watchers', 1000, 1000),
    updates: num('updates', 1000, 300),
    rates,
    quick,
    profile: f.profile === true,
    keepData: f['keep-data'] === true,
    maxMinutes: num('max-minutes', 30, 5),
    dir: resolve(String(f.dir ?? os.tmpdir())),
    out: resolve(String(f.out ?? DEFAULT_OUT)),
  };
  for (const name of ['objects', 'concurrency', 'watchers', 'updates', 'list-samples'] as const) {
    const value = name === 'list-samples' ? o.listSamples : o[name];
    if (value < 1) throw new UsageError(`--${name} must be at least 1`);
  }
  return o;
}

/** Exit code of the re-run shell when it may not raise the limit. */
const CANNOT_RAISE = 75;

/**
 * The hub inherits our open-file limit and each watch costs a descriptor on both sides. Node raises
 * its soft limit to the hard one at start, so a shortfall means the hard limit is too low: try to
 * rerun ourselves under `ulimit -n` (allowed for root or where the system permits), else say how
 * many watches fit and go on with those. Returns true when a child run took over.
 */
async function ensureFileLimit(o: Options, argv: string[]): Promise<boolean> {
  const need = o.watchers + o.concurrency + 512;
  const limit = openFileLimit();
  if (!Number.isFinite(limit.soft) || limit.soft >= need) return false;
  if (!process.env[FD_ENV]) {
    note(
      `open-file limit ${limit.soft} (hard ${limit.hard}) is below the ${need} this run needs; trying ulimit -n ${need}`,
    );
    const script = fileURLToPath(new URL('./main.js', import.meta.url));
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `ulimit -n ${need} 2>/dev/null || exit ${CANNOT_RAISE}; exec "$0" "$@"`,
        process.execPath,
        script,
        'hub',
        ...argv,
      ],
      { stdio: 'inherit', env: { ...process.env, [FD_ENV]: '1' } },
    );
    // Ctrl-C reaches the child through the process group; we only wait for it.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    const code = await new Promise<number>((done) =>
      child.once('exit', (c, s) => done(c ?? (s ? 128 + (os.constants.signals[s] ?? 1) : 1))),
    );
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
    if (code !== CANNOT_RAISE) {
      process.exitCode = code;
      return true;
    }
  }
  const fit = Math.max(1, limit.soft - o.concurrency - 512);
  note(
    `open-file limit: soft ${limit.soft}, hard ${limit.hard}, and it may not be raised here; ${o.watchers} watches need about ${need}. ` +
      `Running with ${fit} watches instead; raise the limit (ulimit -n ${need}) for the full figure.`,
  );
  o.watchers = fit;
  return false;
}

// ---- the run ------------------------------------------------------------------------------------

const NAMESPACE = 'bench';
const WATCH_NAMESPACE = 'bench-watch';
const WATCH_OBJECTS = 10;
const SHARDS = 100;
const SELECTED_SHARD = 7;
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';

const nameOf = (i: number) => `cm-${String(i).padStart(6, '0')}`;

/** The request body of object i: labels for the 1% selector and some realistic configuration text. */
function configMapBody(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: nameOf(i), labels: { app: 'minato-bench', shard: String(i % SHARDS) } },
    data: {
      index: String(i),
      'app.properties': `server.port=8080\nlog.level=info\nfeature.flags=a,b,c\nreplica=${i}\n`,
      'settings.yaml': `retries: 3\ntimeoutSeconds: 30\nendpoints:\n  - https://service-${i % 37}.example.internal:8443\n`,
    },
  });
}

class HubBenchmark {
  private hub!: HubProcess;
  private client!: HubClient;
  private readonly progress = new Progress();
  private readonly phases: PhaseRecord[] = [];
  private readonly timeline: [number, number][] = [];
  private readonly startedAt = performance.now();
  private sampler: NodeJS.Timeout | undefined;
  /** The hub's answer to each create: the stored object, reused as the raw SQLite payload. */
  private readonly stored: string[] = [];
  private readonly createLatency = new Samples(1 << 15);

  constructor(
    private readonly o: Options,
    private readonly work: string,
  ) {}

  get hubProcess(): HubProcess | undefined {
    return this.hub;
  }

  private elapsed(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  private async phase<T>(name: string, body: () => Promise<T> | T): Promise<T> {
    const before = sampleProcess(this.hub.pid);
    const clientBefore = selfCpuSeconds();
    const machineBefore = machineBusyCpuSeconds();
    const start = this.elapsed();
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const result = await body();
    const after = sampleProcess(this.hub.pid);
    const hubCpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const clientCpuSeconds = selfCpuSeconds() - clientBefore;
    this.phases.push({
      name,
      start,
      seconds: this.elapsed() - start,
      hubCpuSeconds,
      clientCpuSeconds,
      otherCpuSeconds: Math.max(
        0,
        machineBusyCpuSeconds() - machineBefore - hubCpuSeconds - clientCpuSeconds,
      ),
      hubRssBytes: after.rssBytes,
      fromUs,
      toUs: Number(process.hrtime.bigint() / 1000n),
    });
    return result;
  }

  private rss(): number {
    return sampleProcess(this.hub.pid).rssBytes;
  }

  async run(command: string): Promise<HubResults> {
    const o = this.o;
    const profileDir = o.profile ? join(this.work, 'profile') : undefined;
    if (profileDir) mkdirSync(profileDir);
    const startFromUs = Number(process.hrtime.bigint() / 1000n);
    note(`starting the hub (data in ${this.work})…`);
    this.hub = await startHubProcess({ dataDir: join(this.work, 'hub'), cpuProfileDir: profileDir });
    this.phases.push({
      name: 'start',
      start: 0,
      seconds: this.elapsed(),
      hubCpuSeconds: sampleProcess(this.hub.pid).cpuSeconds,
      clientCpuSeconds: 0,
      otherCpuSeconds: Number.NaN,
      hubRssBytes: this.rss(),
      fromUs: startFromUs,
      toUs: Number(process.hrtime.bigint() / 1000n),
    });
    this.sampler = setInterval(() => {
      const rss = this.rss();
      if (Number.isFinite(rss)) this.timeline.push([this.elapsed(), rss]);
    }, 250);
    this.sampler.unref();
    this.client = new HubClient(this.hub.credentials, o.concurrency);

    // Idle: let start-up garbage settle, then read RSS.
    await this.phase('idle', () => new Promise((r) => setTimeout(r, 2000)));
    const idleBytes = this.rss();
    for (const ns of [NAMESPACE, WATCH_NAMESPACE]) {
      await this.client.send('/api/v1/namespaces', {
        method: 'POST',
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      });
    }
    const watchMemory = await this.phase(`memory of ${formatInt(o.watchers)} idle watches`, () =>
      this.watchMemory(),
    );

    // Grow the namespace, stopping at the throughput target and at each list size.
    const targets = [...new Set([o.objects, ...o.listSizes])].sort((a, b) => a - b);
    const segments: HubResults['create']['segments'] = [];
    const afterObjects: HubResults['memory']['afterObjects'] = [];
    const lists: ListSizeResult[] = [];
    const listReference = new ListReference(this.work);
    let created = 0;
    let createSeconds = 0;
    let reference: HubResults['create']['reference'] | undefined;
    for (const target of targets) {
      const from = created;
      const seconds = await this.phase(`create ${formatCount(from)}→${formatCount(target)}`, () =>
        this.createRange(from, target),
      );
      created = target;
      segments.push({ from, to: target, seconds, perSecond: (target - from) / seconds });
      if (target <= o.objects) createSeconds += seconds;
      if (target === o.objects)
        reference = await this.phase('raw SQLite writes', () => this.referenceWrites());
      if (o.listSizes.includes(target)) {
        afterObjects.push({ objects: target, bytes: this.rss() });
        const kinds = await this.phase(`list @${formatCount(target)}`, () => this.measureLists(target));
        const ref = await this.phase(`raw SQLite list @${formatCount(target)}`, () => {
          listReference.add(this.rows(lists.length === 0 ? 0 : lists[lists.length - 1]!.size, target));
          return listReference.measure(o.listSamples, 30_000);
        });
        lists.push({
          size: target,
          hubRssBytes: afterObjects[afterObjects.length - 1]!.bytes,
          kinds,
          reference: ref,
        });
      }
    }
    listReference.close();
    const latencyMs = summarizeSorted(this.createLatency.sorted());

    // Watch fan-out.
    const watch = await this.watchFanout();

    const peakBytes = sampleProcess(this.hub.pid).hwmBytes;
    clearInterval(this.sampler);
    this.client.close();
    note('stopping the hub…');
    const stopFrom = Number(process.hrtime.bigint() / 1000n);
    const stopStart = this.elapsed();
    const exit = await this.hub.stop(o.profile ? 120_000 : 15_000);
    this.phases.push({
      name: 'stop',
      start: stopStart,
      seconds: this.elapsed() - stopStart,
      hubCpuSeconds: Number.NaN,
      clientCpuSeconds: 0,
      otherCpuSeconds: Number.NaN,
      hubRssBytes: Number.NaN,
      fromUs: stopFrom,
      toUs: Number(process.hrtime.bigint() / 1000n),
    });
    if (exit.code !== 0)
      note(
        `the hub exited with code ${exit.code} signal ${exit.signal}; its last output:\n${this.hub.output().slice(-2000)}`,
      );

    const machine = machineInfo();
    const fs = filesystemOf(this.work);
    const results: HubResults = {
      benchmark: 'hub',
      date: new Date().toISOString(),
      command,
      config: {
        objects: o.objects,
        concurrency: o.concurrency,
        listSizes: o.listSizes,
        listSamples: o.listSamples,
        watchers: o.watchers,
        updates: o.updates,
        rates: o.rates,
        quick: o.quick,
        profile: o.profile,
      },
      machine: { ...machine, filesystem: `${fs.type} (${fs.mount})`, openFiles: openFileLimit() },
      hubCommand: this.hub.command.replace(this.work, '<tmp>').replace(REPO_ROOT, ''),
      create: {
        objects: o.objects,
        concurrency: o.concurrency,
        seconds: createSeconds,
        perSecond: o.objects / createSeconds,
        latencyMs,
        segments,
        reference: reference!,
      },
      list: lists,
      watch,
      memory: { idleBytes, afterObjects, peakBytes, timeline: this.timeline },
      watchMemory,
      phases: this.phases,
    };
    if (profileDir) results.profile = this.summarizeProfile(profileDir);
    return results;
  }

  /** Creates objects [from, to) with the configured concurrency; returns the seconds it took. */
  private async createRange(from: number, to: number): Promise<number> {
    const path = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
    let next = from;
    let done = from;
    const start = performance.now();
    let windowStart = start;
    let windowDone = from;
    let rate = 0;
    // The latest 2,000 latencies, for the p99 on the progress line.
    const recent = new Float64Array(2000);
    let recentCount = 0;
    const show = () => {
      const now = performance.now();
      if (now - windowStart >= 1000) {
        rate = ((done - windowDone) * 1000) / (now - windowStart);
        windowStart = now;
        windowDone = done;
      }
      const window = recent.slice(0, Math.min(recentCount, recent.length)).sort();
      const p99 = window.length > 0 ? formatMs(summarizeSorted(window).p99) : '–';
      this.progress.update(
        `creating ConfigMaps: ${formatInt(done)}/${formatInt(to)} · ${formatInt(rate || ((done - from) * 1000) / (now - start))} obj/s · p99 ${p99} (last ${formatInt(window.length)}) · hub RSS ${formatMiB(this.rss())}`,
      );
    };
    let lastShow = 0;
    const worker = async () => {
      for (let i = next++; i < to; i = next++) {
        const t0 = performance.now();
        const res = await this.client.send(path, { method: 'POST', body: configMapBody(i), wantText: true });
        const ms = performance.now() - t0;
        this.stored[i] = res.text!;
        if (i < this.o.objects) this.createLatency.push(ms);
        recent[recentCount++ % recent.length] = ms;
        done++;
        if (t0 - lastShow > 200) {
          lastShow = t0;
          show();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, to - from) }, worker));
    const seconds = (performance.now() - start) / 1000;
    this.progress.done(
      `created ${formatInt(to - from)} ConfigMaps (${formatInt(from)} → ${formatInt(to)}) in ${seconds.toFixed(1)} s: ${formatInt((to - from) / seconds)} obj/s`,
    );
    return seconds;
  }

  private rows(from: number, to: number): Row[] {
    const rows: Row[] = [];
    for (let i = from; i < to; i++)
      rows.push({ key: `/core/configmaps/${NAMESPACE}/${nameOf(i)}`, value: this.stored[i]! });
    return rows;
  }

  /** The same stored objects written straight into SQLite: one fsync per object, then batched. */
  private referenceWrites(): HubResults['create']['reference'] {
    const rows = this.rows(0, this.o.objects);
    this.progress.update('raw SQLite: one transaction per object…', true);
    const perWrite = timedInserts(join(this.work, 'reference-per-write.db'), rows, 1, 15);
    const batched = [this.o.concurrency, 1000].map((size) => {
      this.progress.update(`raw SQLite: ${size} objects per transaction…`, true);
      return timedInserts(join(this.work, `reference-batch-${size}.db`), rows, size, 30);
    });
    this.progress.done(
      `raw SQLite: ${formatInt(perWrite.perSecond)} obj/s with one fsync per object, ${batched.map((b) => `${formatInt(b.perSecond)} obj/s in batches of ${b.batchSize}`).join(', ')}`,
    );
    return { perWrite, batched };
  }

  /** Times the three list kinds at the namespace's current size (one warm-up request each, validated). */
  private async measureLists(size: number): Promise<ListKindResult[]> {
    const base = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
    let selected = 0;
    for (let i = 0; i < size; i++) if (i % SHARDS === SELECTED_SHARD) selected++;
    const kinds: {
      kind: ListKindResult['kind'];
      label: string;
      path: string;
      accept?: string;
      expect: number;
      count: (doc: ListDoc) => number;
    }[] = [
      { kind: 'json', label: 'JSON list', path: base, expect: size, count: (d) => d.items?.length ?? -1 },
      {
        kind: 'table',
        label: 'Table list (kubectl get)',
        path: base,
        accept: TABLE_ACCEPT,
        expect: size,
        count: (d) => d.rows?.length ?? -1,
      },
      {
        kind: 'selector',
        label: `label selector (1%)`,
        path: `${base}?labelSelector=${encodeURIComponent(`shard=${SELECTED_SHARD}`)}`,
        expect: selected,
        count: (d) => d.items?.length ?? -1,
      },
    ];
    const results: ListKindResult[] = [];
    const budgetMs = this.o.quick ? 8_000 : 40_000;
    for (const k of kinds) {
      this.progress.update(`list @${formatCount(size)}: ${k.label}, warm-up and check…`, true);
      const first = await this.client.send(k.path, { accept: k.accept, wantText: true });
      const got = k.count(JSON.parse(first.text!) as ListDoc);
      if (got !== k.expect)
        throw new Error(`${k.label} at ${size} objects returned ${got} entries, expected ${k.expect}`);
      const times: number[] = [];
      const deadline = performance.now() + budgetMs;
      for (let i = 0; i < this.o.listSamples && (i < 5 || performance.now() < deadline); i++) {
        const t0 = performance.now();
        await this.client.send(k.path, { accept: k.accept });
        times.push(performance.now() - t0);
        this.progress.update(
          `list @${formatCount(size)}: ${k.label} ${i + 1}/${this.o.listSamples} · last ${formatMs(times[times.length - 1]!)}`,
        );
      }
      const latencyMs = summarize(times);
      results.push({ kind: k.kind, label: k.label, items: got, bytes: first.bytes, latencyMs });
      this.progress.done(
        `list @${formatCount(size)}: ${k.label}: ${formatInt(got)} items, ${formatMiB(first.bytes)}, p50 ${formatMs(latencyMs.p50)}, p99 ${formatMs(latencyMs.p99)} (n=${latencyMs.n})`,
      );
    }
    return results;
  }

  private async watchFanout(): Promise<HubResults['watch']> {
    const o = this.o;
    let rv = '0';
    for (let i = 0; i < WATCH_OBJECTS; i++) {
      const res = await this.client.send(`/api/v1/namespaces/${WATCH_NAMESPACE}/configmaps`, {
        method: 'POST',
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `w-${i}`, labels: { app: 'minato-bench' } },
          data: { seq: '-1' },
        }),
        wantText: true,
      });
      rv = (JSON.parse(res.text!) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    }
    const fanout = new WatchFanout({
      client: this.client,
      creds: this.hub.credentials,
      namespace: WATCH_NAMESPACE,
      watchers: o.watchers,
      objects: WATCH_OBJECTS,
      resourceVersion: rv,
      onProgress: (text) => this.progress.update(text),
    });
    try {
      const hubRssBeforeBytes = this.rss();
      const connect = await this.phase(`open ${formatInt(o.watchers)} watches`, () => fanout.connect());
      const hubRssAfterConnectBytes = this.rss();
      this.progress.done(
        `opened ${formatInt(connect.connected)} watches in ${connect.seconds.toFixed(1)} s · hub RSS ${formatMiB(hubRssAfterConnectBytes)}`,
      );
      const runs: WatchRunSummary[] = [];
      for (const rate of o.rates) {
        const r = await this.phase(`watch @${rate}/s`, () => fanout.run(rate, o.updates));
        const hubCpuSeconds = this.phases[this.phases.length - 1]!.hubCpuSeconds;
        const ack = summarizeSorted(r.ackToEvent);
        const send = summarizeSorted(r.sendToEvent);
        this.progress.done(
          `watch @${rate}/s: ${formatInt(r.delivered)}/${formatInt(r.expected)} events, ${formatInt(r.eventsPerSecond)} events/s, ` +
            `sent → event p50 ${formatMs(send.p50)} p99 ${formatMs(send.p99)}, ack → event p50 ${formatMs(ack.p50)} p99 ${formatMs(ack.p99)}`,
        );
        runs.push({
          rate,
          updates: r.updates,
          achievedRate: r.achievedRate,
          expected: r.expected,
          delivered: r.delivered,
          unexpected: r.unexpected,
          broken: r.broken,
          deliverySeconds: r.deliverySeconds,
          eventsPerSecond: r.eventsPerSecond,
          hubCpuSeconds,
          hubCpuMicrosPerEvent: (hubCpuSeconds * 1e6) / Math.max(1, r.delivered),
          ackToEventMs: ack,
          sendToEventMs: send,
          fanoutCompleteMs: summarizeSorted(r.fanoutComplete),
          writeAckMs: summarizeSorted(r.writeAck),
          cdf: {
            sendToEvent: cdfPoints(r.sendToEvent),
            writeAck: cdfPoints(r.writeAck),
            fanoutComplete: cdfPoints(r.fanoutComplete),
          },
        });
      }
      return {
        watchers: connect.connected,
        connectSeconds: connect.seconds,
        hubRssBeforeBytes,
        hubRssAfterConnectBytes,
        runs,
      };
    } finally {
      fanout.close();
    }
  }

  /**
   * The hub's memory per watch connection, on the fresh hub where nothing else moves the heap: RSS
   * with no watches, with all of them open and idle (a second later), and after closing them.
   */
  private async watchMemory(): Promise<HubResults['watchMemory']> {
    const fanout = new WatchFanout({
      client: this.client,
      creds: this.hub.credentials,
      namespace: WATCH_NAMESPACE,
      watchers: this.o.watchers,
      objects: WATCH_OBJECTS,
      resourceVersion: '0',
      onProgress: (text) => this.progress.update(`idle watches: ${text}`),
    });
    const beforeBytes = this.rss();
    try {
      await fanout.connect();
      await new Promise((r) => setTimeout(r, 1000));
      const withWatchesBytes = this.rss();
      const watches = fanout.connected;
      this.progress.done(
        `${formatInt(watches)} idle watches: hub RSS ${formatMiB(beforeBytes)} → ${formatMiB(withWatchesBytes)} (${formatInt((withWatchesBytes - beforeBytes) / watches / 1024)} KiB per watch)`,
      );
      return {
        watches,
        beforeBytes,
        withWatchesBytes,
        perWatchBytes: (withWatchesBytes - beforeBytes) / watches,
      };
    } finally {
      fanout.close();
    }
  }

  /** Cuts the hub's CPU profile at our phase boundaries and keeps the file next to the results. */
  private summarizeProfile(dir: string): HubResults['profile'] {
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      note('no CPU profile was written (did the hub exit cleanly?)');
      return undefined;
    }
    mkdirSync(this.o.out, { recursive: true });
    const kept = join(this.o.out, 'hub.cpuprofile');
    copyFileSync(join(dir, file), kept);
    const profile = JSON.parse(readFileSync(kept, 'utf8')) as CpuProfile;
    const windows: Window[] = [
      { label: 'whole run', fromUs: profile.startTime, toUs: profile.endTime + 1 },
      ...this.phases.map((p) => ({ label: p.name, fromUs: p.fromUs, toUs: p.toUs })),
    ];
    return {
      file: kept.startsWith(REPO_ROOT) ? relative(REPO_ROOT, kept) : kept,
      phases: summarizeProfile(profile, windows, sourceMapResolver(REPO_ROOT), 40),
    };
  }
}

interface ListDoc {
  items?: unknown[];
  rows?: unknown[];
}

export async function run(argv: string[]): Promise<void> {
  const o = options(argv);
  if (await ensureFileLimit(o, argv)) return;
  mkdirSync(o.dir, { recursive: true });
  const work = mkdtempSync(join(o.dir, 'minato-bench-hub-'));
  const bench = new HubBenchmark(o, work);
  const cleanup = () => {
    bench.hubProcess?.killNow();
    if (!o.keepData) rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(
      `\n${signal}: stopping the hub (pid ${bench.hubProcess?.pid ?? '–'}) and cleaning up\n`,
    );
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanup);
  // A hub that got very slow must not keep the machine busy for hours.
  const watchdog = setTimeout(() => {
    process.stderr.write(
      `\nbench: the run took longer than --max-minutes ${o.maxMinutes}; stopping the hub and giving up\n`,
    );
    cleanup();
    process.exit(1);
  }, o.maxMinutes * 60_000);
  watchdog.unref();
  const command = `npm run bench -- hub${argv.length ? ` ${argv.join(' ')}` : ''}`;
  try {
    const results = await bench.run(command);
    mkdirSync(o.out, { recursive: true });
    const jsonPath = join(o.out, 'hub.json');
    const svgPath = join(o.out, 'hub.svg');
    writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(svgPath, renderSvg(results));
    process.stdout.write(`\n${renderText(results)}\n\n`);
    const shown = (path: string) =>
      path.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), path) : path;
    process.stdout.write(`wrote ${shown(jsonPath)} and ${shown(svgPath)}\n`);
    if (o.keepData) note(`hub data kept in ${work}`);
  } catch (err) {
    const hub = bench.hubProcess;
    if (hub && (await hub.exitsWithin(500))) {
      note(`the hub process exited during the run; its last output:\n${hub.output().slice(-3000)}`);
    }
    throw err;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
}
