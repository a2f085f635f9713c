#!/usr/bin/env node
/** The `minato` command. */
import { resolve } from 'node:path';
import { AGENT_FLAGS, agentCommand } from '../agent/cli.js';
import { DASHBOARD_FLAGS, dashboardCommand } from '../dashboard/cli.js';
import { startHub } from '../hub/hub.js';
import { ensureClusterInfo } from '../init/cluster-info.js';
import { ensureJoinToken, validJoinTokens } from '../init/join-token.js';
import { serverUrl } from '../init/phases.js';
import { type FlagSpec, parseFlags, UsageError, usage } from './args.js';
import { certsCommand } from './certs.js';
import { encryptionCommand } from './encryption.js';
import { INIT_FLAGS, initCommand, resolveHubConfig } from './init.js';
import { nodeCommand } from './node.js';
import { TOKEN_FLAGS, tokenCommand } from './token.js';

const UP_FLAGS: FlagSpec = {
  'data-dir': {
    type: 'string',
    default: './.minato',
    help: 'where state, certificates and the admin kubeconfig live',
  },
  port: {
    type: 'number',
    max: 65535,
    help: 'HTTPS port of the Kubernetes API (default 6443, or what init saved)',
  },
  host: { type: 'string', help: 'address to listen on (default 0.0.0.0, or what init saved)' },
  advertise: {
    type: 'string',
    help: 'host names or IPs devices use to reach the hub (serving certificate SANs), comma-separated',
  },
  'watch-history': {
    type: 'number',
    default: 10_000,
    help: 'watch events kept so clients can resume; older resourceVersions get 410 Expired',
  },
};

async function up(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, UP_FLAGS);
  const dataDir = resolve(String(flags['data-dir']));
  const config = resolveHubConfig(flags, dataDir);
  const hub = await startHub({
    dataDir,
    port: config.port,
    host: config.host,
    advertise: config.advertise,
    watchHistory: Number(flags['watch-history']),
    log: (line) => console.log(line),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      throw new UsageError(
        `port ${config.port} is already in use: stop the other process or pick another with --port`,
      );
    }
    if (err.code === 'EACCES')
      throw new UsageError(`cannot listen on port ${config.port}: choose a port above 1023 with --port`);
    throw err;
  });
  console.log(`minato hub is up at ${hub.url} (data in ${dataDir})`);
  const joinToken = await ensureJoinToken(hub.objects);
  const server = serverUrl({ ...config, port: hub.port });
  await ensureClusterInfo(hub.objects, server, hub.caPem, validJoinTokens(hub.objects));
  console.log(
    `join a device:       minato agent --server ${server} --token ${joinToken} --ca-cert-hash ${hub.caCertHash}`,
  );
  console.log(
    `point kubectl at it:  export KUBECONFIG=${hub.kubeconfigPath}   then try: kubectl get namespaces`,
  );
  console.log(`dashboard: ${hub.url}/dashboard/ (sign in with: minato dashboard token)`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the hub…`);
    await hub.stop();
    process.exit(0);
  };
  process.on(
    'SIGHUP',
    () =>
      void hub
        .reloadCertificates()
        .catch((err) => console.error(`minato: certificate reload failed: ${err.message}`)),
  );
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; help: string; flags?: FlagSpec }> = {
  up: {
    run: up,
    help: 'start the hub (Kubernetes API on SQLite) with the embedded defaults',
    flags: UP_FLAGS,
  },
  init: {
    run: initCommand,
    flags: INIT_FLAGS,
    help: 'prepare a data dir in named phases (kubeadm style); init phase NAME runs one; --dry-run',
  },
  token: {
    run: tokenCommand,
    help: 'create, list or delete bootstrap tokens for joining devices',
    flags: TOKEN_FLAGS,
  },
  agent: {
    run: agentCommand,
    flags: AGENT_FLAGS,
    help: 'run this device as a node: join the hub, run its pods, keep them running offline',
  },
  certs: {
    run: certsCommand,
    help: 'renew: reissue the serving and admin certificates (hub reloads on SIGHUP)',
  },
  encryption: {
    run: encryptionCommand,
    help: 'rotate-key: a new key for Secrets at rest (re-encrypted on the next start)',
  },
  node: {
    run: nodeCommand,
    help: 'depart NAME [--in 30s] | return NAME: drain a device gracefully before it leaves',
  },
  dashboard: {
    run: dashboardCommand,
    flags: DASHBOARD_FLAGS,
    help: 'token: print a Bearer token to sign in to the web dashboard (/dashboard/)',
  },
};

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help') {
    console.log(
      `usage: minato <command> [flags]\n\n${Object.entries(COMMANDS)
        .map(([c, s]) => `  ${c.padEnd(8)} ${s.help}`)
        .join('\n')}`,
    );
    return;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`unknown command "${command}"; run "minato help" for the list`);
  if (rest.includes('--help')) {
    console.log(entry.flags ? usage(command, entry.flags) : `usage: minato ${command}: ${entry.help}`);
    return;
  }
  await entry.run(rest);
}

main().catch((err: unknown) => {
  if (err instanceof Error && err.name === 'UsageError') {
    console.error(`minato: ${err.message}`);
    process.exit(2);
  }
  console.error('minato: failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
