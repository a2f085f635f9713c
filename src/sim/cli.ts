/**
 * `minato sim`: a fleet of simulated devices on this machine, each running the real agent over its
 * own simulated radio link, moving as a scenario says. Runs until Ctrl-C (or --duration).
 */
import { join, resolve } from 'node:path';
import { parseDuration } from '../agent/node/departure.js';
import { isApiError } from '../api/errors.js';
import { type FlagSpec, parseFlags, UsageError } from '../cli/args.js';
import { claimSimDir, removeStaleDevices, resolveHubAccess, writeMap } from './hub-access.js';
import type { FleetEvent } from './protocol.js';
import { builtinScenarioNames, devicesOf, loadScenario } from './scenario.js';
import { type RunningSim, startSim } from './supervisor.js';

export const SIM_FLAGS: FlagSpec = {
  scenario: {
    type: 'string',
    default: 'city',
    help: `a scenario file, or a shipped one: ${builtinScenarioNames().join(', ')}`,
  },
  nodes: { type: 'number', help: "devices in total (the scenario's groups scaled in proportion)" },
  speed: { type: 'string', default: '1', help: 'simulated seconds per real second (e.g. 4)' },
  seed: { type: 'number', help: "seed of every random choice (default: the scenario's)" },
  'data-dir': {
    type: 'string',
    help: 'the hub data dir on this machine (its admin kubeconfig): joins, map (default ./.minato without --server)',
  },
  server: { type: 'string', help: 'the hub, https://HOST:PORT (instead of --data-dir)' },
  token: { type: 'string', help: 'bootstrap token (with --server)' },
  'ca-cert-hash': { type: 'string', help: "sha256:<hex> pin of the hub's CA (with --server)" },
  'sim-dir': { type: 'string', help: 'device data dirs and logs (default HUBDIR/sim, or ./.minato-sim)' },
  processes: {
    type: 'number',
    help: 'fleet processes (default: 0 = this process up to 50 devices, then one per 250)',
  },
  'lease-interval': { type: 'string', default: '2s', help: "each agent's lease renewal interval" },
  'local-api': {
    type: 'string',
    default: 'off',
    help: "on: each agent's local API on its own 127.100.x.y:10250",
  },
  tunnel: { type: 'string', default: 'on', help: 'off: no log tunnel per device (kubectl logs then fails)' },
  'link-shaping': {
    type: 'string',
    default: 'on',
    help: 'off: links are only up or down (no latency, loss or bandwidth limit from distance)',
  },
  'position-interval': {
    type: 'string',
    default: '1s',
    help: 'least time between position updates of a device',
  },
  'join-concurrency': { type: 'number', default: 8, help: 'agents joining at once per process' },
  duration: { type: 'string', help: 'stop after this long (default: until Ctrl-C)' },
  quiet: { type: 'boolean', default: false, help: 'only the periodic summary, no per-device lines' },
};

function onOff(flag: string, value: string): boolean {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new UsageError(`--${flag} must be on or off, got "${value}"`);
}

function duration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`--${flag}: "${value}" is not a duration; use e.g. 500ms, 2s or 5m`);
  }
}

export async function simCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, SIM_FLAGS);
  const speed = Number(flags.speed);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1000)
    throw new UsageError(`--speed must be a number above 0 (up to 1000), got "${flags.speed}"`);
  const leaseIntervalMs = duration('lease-interval', String(flags['lease-interval']));
  if (leaseIntervalMs < 100) throw new UsageError('--lease-interval must be at least 100ms');
  // The hub on this machine by default (as `minato up` does), unless another hub is named.
  const dataDirFlag = flags['data-dir'] ?? (flags.server === undefined ? './.minato' : undefined);
  const dataDir = dataDirFlag === undefined ? undefined : resolve(String(dataDirFlag));
  let scenario: ReturnType<typeof loadScenario>;
  try {
    scenario = loadScenario(String(flags.scenario));
  } catch (err) {
    if (isApiError(err)) throw new UsageError(describeScenarioError(err));
    throw err;
  }
  const nodes = flags.nodes === undefined ? undefined : Number(flags.nodes);
  const names = devicesOf(scenario, nodes).map((d) => d.name);
  if (names.length === 0) throw new UsageError('the fleet has no devices: use --nodes N with N ≥ 1');

  const access = await resolveHubAccess({
    server: flags.server === undefined ? undefined : String(flags.server),
    token: flags.token === undefined ? undefined : String(flags.token),
    caCertHash: flags['ca-cert-hash'] === undefined ? undefined : String(flags['ca-cert-hash']),
    dataDir,
  });
  const simDir = resolve(String(flags['sim-dir'] ?? (dataDir ? join(dataDir, 'sim') : './.minato-sim')));
  if (claimSimDir(simDir, access.caCertHash))
    console.log(`sim: ${simDir} belonged to another hub; its devices join afresh`);
  const quiet = Boolean(flags.quiet) || names.length > 50;
  if (access.admin) {
    await writeMap(access.admin, scenario);
    const removed = await removeStaleDevices(access.admin, new Set(names));
    if (removed.length > 0) console.log(`sim: removed ${removed.length} simulated node(s) of an earlier run`);
  }
  const processes =
    flags.processes === undefined
      ? names.length <= 50
        ? 0
        : Math.ceil(names.length / 250)
      : Number(flags.processes);
  const seed = flags.seed === undefined ? scenario.seed : Number(flags.seed);
  console.log(
    `sim: scenario "${scenario.name}" (${scenario.source}), ${names.length} devices, seed ${seed}, speed ×${speed}, ` +
      `${processes === 0 ? 'in one process' : `${processes} fleet processes`}; device logs in ${join(simDir, 'logs')}`,
  );
  if (access.admin)
    console.log(
      'sim: the map is in ConfigMap kube-public/minato-map; positions in Node annotation minato.dev/position',
    );

  let lastSummary = 0;
  const coverage = new Map<string, boolean>();
  const sim: RunningSim = await startSim({
    scenario: String(flags.scenario),
    seed,
    nodes,
    speed,
    hub: { host: access.host, port: access.port },
    join: { token: access.token, caCertHash: access.caCertHash },
    simDir,
    agent: {
      leaseIntervalMs,
      localApi: onOff('local-api', String(flags['local-api'])),
      tunnel: onOff('tunnel', String(flags.tunnel)),
    },
    positionIntervalMs: duration('position-interval', String(flags['position-interval'])),
    joinConcurrency: Math.max(1, Number(flags['join-concurrency'])),
    reportIntervalMs: 1000,
    linkShaping: onOff('link-shaping', String(flags['link-shaping'])),
    processes,
    onReport: (report, s) => {
      if (!quiet)
        for (const e of report.events) {
          const line = describeEvent(e);
          if (line) console.log(`sim: ${line}`);
        }
      for (const e of report.events) if (e.type === 'coverage') coverage.set(e.device, e.up);
      if (report.wall - lastSummary >= 10_000) {
        lastSummary = report.wall;
        const out = [...coverage].filter(([, up]) => !up).map(([name]) => name);
        const shown =
          out.length === 0 ? '' : ` (out: ${out.slice(0, 8).join(', ')}${out.length > 8 ? ', …' : ''})`;
        console.log(
          `sim t=${Math.round(s.t)}s: ${s.inRange}/${s.devices} in coverage${shown}, ${s.online} online, ${s.joined} joined`,
        );
      }
    },
    onWorkerExit: (w, code, signal) =>
      console.error(`sim: fleet process ${w} ended unexpectedly (code ${code}, signal ${signal})`),
  });

  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`sim: ${why}: stopping ${names.length} agents and their links…`);
    await sim.stop();
    console.log('sim: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  if (flags.duration !== undefined) {
    const ms = duration('duration', String(flags.duration));
    setTimeout(() => void shutdown(`ran for ${flags.duration}`), ms);
  }
}

function describeEvent(e: FleetEvent): string | undefined {
  switch (e.type) {
    case 'coverage':
      if (e.initial) return e.up ? undefined : `${e.device} starts out of coverage (t=${e.t.toFixed(0)}s)`;
      return e.up
        ? `${e.device} entered coverage of ${e.station} (t=${e.t.toFixed(1)}s)`
        : `${e.device} left coverage${e.station ? ` of ${e.station}` : ''} (t=${e.t.toFixed(1)}s)`;
    case 'joined':
      return `${e.device} joined the hub in ${(e.ms / 1000).toFixed(1)} s`;
    case 'online':
      return `${e.device} is back online${e.downForMs === undefined ? '' : ` after ${(e.downForMs / 1000).toFixed(1)} s`}`;
    case 'offline':
      return undefined;
    case 'error':
      return `${e.device}: ${e.message}`;
  }
}

/** One line per cause, with the field and line, for a terminal. */
export function describeScenarioError(err: {
  message: string;
  details?: { causes?: { field?: string; message?: string }[] };
}): string {
  const causes = err.details?.causes ?? [];
  if (causes.length <= 1) return err.message;
  return `${err.message.split(':')[0]}:\n${causes.map((c) => `  ${c.field ? `${c.field}: ` : ''}${c.message}`).join('\n')}`;
}
