/**
 * The signed-in frame: sidebar (pages, plugin entries, the live-stream indicator), top bar (page
 * title, who is signed in, sign out), the hash router that mounts pages, and toasts.
 */
import type { App, Tone, View, ViewHandle } from '../app.js';
import { h, replace, setText } from '../dom.js';
import { eventsPage } from './events-page.js';
import { logo } from './logo.js';
import { logsPage } from './logs-page.js';
import { mapPage } from './map-page.js';
import { nodesPage } from './nodes-page.js';
import { pluginsPage } from './plugins-page.js';
import { emptyState } from './widgets.js';
import { workloadsPage } from './workloads-page.js';
import { yamlPage } from './yaml-page.js';

interface Route {
  title: string;
  view: View;
  nav?: { label: string; icon: string };
}

const ROUTES: Record<string, Route> = {
  '/map': { title: 'Fleet map', view: mapPage, nav: { label: 'Fleet map', icon: '◎' } },
  '/nodes': { title: 'Devices', view: nodesPage, nav: { label: 'Devices', icon: '▤' } },
  '/workloads': { title: 'Workloads', view: workloadsPage, nav: { label: 'Workloads', icon: '▦' } },
  '/events': { title: 'Events', view: eventsPage, nav: { label: 'Events', icon: '≡' } },
  '/logs': { title: 'Logs', view: logsPage },
  '/yaml': { title: 'YAML', view: yamlPage },
  '/plugins': { title: 'Plugins', view: pluginsPage },
};

export function parseHash(hash: string): { path: string; params: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/map';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  return { path: path || '/map', params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export interface Shell {
  toast(message: string, tone?: Tone): void;
  start(app: App): void;
  /** Leaves: the current page is destroyed and routing stops (on sign-out). */
  stop(): void;
}

export function createShell(root: HTMLElement, signOut: () => void): Shell {
  const nav = h('nav', { class: 'nav', 'aria-label': 'Pages' });
  const pluginNav = h('div', { class: 'nav-plugins' });
  const streamState = h('span', { class: 'stream-state', 'data-state': 'connecting' }, 'connecting');
  const title = h('h1', { class: 'page-title' });
  const user = h('span', { class: 'user' });
  const outlet = h('div', { class: 'outlet' });
  const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });
  const counts = h('span', { class: 'nav-count' });
  const away = h('span', { class: 'nav-count nav-count-warn', hidden: true });

  replace(
    root,
    h(
      'div',
      { class: 'app', 'data-page': 'app' },
      h(
        'aside',
        { class: 'sidebar' },
        h(
          'div',
          { class: 'brand' },
          logo(28),
          h('span', { class: 'brand-name' }, 'Minato'),
          h('span', { class: 'brand-sub' }, 'fleet'),
        ),
        nav,
        pluginNav,
        h(
          'div',
          { class: 'sidebar-foot' },
          h('a', { href: '#/plugins', class: 'nav-link nav-link-small', 'data-nav': '/plugins' }, 'Plugins'),
          streamState,
        ),
      ),
      h(
        'div',
        { class: 'main' },
        h(
          'header',
          { class: 'topbar' },
          title,
          h('span', { class: 'spacer' }),
          user,
          h(
            'button',
            { type: 'button', class: 'btn btn-ghost', 'data-action': 'sign-out', onclick: signOut },
            'Sign out',
          ),
        ),
        outlet,
      ),
      toasts,
    ),
  );

  const toast = (message: string, tone: Tone = 'info') => {
    const t = h(
      'div',
      {
        class: `toast toast-${tone}`,
        role: tone === 'error' ? 'alert' : 'status',
        title: 'Dismiss',
        onclick: () => t.remove(),
      },
      message,
    );
    toasts.append(t);
    while (toasts.children.length > 4) toasts.firstElementChild?.remove();
    setTimeout(() => t.remove(), tone === 'error' ? 9000 : 4000);
  };

  const start = (app: App) => {
    setText(user, app.user.name);
    user.title = app.user.groups.join(', ');
    replace(
      nav,
      Object.entries(ROUTES)
        .filter(([, r]) => r.nav)
        .map(([path, r]) =>
          h(
            'a',
            { href: `#${path}`, class: 'nav-link', 'data-nav': path },
            h('span', { class: 'nav-icon', 'aria-hidden': 'true' }, r.nav!.icon),
            r.nav!.label,
            path === '/nodes' ? [counts, away] : null,
          ),
        ),
    );
    const renderPluginNav = () =>
      replace(
        pluginNav,
        app.plugins.sidebar.length ? h('div', { class: 'nav-heading' }, 'Plugins') : null,
        app.plugins.sidebar.map(({ plugin, item }) =>
          h(
            'a',
            { href: `#${item.path}`, class: 'nav-link', 'data-nav': item.path, 'data-plugin': plugin },
            h('span', { class: 'nav-icon', 'aria-hidden': 'true' }, item.icon ?? '◆'),
            item.label,
          ),
        ),
      );
    app.plugins.onChange(() => {
      renderPluginNav();
      // A plugin route may have been asked for before the plugin loaded.
      if (!mounted || mounted.missing) route();
    });
    renderPluginNav();

    app.fleet.nodes.onChange(() => {
      const outOfRange = app.fleet.counts['out-of-range'];
      setText(counts, String(app.fleet.nodes.items.size));
      away.hidden = outOfRange === 0;
      setText(away, `${outOfRange} away`);
    });
    app.hub.onState((s, detail) => {
      streamState.dataset.state = s;
      setText(streamState, s === 'live' ? 'live' : s === 'reconnecting' ? 'reconnecting…' : 'connecting');
      streamState.title = detail ?? 'All views update from Kubernetes watches over one stream';
    });

    let mounted: { path: string; handle: ViewHandle | undefined; missing?: boolean } | undefined;
    const route = () => {
      const { path, params } = parseHash(location.hash);
      for (const a of root.querySelectorAll<HTMLElement>('[data-nav]'))
        a.classList.toggle('active', a.dataset.nav === path);
      if (mounted && mounted.path === path && mounted.handle?.params && !mounted.missing) {
        mounted.handle.params(params);
        return;
      }
      mounted?.handle?.destroy?.();
      const page = h('div', { class: 'page', 'data-route': path });
      replace(outlet, page);
      const builtIn = ROUTES[path];
      if (builtIn) {
        setText(title, builtIn.title);
        document.title = `${builtIn.title} · Minato`;
        mounted = { path, handle: builtIn.view(page, app, params) };
        return;
      }
      const plugin = app.plugins.route(path);
      if (plugin) {
        setText(title, plugin.item.title ?? plugin.item.path.slice(1));
        document.title = `${plugin.item.title ?? path} · Minato`;
        page.dataset.plugin = plugin.plugin;
        let cleanup: (() => void) | undefined;
        try {
          const r = plugin.item.render(page, { ...app.pluginContext(), params });
          if (typeof r === 'function') cleanup = r;
        } catch (err) {
          replace(
            page,
            h(
              'div',
              { class: 'alert alert-error' },
              `plugin ${plugin.plugin} failed: ${(err as Error).message}`,
            ),
          );
        }
        mounted = { path, handle: { destroy: cleanup } };
        return;
      }
      setText(title, 'Not found');
      replace(
        page,
        emptyState(`No page at ${path}`, 'It may belong to a plugin that has not loaded (see Plugins).'),
      );
      mounted = { path, handle: undefined, missing: true };
    };
    window.addEventListener('hashchange', route);
    stopRouting = () => {
      window.removeEventListener('hashchange', route);
      mounted?.handle?.destroy?.();
      mounted = undefined;
    };
    route();
  };
  let stopRouting = () => {};

  return { toast, start, stop: () => stopRouting() };
}
