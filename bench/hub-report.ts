/**
 * The hub benchmark's results: their shape (also the JSON file), the table printed on stdout and the
 * SVG picture. Everything here is computed from a run's figures; nothing is fixed in advance.
 */
import type { ProfileSummary } from './cpu-profile.js';
import type { MachineInfo } from './proc.js';
import type { InsertResult, ListReferenceResult } from './sqlite-reference.js';
import {
  formatCount,
  formatInt,
  formatMiB,
  formatMs,
  formatRatio,
  renderTable,
  type Summary,
} from './stats.js';
import { barPanel, notePanel, type Panel, svgDocument, xyPanel } from './svg.js';

export interface HubConfig {
  objects: number;
  concurrency: number;
  listSizes: number[];
  listSamples: number;
  watchers: number;
  updates: number;
  rates: number[];
  quick: boolean;
  profile: boolean;
}

export interface PhaseRecord {
  name: string;
  /** Seconds since the run started. */
  start: number;
  seconds: number;
  hubCpuSeconds: number;
  clientCpuSeconds: number;
  /** CPU used by every other process on the machine meanwhile (a busy machine skews the figures). */
  otherCpuSeconds: number;
  hubRssBytes: number;
  /** Monotonic microseconds, to cut the hub's CPU profile. */
  fromUs: number;
  toUs: number;
}

export interface ListKindResult {
  kind: 'json' | 'table' | 'selector';
  label: string;
  items: number;
  bytes: number;
  latencyMs: Summary;
}

export interface ListSizeResult {
  size: number;
  hubRssBytes: number;
  kinds: ListKindResult[];
  reference: ListReferenceResult;
}

export interface WatchRunSummary {
  rate: number;
  updates: number;
  achievedRate: number;
  expected: number;
  delivered: number;
  unexpected: number;
  broken: number;
  deliverySeconds: number;
  eventsPerSecond: number;
  hubCpuSeconds: number;
  /** Hub CPU time per delivered event (all of the phase's CPU divided by the events). */
  hubCpuMicrosPerEvent: number;
  ackToEventMs: Summary;
  sendToEventMs: Summary;
  fanoutCompleteMs: Summary;
  writeAckMs: Summary;
  /** CDF points for the picture. */
  cdf: { sendToEvent: [number, number][]; writeAck: [number, number][]; fanoutComplete: [number, number][] };
}

export interface HubResults {
  benchmark: 'hub';
  date: string;
  command: string;
  config: HubConfig;
  machine: MachineInfo & { filesystem: string; openFiles: { soft: number; hard: number } };
  hubCommand: string;
  create: {
    objects: number;
    concurrency: number;
    seconds: number;
    perSecond: number;
    latencyMs: Summary;
    segments: { from: number; to: number; seconds: number; perSecond: number }[];
    reference: { perWrite: InsertResult; batched: InsertResult[] };
  };
  list: ListSizeResult[];
  watch: {
    watchers: number;
    connectSeconds: number;
    hubRssBeforeBytes: number;
    hubRssAfterConnectBytes: number;
    runs: WatchRunSummary[];
  };
  /** Idle watch connections on the fresh hub, to see what each one costs in memory. */
  watchMemory: { watches: number; beforeBytes: number; withWatchesBytes: number; perWatchBytes: number };
  memory: {
    idleBytes: number;
    afterObjects: { objects: number; bytes: number }[];
    peakBytes: number;
    /** [seconds since start, RSS bytes] */
    timeline: [number, number][];
  };
  phases: PhaseRecord[];
  profile?: { file: string; phases: ProfileSummary[] };
}

const SLO_MUTATING_MS = 1000;
const SLO_LIST_NAMESPACED_MS = 5000;

/** "create: hub 4,812 obj/s · raw SQLite per-write fsync 1,020 obj/s (hub ×4.7, …)" */
export function createHeadline(r: HubResults): string {
  const hub = r.create.perSecond;
  const perWrite = r.create.reference.perWrite.perSecond;
  const ratio = hub / perWrite;
  const why =
    ratio >= 1
      ? 'thanks to group commit: many writes share one fsync'
      : 'slower than one fsync per write: the API costs more than the disk';
  const batched = r.create.reference.batched
    .map(
      (b) =>
        `batches of ${formatInt(b.batchSize)} ${formatInt(b.perSecond)} obj/s (hub ${formatRatio(hub / b.perSecond)})`,
    )
    .join(' · ');
  return `create: hub ${formatInt(hub)} obj/s · raw SQLite per-write fsync ${formatInt(perWrite)} obj/s (hub ${formatRatio(ratio)}, ${why}) · raw SQLite ${batched}`;
}

export function listHeadline(l: ListSizeResult): string {
  const json = l.kinds.find((k) => k.kind === 'json')!;
  const ref = l.reference.readParseStringify;
  const splice = l.reference.readSplice;
  return (
    `list ${formatCount(l.size)}: hub JSON p50 ${formatMs(json.latencyMs.p50)} over HTTPS · raw SQLite read + JSON.stringify p50 ${formatMs(ref.p50)} ` +
    `(hub ${formatRatio(json.latencyMs.p50 / ref.p50)} of that: it serves cached JSON from memory) · raw SQLite read + splice ${formatMs(splice.p50)} ` +
    `(hub ${formatRatio(json.latencyMs.p50 / splice.p50)}, the price of HTTP, TLS and ${formatMiB(json.bytes)} on the wire)`
  );
}

export function renderText(r: HubResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Minato hub benchmark — ${r.date}`);
  out.push(
    `  ${m.cpus} CPUs (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.platform}, kernel ${m.kernel}, Node ${m.node}, data on ${m.filesystem}`,
  );
  out.push(`  ${r.command}`);
  out.push('');

  const c = r.create;
  out.push(
    `Create: ${formatInt(c.objects)} ConfigMaps with ${c.concurrency} concurrent clients (POST, keep-alive HTTPS)`,
  );
  out.push(
    renderTable([
      ['', 'objects/s', 'p50', 'p99', 'max', 'objects'],
      [
        'hub',
        formatInt(c.perSecond),
        formatMs(c.latencyMs.p50),
        formatMs(c.latencyMs.p99),
        formatMs(c.latencyMs.max),
        formatInt(c.objects),
      ],
      [
        'raw SQLite, 1 transaction per object',
        formatInt(c.reference.perWrite.perSecond),
        '',
        '',
        '',
        formatInt(c.reference.perWrite.objects),
      ],
      ...c.reference.batched.map((b) => [
        `raw SQLite, ${formatInt(b.batchSize)} objects per transaction`,
        formatInt(b.perSecond),
        '',
        '',
        '',
        formatInt(b.objects),
      ]),
    ]),
  );
  for (const s of c.segments)
    out.push(`  growing ${formatCount(s.from)} → ${formatCount(s.to)}: ${formatInt(s.perSecond)} obj/s`);
  out.push(`  ${createHeadline(r)}`);
  out.push(
    `  SLO context: mutating API calls p99 ≤ 1 s → hub create p99 ${formatMs(c.latencyMs.p99)} (${c.latencyMs.p99 <= SLO_MUTATING_MS ? 'within' : 'OUTSIDE'})`,
  );
  out.push('');

  out.push('List: every ConfigMap of one namespace, full response read, one client');
  const rows: string[][] = [['objects', 'request', 'items', 'response', 'p50', 'p99', 'max', 'n']];
  for (const l of r.list) {
    for (const k of l.kinds) {
      rows.push([
        formatCount(l.size),
        k.label,
        formatInt(k.items),
        formatMiB(k.bytes),
        formatMs(k.latencyMs.p50),
        formatMs(k.latencyMs.p99),
        formatMs(k.latencyMs.max),
        String(k.latencyMs.n),
      ]);
    }
    const ref = l.reference;
    rows.push([
      formatCount(l.size),
      'raw SQLite: read + parse + JSON.stringify',
      formatInt(ref.rows),
      formatMiB(ref.bytes),
      formatMs(ref.readParseStringify.p50),
      formatMs(ref.readParseStringify.p99),
      formatMs(ref.readParseStringify.max),
      String(ref.readParseStringify.n),
    ]);
    rows.push([
      formatCount(l.size),
      'raw SQLite: read + splice JSON texts',
      formatInt(ref.rows),
      formatMiB(ref.bytes),
      formatMs(ref.readSplice.p50),
      formatMs(ref.readSplice.p99),
      formatMs(ref.readSplice.max),
      String(ref.readSplice.n),
    ]);
  }
  out.push(renderTable(rows));
  for (const l of r.list) out.push(`  ${listHeadline(l)}`);
  const worst = Math.max(...r.list.flatMap((l) => l.kinds.map((k) => k.latencyMs.p99)));
  out.push(
    `  SLO context: namespaced list p99 ≤ 5 s → worst hub list p99 here ${formatMs(worst)} (${worst <= SLO_LIST_NAMESPACED_MS ? 'within' : 'OUTSIDE'})`,
  );
  out.push('');

  const w = r.watch;
  out.push(
    `Watch fan-out: ${formatInt(w.watchers)} watches on one namespace, updates written at a steady rate`,
  );
  const wrows: string[][] = [['rate', 'delay', 'p50', 'p90', 'p99', 'max', 'n']];
  for (const run of w.runs) {
    const row = (label: string, s: Summary) => [
      `${formatInt(run.rate)}/s`,
      label,
      formatMs(s.p50),
      formatMs(s.p90),
      formatMs(s.p99),
      formatMs(s.max),
      formatInt(s.n),
    ];
    wrows.push(row('write acknowledged → event at a watcher', run.ackToEventMs));
    wrows.push(row('write sent → event at a watcher', run.sendToEventMs));
    wrows.push(row('write sent → last watcher has it', run.fanoutCompleteMs));
    wrows.push(row('write sent → acknowledged (PUT latency)', run.writeAckMs));
  }
  out.push(renderTable(wrows));
  for (const run of w.runs) {
    out.push(
      `  ${formatInt(run.rate)}/s (sent ${run.achievedRate.toFixed(1)}/s): delivered ${formatInt(run.delivered)}/${formatInt(run.expected)} events in ${run.deliverySeconds.toFixed(1)} s = ${formatInt(run.eventsPerSecond)} events/s · hub CPU ${run.hubCpuSeconds.toFixed(1)} s = ${run.hubCpuMicrosPerEvent.toFixed(1)} µs per event` +
        (run.unexpected ? ` · ${run.unexpected} other lines` : '') +
        (run.broken ? ` · ${run.broken} streams ended early` : ''),
    );
  }
  const wm = r.watchMemory;
  out.push(
    `  ${formatInt(w.watchers)} watches opened in ${w.connectSeconds.toFixed(1)} s · on the fresh hub, ${formatInt(wm.watches)} idle watches took RSS ${formatMiB(wm.beforeBytes)} → ${formatMiB(wm.withWatchesBytes)} (at most ${formatInt(wm.perWatchBytes / 1024)} KiB per watch: handshake garbage not yet collected is included)`,
  );
  out.push(
    '  negative "acknowledged → event" means the event reached the watcher before the writer had its answer: the hub tells watchers first.',
  );
  out.push('');

  out.push('Hub memory (RSS, read from /proc)');
  out.push(
    renderTable([
      ['idle after start', formatMiB(r.memory.idleBytes)],
      [
        `with ${formatInt(r.watchMemory.watches)} idle watches (fresh hub)`,
        formatMiB(r.watchMemory.withWatchesBytes),
      ],
      ...r.memory.afterObjects.map((a) => [`after ${formatCount(a.objects)} objects`, formatMiB(a.bytes)]),
      ['peak (VmHWM)', formatMiB(r.memory.peakBytes)],
    ]),
  );
  out.push('');
  out.push(
    'Phases: wall time, hub CPU (user+system, all threads), benchmark client CPU, CPU of other processes, hub RSS at the end',
  );
  const seconds = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} s` : '–');
  out.push(
    renderTable([
      ['phase', 'wall', 'hub CPU', 'hub CPU %', 'client CPU', 'others CPU', 'hub RSS'],
      ...r.phases.map((p) => [
        p.name,
        seconds(p.seconds),
        seconds(p.hubCpuSeconds),
        Number.isFinite(p.hubCpuSeconds) && p.seconds > 0
          ? `${Math.round((100 * p.hubCpuSeconds) / p.seconds)}%`
          : '–',
        seconds(p.clientCpuSeconds),
        seconds(p.otherCpuSeconds),
        formatMiB(p.hubRssBytes),
      ]),
    ]),
  );
  const shared = sharedMachine(r);
  if (shared) out.push(`  WARNING: ${shared}`);
  if (r.profile) {
    out.push('');
    out.push(`Hub CPU profile (${r.profile.file}), per phase:`);
    out.push('  "on-thread" is time the hub\'s main thread was not idle: running JavaScript or blocked in a');
    out.push('  synchronous call (SQLite commits and their fsync run on the main thread).');
    for (const p of r.profile.phases) {
      if (p.busyMs < 200) continue;
      out.push(
        `  ${p.label}: ${(p.busyMs / 1000).toFixed(1)} s on-thread of ${(p.wallMs / 1000).toFixed(1)} s`,
      );
      out.push('    self time:');
      for (const f of p.self.slice(0, 8)) out.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
      const ours = p.inclusive.filter((f) => f.name.includes(' src/')).slice(0, 6);
      if (ours.length > 0) out.push('    including callees, Minato code:');
      for (const f of ours) out.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
    }
  }
  return out.join('\n');
}

const P50 = '#2f6db3';
const P99 = '#e07b39';
const REF = '#8a8a8a';

export function renderSvg(r: HubResults): string {
  const panels: Panel[] = [];
  const c = r.create;
  panels.push(
    barPanel({
      title: `Create throughput: ${formatInt(c.objects)} ConfigMaps, ${c.concurrency} clients (objects/s, log scale)`,
      log: true,
      format: (v) => formatInt(v),
      groups: [
        {
          label: 'objects per second',
          bars: [
            { label: 'hub (HTTPS API)', value: c.perSecond, color: P50 },
            { label: 'raw SQLite, fsync per object', value: c.reference.perWrite.perSecond, color: REF },
            ...c.reference.batched.map((b) => ({
              label: `raw SQLite, ${formatInt(b.batchSize)} per transaction`,
              value: b.perSecond,
              color: REF,
            })),
          ],
        },
      ],
    }),
  );
  for (const l of r.list) {
    panels.push(
      barPanel({
        title: `List latency with ${formatCount(l.size)} ConfigMaps in the namespace (ms, full response read)`,
        format: (v) => formatMs(v),
        markers: [{ value: SLO_LIST_NAMESPACED_MS, label: 'SLO p99 5 s' }],
        groups: [
          ...l.kinds.map((k) => ({
            label: `${k.label} — ${formatInt(k.items)} items, ${formatMiB(k.bytes)}`,
            bars: [
              { label: 'p50', value: k.latencyMs.p50, color: P50 },
              { label: 'p99', value: k.latencyMs.p99, color: P99 },
            ],
          })),
          {
            label: 'raw SQLite read + JSON.parse + JSON.stringify (no HTTP)',
            bars: [
              { label: 'p50', value: l.reference.readParseStringify.p50, color: REF },
              { label: 'p99', value: l.reference.readParseStringify.p99, color: REF },
            ],
          },
        ],
      }),
    );
  }
  const w = r.watch;
  const colors = ['#2f6db3', '#e07b39', '#4f9d57', '#b04f8c'];
  panels.push(
    xyPanel({
      title: `Watch delay CDF: ${formatInt(w.watchers)} watches on one namespace, updates at a steady rate`,
      xLabel: 'milliseconds after the write was sent (log scale)',
      logX: true,
      yMax: 1,
      formatX: (v) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`),
      formatY: (v) => `${Math.round(v * 100)}%`,
      guidesY: [
        { value: 0.5, label: 'p50' },
        { value: 0.99, label: 'p99' },
      ],
      series: w.runs.flatMap((run, i) => [
        {
          label: `${run.rate} updates/s: event at a watcher (${formatInt(run.eventsPerSecond)} events/s)`,
          points: run.cdf.sendToEvent,
          color: colors[i % colors.length],
        },
        {
          label: `${run.rate} updates/s: write acknowledged`,
          points: run.cdf.writeAck,
          color: lighten(colors[i % colors.length]!),
        },
      ]),
    }),
  );
  // Label the phases long enough to have room; shorter ones get a line only.
  const total = r.phases.reduce((n, p) => Math.max(n, p.start + p.seconds), 1);
  const marks = r.phases
    .filter((p) => p.seconds > 0.5)
    .map((p) => ({ value: p.start, label: p.seconds / total >= 0.04 ? p.name : '' }));
  panels.push(
    xyPanel({
      title: `Hub RSS over the run (peak ${formatMiB(r.memory.peakBytes)})`,
      xLabel: 'seconds since the hub started',
      yLabel: 'MiB',
      formatX: (v) => `${Math.round(v)}`,
      formatY: (v) => `${Math.round(v)}`,
      series: [
        {
          label: 'hub RSS (MiB)',
          points: r.memory.timeline.map(([t, b]) => [t, b / 1024 / 1024]),
          color: P50,
        },
      ],
      markersX: marks,
    }),
  );
  panels.push(
    notePanel([
      createHeadline(r),
      ...r.list.map(listHeadline),
      `Kubernetes SLOs for context: mutating API call p99 ≤ 1 s; namespaced list p99 ≤ 5 s (30 s cluster-wide).`,
      ...(sharedMachine(r) ? [`WARNING: ${sharedMachine(r)}`] : []),
    ]),
  );
  const m = r.machine;
  return svgDocument(
    'Minato hub benchmark',
    `${r.date} · ${m.cpus} CPUs (${m.cpuModel}) · Node ${m.node} · data on ${m.filesystem} · ${r.command}`,
    panels,
  );
}

/** A lighter tint of a #rrggbb colour, for a companion series. */
function lighten(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * 0.55);
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(mix);
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A warning when other processes used a noticeable share of the machine during the run, since the
 * hub and the client then competed for the same cores; undefined when the machine was quiet.
 */
export function sharedMachine(r: HubResults): string | undefined {
  const measured = r.phases.filter((p) => Number.isFinite(p.otherCpuSeconds));
  const wall = measured.reduce((n, p) => n + p.seconds, 0);
  const other = measured.reduce((n, p) => n + p.otherCpuSeconds, 0);
  if (wall <= 0 || other / wall < 0.1) return undefined;
  return `other processes used ${other.toFixed(1)} CPU-seconds during ${wall.toFixed(0)} s of phases (${((100 * other) / wall).toFixed(0)}% of one core on average); the figures are lower than this machine can do when quiet.`;
}
