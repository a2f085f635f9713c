/**
 * `minato dashboard token`: a Bearer token to sign in to the dashboard, issued through the Kubernetes
 * API (TokenRequest, what `kubectl create token` uses) with the data dir's admin credential.
 * By default for ServiceAccount kube-system/minato-dashboard-admin, created on first use and bound
 * to cluster-admin; `--user-sa` issues one for an account you made yourself (and its RBAC).
 * The token alone goes to stdout, so `TOKEN=$(minato dashboard token)` works; hints go to stderr.
 */
import { ApiError } from '../api/errors.js';
import { type FlagSpec, parseFlags, UsageError } from '../cli/args.js';
import { adminConnection, type HubConnection, hubRequest } from '../cli/hub-api.js';
import { parseDuration } from '../cli/token.js';

export const DASHBOARD_ADMIN = { namespace: 'kube-system', name: 'minato-dashboard-admin' };

export const DASHBOARD_FLAGS: FlagSpec = {
  'data-dir': { type: 'string', default: './.minato', help: 'the hub data dir (for its admin kubeconfig)' },
  'user-sa': {
    type: 'string',
    help: 'issue the token for this existing ServiceAccount (NAMESPACE/NAME, or NAME in kube-system) instead',
  },
  ttl: { type: 'string', default: '8h', help: 'how long the token is valid, 10m to 48h' },
};

const USAGE = 'usage: minato dashboard token [--user-sa [NAMESPACE/]NAME] [--ttl 8h] [--data-dir DIR]';

export async function dashboardCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'token') throw new UsageError(USAGE);
  const flags = parseFlags(rest, DASHBOARD_FLAGS);
  const seconds = parseDuration(String(flags.ttl));
  if (seconds < 600 || seconds > 48 * 3600)
    throw new UsageError(`--ttl must be between 10m and 48h, got ${flags.ttl}`);
  const hub = await adminConnection(String(flags['data-dir']));

  let account = DASHBOARD_ADMIN;
  if (flags['user-sa']) {
    const raw = String(flags['user-sa']);
    const [namespace, name] = raw.includes('/') ? raw.split('/', 2) : ['kube-system', raw];
    account = { namespace: namespace!, name: name! };
    const found = await hubRequest(hub, 'GET', saPath(account)).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    });
    if (!found) {
      throw new UsageError(
        `no ServiceAccount ${account.namespace}/${account.name}; create it first: kubectl -n ${account.namespace} create serviceaccount ${account.name}`,
      );
    }
  } else {
    await ensureAdminAccount(hub);
  }

  const issued = await hubRequest<{ status: { token: string; expirationTimestamp: string } }>(
    hub,
    'POST',
    `${saPath(account)}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: seconds },
    },
  );
  console.log(issued.status.token);
  console.error(
    `dashboard: ${new URL('/dashboard/', hub.server)}  (token for system:serviceaccount:${account.namespace}:${account.name}, valid until ${issued.status.expirationTimestamp})`,
  );
}

function saPath(a: { namespace: string; name: string }): string {
  return `/api/v1/namespaces/${encodeURIComponent(a.namespace)}/serviceaccounts/${encodeURIComponent(a.name)}`;
}

/** Creates the dashboard admin account and its cluster-admin binding when missing (idempotent). */
async function ensureAdminAccount(hub: HubConnection): Promise<void> {
  const ignoreExists = (err: unknown) => {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  };
  await hubRequest(hub, 'POST', `/api/v1/namespaces/${DASHBOARD_ADMIN.namespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: DASHBOARD_ADMIN.name, labels: { 'app.kubernetes.io/part-of': 'minato-dashboard' } },
  }).catch(ignoreExists);
  await hubRequest(hub, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: DASHBOARD_ADMIN.name, labels: { 'app.kubernetes.io/part-of': 'minato-dashboard' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: DASHBOARD_ADMIN.name, namespace: DASHBOARD_ADMIN.namespace }],
  }).catch(ignoreExists);
}
