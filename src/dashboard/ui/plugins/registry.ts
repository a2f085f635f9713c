/**
 * Loads plugins and keeps what they register. Each plugin is an ES module whose default export (or
 * `register` export) is called with its own API object. A plugin that fails to load, to register or
 * to render is reported on the Plugins page and never takes the dashboard down.
 */
import type { KubeClient } from '../api/client.js';
import { asApiError } from '../api/client.js';
import {
  type DashboardPluginApi,
  type DetailsSection,
  type MapLayer,
  PLUGIN_API_VERSION,
  type PluginKube,
  type RouteDefinition,
  type SidebarEntry,
} from './api.js';

export interface PluginInfo {
  name: string;
  source: string;
  url: string;
  authenticated: boolean;
  description?: string;
  state: 'loading' | 'loaded' | 'failed';
  error?: string;
  registered: string[];
}

interface Owned<T> {
  plugin: string;
  item: T;
}

/** Routes the dashboard itself serves; plugins may not take them. */
export const RESERVED_ROUTES = [
  '/',
  '/map',
  '/nodes',
  '/workloads',
  '/events',
  '/logs',
  '/yaml',
  '/plugins',
  '/signin',
];

export class PluginRegistry {
  readonly plugins: PluginInfo[] = [];
  readonly sidebar: Owned<SidebarEntry>[] = [];
  readonly routes: Owned<RouteDefinition>[] = [];
  readonly sections: Owned<DetailsSection>[] = [];
  readonly layers: Owned<MapLayer>[] = [];
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  sectionsFor(kind: string): Owned<DetailsSection>[] {
    return this.sections.filter((s) => s.item.kind === kind || s.item.kind === '*');
  }

  route(path: string): Owned<RouteDefinition> | undefined {
    return this.routes.find((r) => r.item.path === path);
  }

  /** Fetches the hub's plugin list and loads every plugin in it, one after another. */
  async loadAll(client: KubeClient, kube: PluginKube): Promise<void> {
    let list: { plugins: Omit<PluginInfo, 'state' | 'registered'>[] };
    try {
      list = await client.get('/dashboard/plugins/index.json');
    } catch (err) {
      this.plugins.push({
        name: '(plugin list)',
        source: 'hub',
        url: 'plugins/index.json',
        authenticated: true,
        state: 'failed',
        error: asApiError(err).message,
        registered: [],
      });
      this.changed();
      return;
    }
    for (const p of list.plugins) {
      const info: PluginInfo = { ...p, state: 'loading', registered: [] };
      this.plugins.push(info);
    }
    this.changed();
    for (const info of this.plugins.filter((p) => p.state === 'loading')) {
      await this.load(info, client, kube);
      this.changed();
    }
  }

  private async load(info: PluginInfo, client: KubeClient, kube: PluginKube): Promise<void> {
    let blobUrl: string | undefined;
    try {
      let specifier = new URL(info.url, document.baseURI).href;
      if (info.authenticated) {
        // import() cannot send a credential: fetch the code as the user, then import it from a blob.
        const code = await (
          await client.request('GET', `/dashboard/${info.url}`, { accept: 'text/javascript' })
        ).text();
        blobUrl = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
        specifier = blobUrl;
      }
      const mod = (await import(specifier)) as { default?: unknown; register?: unknown };
      const register = typeof mod.default === 'function' ? mod.default : mod.register;
      if (typeof register !== 'function') {
        throw new Error('the module has no default export (or `register` export) that is a function');
      }
      await register(this.apiFor(info, kube));
      info.state = 'loaded';
    } catch (err) {
      info.state = 'failed';
      info.error = err instanceof Error ? err.message : String(err);
      console.error(`dashboard: plugin ${info.name} failed to load`, err);
    } finally {
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    }
  }

  private apiFor(info: PluginInfo, kube: PluginKube): DashboardPluginApi {
    const name = info.name;
    const note = (what: string) => {
      info.registered.push(what);
      this.changed();
    };
    const need = (cond: boolean, message: string) => {
      if (!cond) throw new Error(`${name}: ${message}`);
    };
    return {
      apiVersion: PLUGIN_API_VERSION,
      plugin: name,
      kube,
      registerSidebarEntry: (entry) => {
        need(
          Boolean(entry?.id && entry.label && entry.path?.startsWith('/')),
          'a sidebar entry needs id, label and a path starting with /',
        );
        this.sidebar.push({ plugin: name, item: { ...entry } });
        note(`sidebar entry "${entry.label}"`);
      },
      registerRoute: (route) => {
        need(
          Boolean(route?.path?.startsWith('/')) && typeof route.render === 'function',
          'a route needs a path starting with / and render()',
        );
        need(!RESERVED_ROUTES.includes(route.path), `route ${route.path} belongs to the dashboard itself`);
        need(!this.route(route.path), `route ${route.path} is already registered`);
        this.routes.push({ plugin: name, item: route });
        note(`route ${route.path}`);
      },
      registerDetailsSection: (section) => {
        need(
          Boolean(section?.kind && section.title) && typeof section.render === 'function',
          'a details section needs kind, title and render()',
        );
        this.sections.push({ plugin: name, item: section });
        note(`details section "${section.title}" (${section.kind})`);
      },
      registerMapLayer: (layer) => {
        need(
          Boolean(layer?.id && layer.title) && typeof layer.render === 'function',
          'a map layer needs id, title and render()',
        );
        this.layers.push({ plugin: name, item: layer });
        note(`map layer "${layer.title}"`);
      },
    };
  }
}
