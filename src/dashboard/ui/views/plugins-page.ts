/** Every plugin the hub offered: where it came from, whether it loaded, and what it registered. */
import type { View } from '../app.js';
import { h, replace } from '../dom.js';
import { badge, emptyState } from './widgets.js';

const SOURCES: Record<string, string> = {
  shipped: 'shipped with Minato (plugins/)',
  'data-dir': 'data dir (<data-dir>/plugins/)',
  configmap: 'ConfigMap in kube-system',
  hub: 'hub',
};

export const pluginsPage: View = (el, app) => {
  const body = h('div');
  replace(
    el,
    h(
      'div',
      { class: 'page-pad scroll' },
      h(
        'p',
        { class: 'muted intro' },
        'Plugins are ES modules the hub serves from its plugin folders and from ConfigMaps labelled minato.dev/dashboard-plugin=true in kube-system. They run in this page with your credentials; install only plugins you trust. Writing one: src/dashboard/PLUGINS.md.',
      ),
      body,
    ),
  );
  const render = () => {
    if (app.plugins.plugins.length === 0) {
      replace(
        body,
        emptyState('No plugins', 'Put NAME.js or NAME/index.js in <data-dir>/plugins and reload.'),
      );
      return;
    }
    replace(
      body,
      h(
        'div',
        { class: 'cards' },
        app.plugins.plugins.map((p) =>
          h(
            'article',
            { class: 'card', 'data-plugin': p.name, 'data-plugin-state': p.state },
            h(
              'header',
              { class: 'card-head' },
              h('h3', {}, p.name),
              badge(p.state, p.state === 'loaded' ? 'ok' : p.state === 'failed' ? 'bad' : 'muted'),
            ),
            p.description ? h('p', {}, p.description) : null,
            h(
              'div',
              { class: 'muted small' },
              SOURCES[p.source] ?? p.source,
              ' · ',
              h('span', { class: 'mono' }, p.url),
            ),
            p.error ? h('div', { class: 'alert alert-error' }, p.error) : null,
            p.registered.length
              ? h(
                  'ul',
                  { class: 'registered' },
                  p.registered.map((r) => h('li', {}, r)),
                )
              : null,
          ),
        ),
      ),
    );
  };
  const stop = app.plugins.onChange(render);
  render();
  return { destroy: stop };
};
