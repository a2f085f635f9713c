/** The init phases, in order. Each is idempotent and can describe what it would do (dry run). */
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/types.js';
import {
  type ApiObjects,
  createApiObjects,
  ensureCertificates,
  ensureClusterObjects,
  ensureKeyRing,
  MESH_CA_FILES,
  openStore,
  STATE_FILE,
} from '../hub/control-plane.js';
import { ADMIN_KUBECONFIG_FILE, caCertHash, PKI_FILES, writeAdminKubeconfig } from '../pki/index.js';
import { ENCRYPTION_KEY_RING_FILE } from '../store/encryption.js';
import { ensureClusterInfo } from './cluster-info.js';
import { type HubConfig, readHubConfig, writeHubConfig } from './hub-config.js';
import { ensureJoinToken, validJoinTokens } from './join-token.js';

export interface InitContext {
  dataDir: string;
  config: HubConfig;
  dryRun: boolean;
  /** One line per action taken or, in a dry run, planned. */
  report: (line: string) => void;
}

export interface Phase {
  name: string;
  description: string;
  run(ctx: InitContext): Promise<void>;
}

export function serverUrl(config: HubConfig): string {
  const host =
    config.advertise[0] ?? (config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host);
  return `https://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** Opens the store offline, runs `fn` with the API objects, closes it. */
async function withObjects<T>(ctx: InitContext, fn: (api: ApiObjects) => Promise<T>): Promise<T> {
  const ring = await ensureKeyRing(ctx.dataDir, ctx.report);
  const store = openStore(ctx.dataDir, ring, ctx.report);
  try {
    return await fn(createApiObjects(store));
  } finally {
    await store.close();
  }
}

function planFiles(ctx: InitContext, files: string[]): void {
  for (const f of files) ctx.report(`${existsSync(join(ctx.dataDir, f)) ? 'keep' : 'would create'} ${f}`);
}

const preflight: Phase = {
  name: 'preflight',
  description: 'checks this machine can run the hub: Node.js version, data dir, port, disk, SQLite',
  async run(ctx) {
    const problems: string[] = [];
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    if (major < 20 || (major === 20 && minor < 10))
      problems.push(`Node.js ${process.versions.node} is too old: install Node.js 20.10 or newer`);
    // A dry run creates nothing: check the nearest existing parent instead.
    let target = ctx.dataDir;
    if (ctx.dryRun) while (!existsSync(target) && dirname(target) !== target) target = dirname(target);
    else await mkdir(ctx.dataDir, { recursive: true }).catch(() => undefined);
    await access(target, constants.W_OK).catch(() =>
      problems.push(`the data dir ${ctx.dataDir} is not writable: choose another with --data-dir`),
    );
    const free = await statfs(target)
      .then((s) => s.bavail * s.bsize)
      .catch(() => Number.POSITIVE_INFINITY);
    if (free < 200 * 1024 * 1024)
      problems.push(
        `only ${Math.round(free / 1048576)} MiB free under ${ctx.dataDir}: the hub needs at least 200 MiB`,
      );
    const portFree = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(ctx.config.port, ctx.config.host, () => probe.close(() => resolve(true)));
    });
    if (!portFree)
      problems.push(
        `port ${ctx.config.port} on ${ctx.config.host} is taken: stop what uses it or pass --port`,
      );
    try {
      await import('better-sqlite3');
    } catch (err) {
      problems.push(`SQLite (better-sqlite3) does not load: ${(err as Error).message}; run "npm ci" again`);
    }
    if (problems.length > 0)
      throw new Error(`preflight found ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    ctx.report(
      `ok: Node.js ${process.versions.node}, ${ctx.dataDir} writable, port ${ctx.config.port} free, SQLite loads`,
    );
  },
};

const certs: Phase = {
  name: 'certs',
  description:
    'cluster CA, serving certificate, admin client certificate, service-account signing key, mesh CA',
  async run(ctx) {
    const files = [...Object.values(PKI_FILES), MESH_CA_FILES.cert, MESH_CA_FILES.key].map((f) =>
      join('pki', f),
    );
    if (ctx.dryRun) return planFiles(ctx, files);
    await ensureCertificates(ctx.dataDir, ctx.config.advertise, ctx.report);
  },
};

const kubeconfig: Phase = {
  name: 'kubeconfig',
  description: `the administrator's kubeconfig (${ADMIN_KUBECONFIG_FILE}), client-certificate auth`,
  async run(ctx) {
    if (ctx.dryRun) return planFiles(ctx, [ADMIN_KUBECONFIG_FILE]);
    const path = join(ctx.dataDir, ADMIN_KUBECONFIG_FILE);
    const before = existsSync(path) ? await readFile(path, 'utf8') : undefined;
    await writeAdminKubeconfig(ctx.dataDir, serverUrl(ctx.config));
    if ((await readFile(path, 'utf8')) !== before)
      ctx.report(`${ADMIN_KUBECONFIG_FILE}: written for ${serverUrl(ctx.config)}`);
  },
};

const storage: Phase = {
  name: 'storage',
  description: 'the encryption key ring and the SQLite store with the default namespaces',
  async run(ctx) {
    if (ctx.dryRun) return planFiles(ctx, [join('pki', ENCRYPTION_KEY_RING_FILE), STATE_FILE]);
    await withObjects(ctx, ({ objects }) => ensureClusterObjects(objects, ctx.report));
  },
};

const controlPlane: Phase = {
  name: 'control-plane',
  description: 'the hub configuration (hub.json) that "minato up" starts from',
  async run(ctx) {
    const current = readHubConfig(ctx.dataDir);
    if (JSON.stringify(current) === JSON.stringify(ctx.config)) return;
    if (ctx.dryRun) return ctx.report(`would write hub.json: ${JSON.stringify(ctx.config)}`);
    await writeHubConfig(ctx.dataDir, ctx.config);
    ctx.report(`hub.json: ${JSON.stringify(ctx.config)}`);
  },
};

const bootstrapToken: Phase = {
  name: 'bootstrap-token',
  description: 'a join token, RBAC for bootstrapping devices, and the signed cluster-info for CA discovery',
  async run(ctx) {
    if (ctx.dryRun)
      return ctx.report(
        'would ensure a 24 h join token, the node-bootstrapper binding and kube-public/cluster-info',
      );
    await withObjects(ctx, async ({ objects }) => {
      await ensureClusterObjects(objects, ctx.report);
      const before = validJoinTokens(objects).length;
      await ensureJoinToken(objects);
      if (validJoinTokens(objects).length !== before) ctx.report('join token: created (valid 24 h)');
      const caPem = await readFile(join(ctx.dataDir, 'pki', PKI_FILES.caCert), 'utf8');
      if (await ensureClusterInfo(objects, serverUrl(ctx.config), caPem, validJoinTokens(objects))) {
        ctx.report('kube-public/cluster-info: written and signed with the join tokens');
      }
    });
  },
};

const addons: Phase = {
  name: 'addons',
  description: 'default roles, and every manifest in <data-dir>/addons/*.yaml',
  async run(ctx) {
    const dir = join(ctx.dataDir, 'addons');
    const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
    if (ctx.dryRun)
      return ctx.report(`would ensure the default roles and apply ${files.length} addon manifest(s)`);
    await withObjects(ctx, async ({ objects }) => {
      await ensureClusterObjects(objects, ctx.report);
      for (const file of files) {
        for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
          const obj = doc.toJS() as KubeObject | null;
          if (obj) await applyAddon(objects, obj, file, ctx.report);
        }
      }
    });
  },
};

async function applyAddon(
  objects: ApiObjects['objects'],
  obj: KubeObject,
  file: string,
  report: (l: string) => void,
): Promise<void> {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const type = objects.registry.byGroupVersionKind(group!, version!, obj.kind);
  if (!type) throw new Error(`${file}: unknown kind ${obj.apiVersion} ${obj.kind}`);
  const namespace = type.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
  if (objects.find(type, namespace, obj.metadata.name!)) return;
  await objects.create(type, namespace, obj, { fieldManager: 'minato-addons' });
  report(`addon ${file}: ${type.plural}/${obj.metadata.name} created`);
}

const showJoinCommand: Phase = {
  name: 'show-join-command',
  description: 'prints the command that joins a device',
  async run(ctx) {
    if (ctx.dryRun || !existsSync(join(ctx.dataDir, STATE_FILE)))
      return ctx.report('would print the join command');
    const caPem = await readFile(join(ctx.dataDir, 'pki', PKI_FILES.caCert), 'utf8');
    const token = await withObjects(ctx, ({ objects }) => ensureJoinToken(objects));
    ctx.report(
      `join a device: minato agent --server ${serverUrl(ctx.config)} --token ${token} --ca-cert-hash ${caCertHash(caPem)}`,
    );
  },
};

export const PHASES: Phase[] = [
  preflight,
  certs,
  kubeconfig,
  storage,
  controlPlane,
  bootstrapToken,
  addons,
  showJoinCommand,
];
