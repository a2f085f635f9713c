/**
 * The dashboard's entry point. Without a token it shows the sign-in page; with one it asks the hub
 * who that is, then starts the live caches, the shell and the plugins. A 401 at any point (expired or
 * revoked token) returns to sign-in.
 */
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { Access } from './api/access.js';
import { KubeClient } from './api/client.js';
import { Discovery } from './api/paths.js';
import { Informer, InformerCache, WatchHub } from './api/watch.js';
import type { App } from './app.js';
import { Fleet } from './model/fleet.js';
import type { PluginKube } from './plugins/api.js';
import { PluginRegistry } from './plugins/registry.js';
import { createShell, type Shell } from './views/shell.js';
import { signInPage, type WhoAmI, whoAmI } from './views/sign-in.js';

const TOKEN_KEY = 'minato.dashboard.token';
const root = document.getElementById('root')!;

let current: { hub: WatchHub; shell: Shell; informers: InformerCache } | undefined;

function signOut(notice?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  current?.shell.stop();
  current?.informers.stopAll();
  current?.hub.stop();
  current = undefined;
  if (location.hash && !location.hash.startsWith('#/signin'))
    sessionStorage.setItem('minato.dashboard.return', location.hash);
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  signInPage(root, signedIn, notice);
}

function signedIn(token: string, user: WhoAmI): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  const back = sessionStorage.getItem('minato.dashboard.return');
  sessionStorage.removeItem('minato.dashboard.return');
  if (back && !location.hash) history.replaceState(null, '', back);
  start(token, user);
}

function start(token: string, user: WhoAmI): void {
  let ended = false;
  const onUnauthorized = (error: ApiError) => {
    if (ended) return;
    ended = true;
    signOut(`Your session ended: ${error.message}. Sign in again.`);
  };
  const client = new KubeClient(token, onUnauthorized);
  const hub = new WatchHub(token, onUnauthorized);
  const informers = new InformerCache(client, hub);
  const access = new Access(client);
  const plugins = new PluginRegistry();
  const kube: PluginKube = {
    get: (path) => client.get(path),
    list: (path) => client.list(path),
    patch: (path, body, type) => client.patch(path, body, type),
    create: (path, body) => client.create(path, body),
    delete: (path) => client.delete(path),
    watch(path, onEvent) {
      const informer = new Informer(client, hub, path);
      // Replays the informer's cache as ADDED/MODIFIED/DELETED events (relists included).
      const known = new Map<string, KubeObject>();
      const stop = informer.onChange((c) => {
        const keys = c.reset ? new Set([...informer.items.keys(), ...known.keys()]) : c.keys;
        for (const key of keys) {
          const obj = informer.items.get(key);
          const before = known.get(key);
          if (!obj) {
            if (before) onEvent({ type: 'DELETED', object: before });
            known.delete(key);
            continue;
          }
          if (before?.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
          onEvent({ type: before ? 'MODIFIED' : 'ADDED', object: obj });
          known.set(key, obj);
        }
      });
      informer.start();
      return () => {
        stop();
        informer.stop();
      };
    },
  };
  const shell = createShell(root, () => signOut());
  current = { hub, shell, informers };
  const app: App = {
    client,
    hub,
    informers,
    fleet: new Fleet(informers),
    access,
    discovery: new Discovery(client),
    plugins,
    user,
    kube,
    navigate: (path) => {
      location.hash = `#${path}`;
    },
    href: (path) => `#${path}`,
    toast: shell.toast,
    pluginContext: () => ({
      kube,
      user,
      navigate: (path) => {
        location.hash = `#${path}`;
      },
      can: (verb, resource, o = {}) => access.can({ verb, resource, ...o }),
    }),
  };
  shell.start(app);
  void plugins.loadAll(client, kube);
}

async function boot(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    signInPage(root, signedIn);
    return;
  }
  try {
    start(token, await whoAmI(token));
  } catch (err) {
    const code = (err as { code?: number }).code;
    signOut(
      code === 401
        ? 'Your session ended: sign in again.'
        : `The hub cannot be reached: ${(err as Error).message}`,
    );
  }
}

void boot();
