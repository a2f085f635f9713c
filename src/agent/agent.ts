/**
 * The agent's composition root: join (or reuse the saved identity), start the pods saved in local
 * state at once, then keep the device in step with the hub whenever the link allows: Node and
 * Lease, pod watch (resumed from the last resourceVersion), referenced ConfigMaps and Secrets,
 * status, link quality, certificate renewal, and the tunnel the hub uses to read logs.
 */
import { mkdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { ApiError, badRequest } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { Backoff, KubeClient, ListWatcher, resourcePath } from '../client/index.js';
import { TunnelClient, type TunnelHandler } from '../tunnel/tunnel-client.js';
import { AgentError } from './errors.js';
import { ensureCredentials } from './join/join.js';
import { certificateLifetimeMs, renewalTime, renewCertificate } from './join/rotation.js';
import { Connection } from './link/connection.js';
import { LeaseRenewer } from './link/lease.js';
import { LinkQuality } from './link/link-quality.js';
import { watchNetwork } from './link/network-watch.js';
import { startLocalApi } from './local-api.js';
import { type LogOptions, logPaths, readContainerLogs } from './logs/container-logs.js';
import { Departure } from './node/departure.js';
import { readHostInfo } from './node/host-info.js';
import { type DeviceClass, linkAnnotations, type NodeIdentity } from './node/node-object.js';
import { NodeRegistrar } from './node/node-registrar.js';
import { ConfigStore } from './pods/config-store.js';
import { ModuleResolver } from './pods/modules.js';
import { PodManager } from './pods/pod-manager.js';
import type { RuntimeKind } from './pods/pod-worker.js';
import { type BackoffOptions, DEFAULT_RESTART_BACKOFF } from './pods/restart-policy.js';
import { StatusReporter } from './pods/status-reporter.js';
import { ProcessRuntime, type Runtime, WasmRuntime } from './runtimes/index.js';
import { AgentState } from './state/agent-state.js';

export interface AgentOptions {
  server: string;
  token?: string;
  caCertHash?: string;
  nodeName: string;
  dataDir: string;
  labels?: Record<string, string>;
  deviceClass?: DeviceClass;
  /** Lease renewal interval; the lease lasts 4 intervals. Default 2 s. */
  leaseIntervalMs?: number;
  /** HOST:PORT on loopback, or "off". Default 127.0.0.1:10250. */
  localApi?: string;
  /** The device's address as reported to the hub; detected when absent. */
  nodeIP?: string;
  /** Open the log tunnel to the hub. Default true. */
  tunnel?: boolean;
  /**
   * Watch the device's interfaces and retry the hub at once when they change. Default true; the
   * simulator turns it off (its devices share one host) and calls `networkChanged` instead.
   */
  watchNetwork?: boolean;
  log?: (line: string) => void;
  /** Test and tuning knobs. */
  restartBackoff?: BackoffOptions;
  reconnectBackoff?: { baseMs: number; capMs: number };
  runtimes?: Partial<Record<RuntimeKind, Runtime>>;
  maxLogBytes?: number;
  /** Node status heartbeat (besides changes). Default 5 min, like the kubelet's report frequency. */
  nodeStatusIntervalMs?: number;
  /** Link events for measurements and the simulator; nothing in the agent depends on them. */
  observer?: AgentObserver;
}

export interface AgentObserver {
  /** The link came up (downForMs undefined on the first connect). */
  online?(downForMs: number | undefined): void;
  offline?(reason: string): void;
  /** A lease renewal succeeded while online, taking rttMs. */
  leaseRenewed?(rttMs: number): void;
}

export interface AgentStatus {
  node: string;
  server: string;
  connected: boolean;
  link: {
    state: string;
    since: string;
    rttMs: number | undefined;
    failures: number;
    quality: number;
    degraded: boolean;
    lastProblem?: string;
  };
  departingUntil?: string;
  localApi?: string;
  pods: ReturnType<PodManager['summaries']>;
  traffic: ReturnType<KubeClient['traffic']> & {
    leaseRenewals: number;
    statusWrites: number;
    nodeWrites: number;
  };
  process: { rssBytes: number; heapUsedBytes: number; uptimeSeconds: number };
}

export interface RunningAgent {
  readonly nodeName: string;
  readonly localApiUrl: string | undefined;
  status(): AgentStatus;
  getPodLogs(namespace: string, pod: string, container: string, options?: LogOptions): Readable;
  depart(inMs: number): Promise<{ deadline: string; cordoned: boolean }>;
  return(): Promise<{ uncordoned: boolean }>;
  /**
   * Sets (or, with null, removes) annotations on this device's own Node over the agent's link, e.g.
   * its position. A 503 ApiError while the hub is out of reach.
   */
  annotateNode(annotations: Record<string, string | null>): Promise<void>;
  /** The device's network changed (e.g. the radio is back in coverage): retry the hub now if offline. */
  networkChanged(): void;
  /** Stops containers (state is kept, so the next start resumes them) and closes every connection. */
  stop(): Promise<void>;
  /** Resolves when the agent has stopped. */
  readonly stopped: Promise<void>;
}

const NAME_RULE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export async function runAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? ((line: string) => console.log(line));
  const nodeName = options.nodeName;
  if (!NAME_RULE.test(nodeName) || nodeName.length > 253) {
    throw new AgentError(
      `node name "${nodeName}" is not a valid DNS subdomain (lowercase letters, digits, "-" and "."): pass --name`,
    );
  }
  const dataDir = resolvePath(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const intervalMs = options.leaseIntervalMs ?? 2_000;
  if (intervalMs < 100) throw new AgentError('--lease-interval must be at least 100ms');
  // A hub with a large fleet may ask for slower renewals (a HeartbeatPace frame on the tunnel).
  let pacedIntervalMs = 0;
  const renewalIntervalMs = () => Math.max(intervalMs, pacedIntervalMs);

  // 1. Identity: the saved certificate, or a fresh join.
  let { credentials } = await ensureCredentials({
    server: options.server,
    dataDir,
    nodeName,
    token: options.token,
    caCertHash: options.caCertHash,
    log,
  });
  const client = new KubeClient({
    server: options.server,
    caPem: credentials.caPem,
    certPem: credentials.certPem,
    keyPem: credentials.keyPem,
    timeoutMs: 10_000,
    userAgent: `minato-agent/${nodeName}`,
  });

  // 2. Local state and the pods in it: these start now, whether or not the hub is reachable.
  const state = new AgentState(resolvePath(dataDir, 'state'), log);
  const saved = await state.load();
  await state.updateMeta({ nodeName });
  const host = readHostInfo({ internalIP: options.nodeIP });
  const runtimes = new Map<RuntimeKind, Runtime>();
  const runtimeFor = (kind: RuntimeKind): Runtime | undefined => {
    const given = options.runtimes?.[kind];
    if (given) return given;
    let runtime = runtimes.get(kind);
    if (!runtime) {
      runtime = kind === 'wasm' ? new WasmRuntime() : new ProcessRuntime();
      runtimes.set(kind, runtime);
    }
    return runtime;
  };
  // Filled in below; the reporter and config store need the manager's callbacks.
  let pods: PodManager | undefined;
  const reporter = new StatusReporter({ client, onDeleted: (uid) => pods?.deleted(uid), log });
  const config = new ConfigStore({ client, state, onChange: (ref) => pods?.configChanged(ref), log });
  config.restore(saved.objects);
  const logDir = resolvePath(dataDir, 'logs');
  pods = new PodManager({
    workerDeps: {
      dataDir,
      logDir,
      maxLogBytes: options.maxLogBytes ?? 1024 * 1024,
      facts: { nodeName, hostIP: host.internalIP, podIP: host.internalIP },
      runtime: runtimeFor,
      modules: new ModuleResolver(dataDir, { log }),
      restartBackoff: options.restartBackoff ?? DEFAULT_RESTART_BACKOFF,
      retryMs: 5_000,
      log,
    },
    state,
    config,
    reporter,
    log,
  });
  const podManager = pods;
  if (saved.pods.length > 0) log(`pods: resuming ${saved.pods.length} pod(s) from local state`);
  podManager.restore(saved.pods);

  // 3. The link: Node, Lease, link quality.
  let localApiPort = 0;
  const identity: NodeIdentity = {
    name: nodeName,
    host,
    deviceClass: options.deviceClass,
    extraLabels: options.labels ?? {},
    get localApiPort() {
      return localApiPort;
    },
  };
  const registrar = new NodeRegistrar(client, identity, log);
  const link = new LinkQuality();
  const lease = new LeaseRenewer(
    client,
    nodeName,
    Math.max(1, Math.round((intervalMs * 4) / 1000)),
    () => registrar.uid,
    Math.min(10_000, intervalMs * 2),
    async () => {
      log('node: the Lease is gone (was the Node deleted?); registering again');
      await registrar.register(link.snapshot());
    },
    () => tunnel,
    // Dead only after a silence as long as the lease: the hub has given up on us by then.
    () => renewalIntervalMs() * 4,
  );
  const departure = new Departure(registrar, state);
  let lastStatusWrite = 0;
  let publishedDegraded: boolean | undefined;
  let publishing = false;
  const nodeStatusIntervalMs = options.nodeStatusIntervalMs ?? 300_000;
  // Certificate renewal rides on lease renewals (the link is up then); the due time is computed once per certificate.
  let renewAt = renewalTime(credentials.certPem);
  let renewing = false;
  const renewIfDue = async () => {
    if (renewing || Date.now() < renewAt) return;
    renewing = true;
    try {
      credentials = await renewCertificate({
        client,
        dataDir,
        server: options.server,
        nodeName,
        credentials,
        log,
      });
      renewAt = renewalTime(credentials.certPem);
      tunnel?.stop();
      tunnel = startTunnel();
      client.useChannel(tunnel);
    } catch (err) {
      log(`join: certificate renewal failed, will retry: ${(err as Error).message}`);
      renewAt =
        Date.now() + Math.min(60_000, Math.max(1_000, certificateLifetimeMs(credentials.certPem) / 20));
    } finally {
      renewing = false;
    }
  };

  /** Annotations only on meaningful change; the LinkDegraded condition and the heartbeat through status. */
  const publishLink = async () => {
    if (publishing || connection.state !== 'online') return;
    publishing = true;
    try {
      const snapshot = link.snapshot();
      if (link.shouldPublish()) {
        await registrar.patch({ metadata: { annotations: linkAnnotations(snapshot) } });
        link.markPublished(snapshot);
      }
      const now = Date.now();
      if (snapshot.degraded !== publishedDegraded || now - lastStatusWrite >= nodeStatusIntervalMs) {
        await registrar.writeStatus(snapshot);
        publishedDegraded = snapshot.degraded;
        lastStatusWrite = now;
      }
    } catch (err) {
      log(`node: could not publish link quality: ${(err as Error).message}`);
    } finally {
      publishing = false;
    }
  };

  // 4. Pods from the hub: watch this node's pods, resuming from the saved resourceVersion.
  let rvTimer: NodeJS.Timeout | undefined;
  let pendingRv: string | undefined;
  const saveRv = (): Promise<void> => {
    rvTimer = undefined;
    const rv = pendingRv;
    // Pod files first: a saved resourceVersion must never be ahead of the saved pods.
    return state.flush().then(() => state.updateMeta({ podsResourceVersion: rv }));
  };
  const podWatcher = new ListWatcher<KubeObject>({
    client,
    path: resourcePath({ apiVersion: 'v1', resource: 'pods' }),
    fieldSelector: `spec.nodeName=${nodeName}`,
    resourceVersion: saved.meta.podsResourceVersion,
    onSync: (items, rv) => {
      log(`pods: listed ${items.length} pod(s) bound to ${nodeName} at resourceVersion ${rv}`);
      podManager.sync(items);
    },
    onEvent: (event) => {
      if (event.type === 'BOOKMARK') return;
      podManager.apply(event.type, event.object);
    },
    onResourceVersion: (rv) => {
      pendingRv = rv;
      rvTimer ??= setTimeout(() => void saveRv(), 1_000);
    },
    onError: (err) => {
      if (err.code !== 503) log(`pods: watch failed: ${err.message} (${err.code})`);
    },
    backoff: new Backoff(options.reconnectBackoff),
  });
  let podWatchStarted = false;

  // 5. The tunnel the hub uses to reach this device (logs).
  const tunnelHandler: TunnelHandler = async (head, _body, reply) => {
    const url = new URL(head.path, 'http://device');
    const m = /^\/logs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (head.method !== 'GET' || !m) {
      reply.head({ status: 404, headers: { 'content-type': 'application/json' } });
      reply.write(
        Buffer.from(JSON.stringify(new ApiError(404, 'NotFound', `no such path ${url.pathname}`).toStatus())),
      );
      return reply.end();
    }
    try {
      const q = url.searchParams;
      const num = (k: string) => (q.get(k) === null ? undefined : Number(q.get(k)));
      const stream = getPodLogs(
        decodeURIComponent(m[1]!),
        decodeURIComponent(m[2]!),
        decodeURIComponent(m[3]!),
        {
          follow: q.get('follow') === 'true',
          previous: q.get('previous') === 'true',
          timestamps: q.get('timestamps') === 'true',
          tailLines: num('tailLines'),
          sinceSeconds: num('sinceSeconds'),
          limitBytes: num('limitBytes'),
          ...(q.get('sinceTime') ? { sinceTime: q.get('sinceTime')! } : {}),
        },
      );
      reply.head({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      reply.onCancel(() => stream.destroy());
      stream.on('data', (chunk: Buffer | string) => reply.write(Buffer.from(chunk)));
      stream.on('end', () => reply.end());
      stream.on('error', () => reply.end());
    } catch (err) {
      const apiError = err instanceof ApiError ? err : badRequest((err as Error).message);
      reply.head({ status: apiError.code, headers: { 'content-type': 'application/json' } });
      reply.write(Buffer.from(JSON.stringify(apiError.toStatus())));
      reply.end();
    }
  };
  const startTunnel = (): TunnelClient | undefined => {
    if (options.tunnel === false) return undefined;
    const t = new TunnelClient({
      server: options.server,
      ca: credentials.caPem,
      cert: credentials.certPem,
      key: credentials.keyPem,
      handler: tunnelHandler,
      minBackoffMs: options.reconnectBackoff?.baseMs,
      maxBackoffMs: options.reconnectBackoff?.capMs,
      onPace: (ms) => {
        if (ms === pacedIntervalMs) return;
        pacedIntervalMs = ms;
        log(
          ms > intervalMs
            ? `link: the hub paces its fleet's heartbeats: renewing every ${ms / 1000} s`
            : `link: renewing every ${intervalMs / 1000} s again`,
        );
      },
    });
    t.start();
    return t;
  };
  // Started before the link comes up: once connected, the device's API calls and heartbeats ride it.
  let tunnel = startTunnel();
  client.useChannel(tunnel);

  const connection: Connection = new Connection({
    client,
    lease,
    link,
    backoff: new Backoff(options.reconnectBackoff),
    intervalMs: renewalIntervalMs,
    connect: async () => {
      // Through the tunnel when it connects (one connection for everything), else over plain HTTPS.
      await tunnel?.connectNow(Math.min(10_000, intervalMs * 2)).catch(() => {});
      await registrar.register(link.snapshot().attempts > 0 ? link.snapshot() : undefined);
      lastStatusWrite = Date.now();
      publishedDegraded = link.snapshot().degraded;
    },
    onOnline: (downForMs) => {
      log(
        downForMs === undefined
          ? `link: connected to ${options.server} as node ${nodeName}`
          : `link: back online after ${(downForMs / 1000).toFixed(1)} s; resuming watches`,
      );
      reporter.connected();
      config.connected();
      if (!podWatchStarted) {
        podWatchStarted = true;
        podWatcher.start();
      } else podWatcher.kick();
      void publishLink();
      // A device that departed and is now back in range returns by itself: uncordoned, open for pods.
      const until = departure.departingUntil;
      if (downForMs !== undefined && until && Date.now() > Date.parse(until)) {
        departure
          .return()
          .then((r) => log(`node: back after departing; returned${r.uncordoned ? ' (uncordoned)' : ''}`))
          .catch((err: Error) => log(`node: could not return after departing: ${err.message}`));
      }
      options.observer?.online?.(downForMs);
    },
    onOffline: (reason) => {
      options.observer?.offline?.(reason);
      reporter.disconnected();
      config.disconnected();
      podWatcher.restartWatch();
    },
    onRenewed: (rttMs) => {
      options.observer?.leaseRenewed?.(rttMs);
      void renewIfDue();
      if (
        Date.now() - lastStatusWrite >= nodeStatusIntervalMs ||
        link.shouldPublish() ||
        link.snapshot().degraded !== publishedDegraded
      ) {
        void publishLink();
      }
    },
    log,
  });

  // 6. The local API.
  function getPodLogs(
    namespace: string,
    pod: string,
    container: string,
    logOptions: LogOptions = {},
  ): Readable {
    const worker = podManager.find(namespace, pod);
    if (!worker)
      throw new ApiError(404, 'NotFound', `pods "${pod}" not found on this device`, {
        name: pod,
        kind: 'pods',
      });
    const names = [...(worker.pod.spec?.initContainers ?? []), ...(worker.pod.spec?.containers ?? [])].map(
      (c: { name: string }) => c.name,
    );
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod}`);
    const until = new Promise<void>((resolveUntil) => {
      const timer = setInterval(() => {
        const current = podManager.find(namespace, pod);
        const view =
          current && [...current.views().init, ...current.views().app].find((v) => v.name === container);
        if (!view?.running) {
          clearInterval(timer);
          resolveUntil();
        }
      }, 500);
      timer.unref();
    });
    return readContainerLogs(
      logPaths(logDir, worker.uid, container),
      logOptions,
      logOptions.follow ? until : undefined,
    );
  }

  const status = (): AgentStatus => {
    const snapshot = link.snapshot();
    const mem = process.memoryUsage();
    return {
      node: nodeName,
      server: options.server,
      connected: connection.state === 'online',
      link: {
        state: connection.state,
        since: new Date(connection.stateSince).toISOString(),
        rttMs: snapshot.rttMs,
        failures: snapshot.failures,
        quality: snapshot.score,
        degraded: snapshot.degraded,
        ...(connection.lastProblem ? { lastProblem: connection.lastProblem } : {}),
      },
      ...(departure.departingUntil ? { departingUntil: departure.departingUntil } : {}),
      ...(localApiUrl ? { localApi: localApiUrl } : {}),
      pods: podManager.summaries(),
      traffic: {
        ...client.traffic(),
        leaseRenewals: connection.renewCount,
        statusWrites: reporter.writeCount,
        nodeWrites: registrar.writeCount,
      },
      process: {
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        uptimeSeconds: Math.round(process.uptime()),
      },
    };
  };

  const needOnline = () => {
    if (connection.state !== 'online') {
      throw new ApiError(
        503,
        'ServiceUnavailable',
        `the hub is unreachable (${connection.lastProblem || 'connecting'}); try again when the link is up`,
      );
    }
  };
  const depart = async (inMs: number) => {
    needOnline();
    const result = await departure.depart(inMs);
    log(`node: departing by ${result.deadline}${result.cordoned ? ' (cordoned)' : ''}`);
    return result;
  };
  const doReturn = async () => {
    needOnline();
    const result = await departure.return();
    log(`node: returned${result.uncordoned ? ' (uncordoned)' : ''}`);
    return result;
  };

  let localApiUrl: string | undefined;
  let localServer: import('node:http').Server | undefined;
  const localApi = options.localApi ?? '127.0.0.1:10250';
  if (localApi !== 'off') {
    try {
      const started = await startLocalApi(localApi, { status, depart, return: doReturn, logs: getPodLogs });
      localServer = started.server;
      localApiUrl = started.url;
      localApiPort = Number(new URL(started.url).port);
      log(`local API on ${localApiUrl} (/status, /healthz, /depart, /return, /logs)`);
    } catch (err) {
      await podManager.shutdown();
      client.close();
      throw err;
    }
  }

  connection.start();
  const stopNetworkWatch =
    options.watchNetwork === false ? undefined : watchNetwork(() => connection.retryNow());

  let stopping: Promise<void> | undefined;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  return {
    nodeName,
    get localApiUrl() {
      return localApiUrl;
    },
    status,
    getPodLogs,
    depart,
    return: doReturn,
    async annotateNode(annotations) {
      needOnline();
      await registrar.patch({ metadata: { annotations } });
    },
    networkChanged: () => connection.retryNow(),
    stopped,
    stop() {
      stopping ??= (async () => {
        stopNetworkWatch?.();
        await connection.stop();
        await podWatcher.stop();
        await config.stop();
        reporter.stop();
        tunnel?.stop();
        await podManager.shutdown();
        if (rvTimer) {
          clearTimeout(rvTimer);
          await saveRv();
        }
        for (const runtime of runtimes.values()) await runtime.close?.();
        await state.flush();
        localServer?.closeAllConnections();
        await new Promise<void>((r) => (localServer ? localServer.close(() => r()) : r()));
        client.close();
        resolveStopped();
      })();
      return stopping;
    },
  };
}
