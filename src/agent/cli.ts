/**
 * `minato agent`: flags → AgentOptions, then run until SIGINT/SIGTERM. Problems the operator must
 * fix are printed as "minato agent: <what and how to fix it>" with exit code 1.
 */
import { hostname } from 'node:os';
import { type FlagSpec, parseFlags, UsageError } from '../cli/args.js';
import { type AgentOptions, runAgent } from './agent.js';
import { AgentError, isAgentError } from './errors.js';
import { parseDuration } from './node/departure.js';
import { DEVICE_CLASSES, type DeviceClass } from './node/node-object.js';

export const AGENT_FLAGS: FlagSpec = {
  server: { type: 'string', help: 'the hub, https://HOST:PORT (printed by "minato up")' },
  token: { type: 'string', help: 'bootstrap token abcdef.0123456789abcdef (only needed to join)' },
  'ca-cert-hash': { type: 'string', help: "sha256:<hex> pin of the hub's CA (only needed to join)" },
  name: { type: 'string', help: 'node name (default: this host name)' },
  'data-dir': { type: 'string', default: './.minato-agent', help: 'identity, local state, modules and logs' },
  labels: { type: 'string', default: '', help: 'extra node labels, k=v,k2=v2' },
  'device-class': { type: 'string', default: '', help: `one of ${DEVICE_CLASSES.join('|')}` },
  'lease-interval': {
    type: 'string',
    default: '2s',
    help: 'lease renewal interval; the lease lasts 4 intervals',
  },
  'local-api': {
    type: 'string',
    default: '127.0.0.1:10250',
    help: 'loopback HOST:PORT of the local API, or "off"',
  },
  'node-ip': { type: 'string', default: '', help: 'address reported as InternalIP (default: detected)' },
};

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AgentError(`--labels: "${pair}" must be key=value`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!LABEL_KEY.test(key)) throw new AgentError(`--labels: "${key}" is not a valid label key`);
    if (!LABEL_VALUE.test(value) || value.length > 63)
      throw new AgentError(`--labels: "${value}" is not a valid label value`);
    labels[key] = value;
  }
  return labels;
}

/** Turns parsed flags into AgentOptions, or throws an AgentError naming the bad flag. */
export function agentOptionsFromFlags(flags: Record<string, string | number | boolean>): AgentOptions {
  const server = String(flags.server ?? '');
  if (!server)
    throw new AgentError(
      '--server is required, e.g. --server https://192.168.1.10:6443 (printed by "minato up")',
    );
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new AgentError(`--server "${server}" is not a URL; use https://HOST:PORT`);
  }
  if (url.protocol !== 'https:') throw new AgentError(`--server must be an https:// URL, got "${server}"`);
  const deviceClass = String(flags['device-class'] ?? '');
  if (deviceClass && !DEVICE_CLASSES.includes(deviceClass as DeviceClass)) {
    throw new AgentError(`--device-class must be one of ${DEVICE_CLASSES.join(', ')}, got "${deviceClass}"`);
  }
  const name = String(flags.name ?? '') || hostname().toLowerCase();
  const leaseIntervalMs = parseDuration(String(flags['lease-interval'] ?? '2s'));
  return {
    server: url.origin,
    token: flags.token ? String(flags.token) : undefined,
    caCertHash: flags['ca-cert-hash'] ? String(flags['ca-cert-hash']) : undefined,
    nodeName: name,
    dataDir: String(flags['data-dir'] ?? './.minato-agent'),
    labels: parseLabels(String(flags.labels ?? '')),
    ...(deviceClass ? { deviceClass: deviceClass as DeviceClass } : {}),
    leaseIntervalMs,
    localApi: String(flags['local-api'] ?? '127.0.0.1:10250'),
    ...(flags['node-ip'] ? { nodeIP: String(flags['node-ip']) } : {}),
  };
}

/** The `minato agent` command. */
export async function agentCommand(argv: string[]): Promise<void> {
  let agent: Awaited<ReturnType<typeof runAgent>>;
  try {
    const options = agentOptionsFromFlags(parseFlags(argv, AGENT_FLAGS));
    agent = await runAgent({ ...options, log: (line) => console.log(line) });
  } catch (err) {
    if (isAgentError(err) || (err instanceof Error && err.name === 'UsageError')) {
      console.error(`minato agent: ${err.message}`);
      process.exit(err instanceof UsageError ? 2 : 1);
    }
    throw err;
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the agent (pods stop now and resume at the next start)…`);
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
