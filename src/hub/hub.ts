/**
 * The composition root of the hub: opens the store, builds the registry and services, starts the
 * in-hub controllers and the HTTPS front door. `minato up` and the tests start hubs through here.
 */

import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LoopLagMonitor, waitForCalm } from '../common/loop-lag.js';
import { CrdController } from '../controllers/crd-controller.js';
import { CsrController } from '../controllers/csr-controller.js';
import { DaemonSetController } from '../controllers/daemonset-controller.js';
import { DeploymentController } from '../controllers/deployment-controller.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { NamespaceController } from '../controllers/namespace-controller.js';
import {
  NodeLifecycleController,
  type NodeLifecycleOptions,
} from '../controllers/node-lifecycle-controller.js';
import { DisruptionController } from '../controllers/pdb-controller.js';
import { ReplicaSetController } from '../controllers/replicaset-controller.js';
import { Scheduler } from '../controllers/scheduler.js';
import { ServiceAccountController } from '../controllers/serviceaccount-controller.js';
import { TokenCleaner } from '../controllers/token-cleaner.js';
import { createDashboard } from '../dashboard/server/dashboard.js';
import { writeAdminKubeconfig } from '../pki/index.js';
import { createRegistryHandler } from '../registry/http.js';
import { RegistryStore } from '../registry/store.js';
import { TunnelServer } from '../tunnel/tunnel-server.js';
import { AuditLog } from './audit.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createAuthorizer } from './auth/authorize.js';
import { ServiceAccountTokens } from './auth/service-account-tokens.js';
import {
  createApiObjects,
  ensureCertificates,
  ensureClusterObjects,
  ensureKeyRing,
  openStore,
} from './control-plane.js';
import { Discovery } from './discovery.js';
import { type HeartbeatPaceOptions, HeartbeatPacer } from './heartbeat-pace.js';
import { createHeartbeatWriter } from './heartbeats.js';
import { ResourceHandler } from './http/resource-handler.js';
import { createChannelServer, createFrontDoor, type FrontDoorDeps, userOf } from './http/server.js';
import { JoinAdmission, type JoinAdmissionOptions } from './join-admission.js';
import type { ObjectService } from './objects/object-service.js';
import { PatchService } from './objects/patch-service.js';
import { OpenApiService } from './openapi-service.js';
import { OpenApiV2Service } from './openapi-v2/service.js';
import { tableForResourceType } from './printers/index.js';
import { decodeProtobufObject } from './protobuf/index.js';
import { bodyOf } from './request/body.js';
import { createSubresources } from './subresources/index.js';
import { createReviews } from './subresources/reviews.js';

export const KUBERNETES_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0+minato',
  platform: `${process.platform}/${process.arch}`,
};

/** Controllers' bulk writes pause while the loop runs later than this, for at most this long a batch. */
const PACE_MAX_LAG_MS = 100;
const PACE_MAX_WAIT_MS = 2_000;

export interface HubOptions {
  dataDir: string;
  port: number;
  /** Address to listen on; all interfaces by default, like an apiserver. */
  host?: string;
  /** Extra names or IPs the serving certificate must carry. */
  advertise?: string[];
  log?: (line: string) => void;
  /** Out-of-range detection and relocation timing (defaults suit devices renewing every 2 s). */
  nodeLifecycle?: NodeLifecycleOptions;
  /** Lifetime of the client certificates devices get (one year by default; short in rotation tests). */
  nodeCertificateSeconds?: number;
  /** Watch history kept for resumption, in events; older resourceVersions get 410 Expired. */
  watchHistory?: number;
  /** When new devices are told to come back later (429) because the hub is overloaded. */
  joinAdmission?: JoinAdmissionOptions;
  /** The lease renewals per second the hub paces its fleet's heartbeats to. */
  heartbeatPace?: HeartbeatPaceOptions;
}

export interface RunningHub {
  url: string;
  port: number;
  kubeconfigPath: string;
  caCertHash: string;
  caPem: string;
  objects: ObjectService;
  /** Re-reads (and renews when due) the serving certificate without dropping connections. */
  reloadCertificates(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const log = options.log ?? (() => {});
  const pki = await ensureCertificates(options.dataDir, options.advertise ?? [], log);
  const ring = await ensureKeyRing(options.dataDir, log);
  const store = openStore(options.dataDir, ring, log, options.watchHistory);
  let crds: CrdController | undefined;
  const { objects, registry, schemas } = createApiObjects(store, {
    afterWrite: (type, _event, obj) => {
      const isCrd = type.group === 'apiextensions.k8s.io' && type.kind === 'CustomResourceDefinition';
      if (isCrd && !obj.metadata.deletionTimestamp) crds?.serve(obj);
    },
  });
  await ensureClusterObjects(objects, log);
  const authorizer = createAuthorizer(objects);
  const reviews = createReviews(authorizer);

  crds = new CrdController(objects, schemas);
  // Reads the tunnels (created below) only once started.
  const heartbeatPacer = new HeartbeatPacer(
    () => tunnels.size,
    (ms) => tunnels.setHeartbeatPace(ms),
    options.heartbeatPace,
    log,
  );
  const loopLag = new LoopLagMonitor().start();
  // Bulk writes (a rollout across the fleet) wait between batches while the API is slow to answer.
  const pace = () => waitForCalm(loopLag, PACE_MAX_LAG_MS, PACE_MAX_WAIT_MS);
  const controllers = [
    crds,
    new NamespaceController(objects),
    new GarbageCollector(objects),
    new CsrController(objects, pki.ca, options.nodeCertificateSeconds),
    new NodeLifecycleController(objects, {
      ...options.nodeLifecycle,
      minGraceSeconds: () => heartbeatPacer.graceSeconds(),
    }),
    new ServiceAccountController(objects),
    new TokenCleaner(objects),
    new Scheduler(objects),
    new ReplicaSetController(objects, pace),
    new DeploymentController(objects),
    new DaemonSetController(objects, pace),
    new DisruptionController(objects),
  ];
  for (const c of controllers) c.start();
  const compaction = setInterval(() => store.compactByPolicy(), 30_000);
  compaction.unref();
  const joinAdmission = new JoinAdmission(loopLag, options.joinAdmission);

  let listeningPort = options.port;
  const discovery = new Discovery(registry, () => `${options.host ?? '127.0.0.1'}:${listeningPort}`);
  const openapi = new OpenApiService(registry, schemas);
  // Built on the first request (kubectl 1.27/1.28 only), not at start-up.
  const openapiV2 = new OpenApiV2Service(registry, schemas, {
    title: 'Minato',
    version: KUBERNETES_VERSION.gitVersion,
  });
  const patches = new PatchService(objects, schemas);
  // Devices' tunnels also carry their API connections (served like the front door's) and lease heartbeats.
  let channels: ReturnType<typeof createChannelServer> | undefined;
  const renewLease = createHeartbeatWriter(objects);
  const tunnels = new TunnelServer({
    onConnection: (socket, node) =>
      channels?.serve(socket, {
        name: `system:node:${node}`,
        groups: ['system:nodes', 'system:authenticated'],
      }),
    onHeartbeat: renewLease,
    loopLagMs: () => loopLag.lagMs,
  });
  heartbeatPacer.start();
  const serviceAccountTokens = new ServiceAccountTokens(
    pki.serviceAccount.privateKeyPem,
    pki.serviceAccount.publicKeyPem,
  );
  const subresources = createSubresources(objects, tunnels, serviceAccountTokens);
  const resources = new ResourceHandler({
    objects,
    registry,
    decodeProtobuf: decodeProtobufObject,
    table: (type, items, opts) => tableForResourceType(type, items, opts),
    patch: (type, namespace, name, request) => patches.patch(type, namespace, name, request),
    subresource: (type, name) => subresources.get(`${type.group}/${type.plural}/${name}`),
    virtualCreate: (type, body, req) => reviews(type, body, userOf(req)),
  });
  const authenticate = createAuthenticator(objects, serviceAccountTokens);
  const audit = new AuditLog({ path: join(options.dataDir, 'audit.log') });
  // The operator dashboard at /dashboard/ (static files before sign-in; its data through the API as the user).
  const dashboard = createDashboard({
    dataDir: options.dataDir,
    objects,
    decide: (a) => authorizer.decide(a),
    loopback: () => ({ host: loopbackHost(options.host), port: listeningPort, ca: pki.ca.certPem }),
  });
  // Wasm modules, content-addressed in <data-dir>/registry, behind the OCI distribution API (/v2/).
  const registryApi = createRegistryHandler({
    store: new RegistryStore(join(options.dataDir, 'registry')),
    authenticate,
    decide: (a) => authorizer.decide(a),
    observe: (req, res, user) => audit.observe(req, res, user, () => undefined),
    log,
  });
  const tlsOf = (p: typeof pki) => ({
    key: p.server.keyPem,
    // The CA rides along in the chain so joining devices can pin it by hash (kubeadm's --discovery-token-ca-cert-hash).
    cert: `${p.server.certPem.trim()}\n${p.ca.certPem.trim()}\n`,
    ca: p.ca.certPem,
  });
  const frontDoor: FrontDoorDeps = {
    discovery,
    resources,
    version: KUBERNETES_VERSION,
    openapi: (path, query) => openapi.serve(path, query),
    openapiV2: (path, accept, ifNoneMatch) => openapiV2.serve(path, accept, ifNoneMatch),
    authenticate,
    // The dashboard's endpoints check each ConfigMap / proxied watch themselves.
    authorize: (user, method, url) => {
      if (!dashboard.authorizesItself(method, url)) authorizer.authorize(user, method, url);
    },
    onRequest: (req, res, user) => audit.observe(req, res, user, () => bodyOf(req)),
    admit: (user, method, path) => joinAdmission.admit(user, method, path),
    isReady: () => true,
    tunnels,
    registry: registryApi,
    dashboardAssets: (req, res, url) => dashboard.serveAsset(req, res, url),
    extraRoutes: (req, res, url) => dashboard.route(req, res, url),
  };
  const server = createFrontDoor(tlsOf(pki), frontDoor);
  channels = createChannelServer(frontDoor);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: a fleet coming back into range reconnects all at once (Node's default is 511).
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => resolve());
  });
  listeningPort = (server.address() as AddressInfo).port;
  const url = `https://${urlHost(options.host)}:${listeningPort}`;
  const kubeconfigPath = await writeAdminKubeconfig(options.dataDir, url);

  // Renew the serving certificate well before it expires, without a restart.
  const certificateCheck = setInterval(
    () => void running.reloadCertificates().catch((err) => log(`pki: renewal failed: ${err}`)),
    12 * 3600_000,
  );
  certificateCheck.unref();
  const running: RunningHub = {
    url,
    port: listeningPort,
    kubeconfigPath,
    caCertHash: pki.caCertHash,
    caPem: pki.ca.certPem,
    objects,
    async reloadCertificates() {
      const fresh = await ensureCertificates(options.dataDir, options.advertise ?? [], log);
      server.setSecureContext({ ...tlsOf(fresh), requestCert: true, rejectUnauthorized: false } as never);
      log('pki: serving certificate reloaded');
    },
    async stop() {
      clearInterval(compaction);
      loopLag.stop();
      heartbeatPacer.stop();
      clearInterval(certificateCheck);
      for (const c of controllers) c.stop();
      tunnels.closeAll();
      await audit.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
  return running;
}

/** The address the hub reaches itself on (the dashboard's watch stream calls the API as the user). */
function loopbackHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0') return '127.0.0.1';
  return host === '::' ? '::1' : host;
}

function urlHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
