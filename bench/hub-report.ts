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
  rate: number;
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
    updates: number;
    rate: number;
    achievedRate: number;
    connectSeconds: number;
    hubRssBeforeBytes: number;
    hubRssAfterConnectBytes: number;
    expected: number;
    delivered: number;
    unexpected: number;
    broken: number;
    deliverySeconds: number;
    eventsPerSecond: number;
    ackToEventMs: Summary;
    sendToEventMs: Summary;
    fanoutCompleteMs: Summary;
    writeAckMs: Summary;
    /** CDF points for the picture. */
    cdf: {
      sendToEvent: [number, number][];
      fanoutComplete: [number, number][];
      ackToEvent: [number, number][];
    };
  };
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
  return `list ${formatCount(l.size)}: hub JSON p50 ${formatMs(json.latencyMs.p50)} · raw SQLite read + JSON.stringify p50 ${formatMs(ref.p50)} (hub ${formatRatio(json.latencyMs.p50 / ref.p50)} the time, and it also sends ${formatMiB(json.bytes)} over TLS)`;
}

export function renderText(r: HubResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Minato hub benchmark — ${r.date}`);
  out.push(
    `  ${m.cpus} CPUs (${m.cpuModel}), ${formatMiB(m.memoryBytes)} RAM, ${m.platform}, kernel ${m.kernel}, Node ${m.node}, data on ${m.filesystem}`,
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
    `Watch fan-out: ${formatInt(w.watchers)} watches on one namespace, ${formatInt(w.updates)} updates at ${formatInt(w.rate)}/s (achieved ${w.achievedRate.toFixed(1)}/s)`,
  );
  out.push(
    renderTable([
      ['', 'p50', 'p90', 'p99', 'max', 'n'],
      [
        'write ack → event at watcher',
        formatMs(w.ackToEventMs.p50),
        formatMs(w.ackToEventMs.p90),
        formatMs(w.ackToEventMs.p99),
        formatMs(w.ackToEventMs.max),
        formatInt(w.ackToEventMs.n),
      ],
      [
        'write sent → event at watcher',
        formatMs(w.sendToEventMs.p50),
        formatMs(w.sendToEventMs.p90),
        formatMs(w.sendToEventMs.p99),
        formatMs(w.sendToEventMs.max),
        formatInt(w.sendToEventMs.n),
      ],
      [
        'write sent → last watcher has it',
        formatMs(w.fanoutCompleteMs.p50),
        formatMs(w.fanoutCompleteMs.p90),
        formatMs(w.fanoutCompleteMs.p99),
        formatMs(w.fanoutCompleteMs.max),
        formatInt(w.fanoutCompleteMs.n),
      ],
      [
        'update request (PUT) latency',
        formatMs(w.writeAckMs.p50),
        formatMs(w.writeAckMs.p90),
        formatMs(w.writeAckMs.p99),
        formatMs(w.writeAckMs.max),
        formatInt(w.writeAckMs.n),
      ],
    ]),
  );
  out.push(
    `  delivered ${formatInt(w.delivered)}/${formatInt(w.expected)} events in ${w.deliverySeconds.toFixed(1)} s = ${formatInt(w.eventsPerSecond)} events/s` +
      (w.unexpected ? ` · ${w.unexpected} other lines` : '') +
      (w.broken ? ` · ${w.broken} streams ended early` : ''),
  );
  out.push(
    `  ${formatInt(w.watchers)} watches opened in ${w.connectSeconds.toFixed(1)} s · hub RSS ${formatMiB(w.hubRssBeforeBytes)} → ${formatMiB(w.hubRssAfterConnectBytes)} (${formatInt((w.hubRssAfterConnectBytes - w.hubRssBeforeBytes) / w.watchers / 1024)} KiB per watch)`,
  );
  out.push('');

  out.push('Hub memory (RSS, read from /proc)');
  out.push(
    renderTable([
      ['idle after start', formatMiB(r.memory.idleBytes)],
      ...r.memory.afterObjects.map((a) => [`after ${formatCount(a.objects)} objects`, formatMiB(a.bytes)]),
      ['peak (VmHWM)', formatMiB(r.memory.peakBytes)],
    ]),
  );
  out.push('');
  out.push('Phases: wall time, hub CPU (user+system), benchmark client CPU, hub RSS at the end');
  out.push(
    renderTable([
      ['phase', 'wall', 'hub CPU', 'hub CPU %', 'client CPU', 'hub RSS'],
      ...r.phases.map((p) => [
        p.name,
        `${p.seconds.toFixed(1)} s`,
        Number.isFinite(p.hubCpuSeconds) ? `${p.hubCpuSeconds.toFixed(1)} s` : '–',
        Number.isFinite(p.hubCpuSeconds) && p.seconds > 0 ? `${Math.round((100 * p.hubCpuSeconds) / p.seconds)}%` : '–',
        `${p.clientCpuSeconds.toFixed(1)} s`,
        formatMiB(p.hubRssBytes),
      ]),
    ]),
  );
  if (r.profile) {
    out.push('');
    out.push(`Hub CPU profile (${r.profile.file}): top functions by self time per phase`);
    for (const p of r.profile.phases) {
      if (p.busyMs < 200) continue;
      out.push(`  ${p.label}: ${(p.busyMs / 1000).toFixed(1)} s busy`);
      for (const f of p.self.slice(0, 8)) out.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
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
  panels.push(
    xyPanel({
      title: `Watch delay CDF: ${formatInt(w.watchers)} watches, ${formatInt(w.updates)} updates at ${formatInt(w.rate)}/s (${formatInt(w.eventsPerSecond)} events/s delivered)`,
      xLabel: 'delay (ms, log scale)',
      logX: true,
      yMax: 1,
      formatX: (v) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`),
      formatY: (v) => `${Math.round(v * 100)}%`,
      guidesY: [
        { value: 0.5, label: 'p50' },
        { value: 0.99, label: 'p99' },
      ],
      series: [
        { label: 'write sent → event at a watcher', points: w.cdf.sendToEvent, color: P50 },
        {
          label: 'write ack → event (positive part)',
          points: w.cdf.ackToEvent.filter((p) => p[0] > 0),
          color: '#4f9d57',
        },
        { label: 'write sent → last watcher has it', points: w.cdf.fanoutComplete, color: P99 },
      ],
    }),
  );
  const marks = r.phases.filter((p) => p.seconds > 0.5).map((p) => ({ value: p.start, label: p.name }));
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
    ]),
  );
  const m = r.machine;
  return svgDocument(
    'Minato hub benchmark',
    `${r.date} · ${m.cpus} CPUs (${m.cpuModel}) · Node ${m.node} · data on ${m.filesystem} · ${r.command}`,
    panels,
  );
}
