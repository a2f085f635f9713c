/** `minato up`: start the hub on the embedded defaults (or what `minato init` saved). */
import { resolve } from 'node:path';
import { startHub } from '../hub/hub.js';
import { ensureClusterInfo } from '../init/cluster-info.js';
import { ensureJoinToken, validJoinTokens } from '../init/join-token.js';
import { serverUrl } from '../init/phases.js';
import { type FlagSpec, parseFlags, UsageError } from './args.js';
import { resolveHubConfig } from './init.js';
import { parseDuration } from './token.js';

export const UP_FLAGS: FlagSpec = {
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
  'node-cert-ttl': {
    type: 'string',
    help: 'lifetime of device client certificates, e.g. 90d (default 1 year; devices renew at 80%)',
  },
  'node-grace': {
    type: 'number',
    help: "seconds without a lease renewal before a device is out of range (default: the lease's own duration)",
  },
  'relocate-after': {
    type: 'number',
    help: 'seconds out of range before relocatable pods without their own toleration move (default 30)',
  },
  'heartbeat-budget': {
    type: 'number',
    default: 1000,
    help: 'lease renewals per second the hub paces its fleet to (every ⌈devices/budget⌉ s, at most 10 s; 0 never paces)',
  },
  sim: {
    type: 'number',
    default: 0,
    help: 'also run N simulated devices (real agents moving in and out of coverage) with the example apps',
  },
  scenario: {
    type: 'string',
    default: 'city',
    help: 'the scenario of --sim: city, drone-delivery, warehouse, or a file',
  },
};

export async function upCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, UP_FLAGS);
  const dataDir = resolve(String(flags['data-dir']));
  const config = resolveHubConfig(flags, dataDir);
  const hub = await startHub({
    dataDir,
    port: config.port,
    host: config.host,
    advertise: config.advertise,
    watchHistory: Number(flags['watch-history']),
    heartbeatPace: {
      budgetPerSecond: Number(flags['heartbeat-budget']) || Number.POSITIVE_INFINITY,
    },
    ...(flags['node-cert-ttl'] !== undefined
      ? { nodeCertificateSeconds: parseDuration(String(flags['node-cert-ttl'])) }
      : {}),
    nodeLifecycle: {
      ...(flags['node-grace'] !== undefined ? { graceSeconds: Number(flags['node-grace']) } : {}),
      ...(flags['relocate-after'] !== undefined
        ? { relocateAfterSeconds: Number(flags['relocate-after']) }
        : {}),
    },
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
  const simNodes = Number(flags.sim);
  const demo =
    simNodes > 0
      ? await (await import('../sim/demo.js')).startDemo({
          dataDir,
          hubUrl: hub.url,
          kubeconfigPath: hub.kubeconfigPath,
          nodes: simNodes,
          scenario: String(flags.scenario),
          log: (line) => console.log(line),
        })
      : undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (demo) {
      console.log(`\n${signal}: stopping the simulated fleet…`);
      await demo.stop();
    }
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
