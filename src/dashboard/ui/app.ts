/** What every view gets: the signed-in session's clients, live caches, access checks and navigation. */
import type { Access } from './api/access.js';
import type { KubeClient } from './api/client.js';
import type { Discovery } from './api/paths.js';
import type { InformerCache, WatchHub } from './api/watch.js';
import type { Fleet } from './model/fleet.js';
import type { PluginContext, PluginKube } from './plugins/api.js';
import type { PluginRegistry } from './plugins/registry.js';

export interface User {
  name: string;
  groups: string[];
}

export type Tone = 'info' | 'ok' | 'error';

export interface App {
  client: KubeClient;
  hub: WatchHub;
  informers: InformerCache;
  fleet: Fleet;
  access: Access;
  discovery: Discovery;
  plugins: PluginRegistry;
  user: User;
  kube: PluginKube;
  /** Goes to a route: '/map', '/nodes?node=car-7'. */
  navigate(path: string): void;
  /** A route's URL fragment, for links: href(...) → '#/nodes?node=car-7'. */
  href(path: string): string;
  toast(message: string, tone?: Tone): void;
  pluginContext(): PluginContext;
}

/** A mounted page. `params` is called when only the query changed (e.g. a device was selected). */
export interface ViewHandle {
  params?(params: URLSearchParams): void;
  destroy?(): void;
}

export type View = (el: HTMLElement, app: App, params: URLSearchParams) => ViewHandle | undefined;

/** Runs `fn` every `ms` while the view lives (for ages and countdowns); returns stop(). */
export function every(ms: number, fn: () => void): () => void {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}
