/** Plugin details sections for one kind inside a details panel; a failing plugin shows its error in place. */
import type { KubeObject } from '../../../api/types.js';
import type { App } from '../app.js';
import { h, replace } from '../dom.js';

export function pluginSections(app: App, kind: string) {
  const el = h('div', { class: 'plugin-sections' });
  let current: KubeObject | undefined;
  let mounted: { body: HTMLElement; render: (obj: KubeObject) => void; cleanup?: () => void }[] = [];

  const build = () => {
    for (const m of mounted) m.cleanup?.();
    mounted = app.plugins.sectionsFor(kind).map(({ plugin, item }) => {
      const body = h('div', { class: 'plugin-section-body' });
      const entry: (typeof mounted)[number] = {
        body,
        render(obj) {
          entry.cleanup?.();
          entry.cleanup = undefined;
          try {
            const cleanup = item.render(body, obj, app.pluginContext());
            if (typeof cleanup === 'function') entry.cleanup = cleanup;
          } catch (err) {
            replace(
              body,
              h('div', { class: 'alert alert-error' }, `plugin ${plugin} failed: ${(err as Error).message}`),
            );
          }
        },
      };
      return entry;
    });
    replace(
      el,
      app.plugins
        .sectionsFor(kind)
        .map(({ plugin, item }, i) =>
          h(
            'section',
            { class: 'panel-section plugin-section', 'data-plugin': plugin },
            h('h3', {}, item.title, h('span', { class: 'plugin-tag' }, plugin)),
            mounted[i]!.body,
          ),
        ),
    );
    if (current) for (const m of mounted) m.render(current);
  };
  const stop = app.plugins.onChange(build);
  build();

  return {
    el,
    render(obj: KubeObject) {
      current = obj;
      for (const m of mounted) m.render(obj);
    },
    destroy() {
      stop();
      for (const m of mounted) m.cleanup?.();
    },
  };
}
