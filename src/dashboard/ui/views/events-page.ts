/** The cluster's events (core/v1), live from a watch, newest first; warnings stand out. */
import type { KubeObject } from '../../../api/types.js';
import type { View } from '../app.js';
import { h, replace } from '../dom.js';
import { PATHS } from '../model/fleet.js';
import { age } from '../model/format.js';
import { cellContent, cellText, KeyedTable } from './keyed-table.js';
import { eventTime } from './object-details.js';
import { badge, emptyState, errorBox } from './widgets.js';

const SHOWN = 500;

export const eventsPage: View = (el, app) => {
  const events = app.informers.acquire(PATHS.events);
  let onlyWarnings = false;
  let text = '';
  const status = h('div');
  const summary = h('span', { class: 'muted' });
  const table = new KeyedTable<KubeObject>({
    name: 'events',
    compare: (a, b) => eventTime(b) - eventTime(a),
    filter: (e) =>
      (!onlyWarnings || e.type === 'Warning') &&
      (!text || `${e.reason} ${e.message} ${e.involvedObject?.name}`.toLowerCase().includes(text)),
    empty: emptyState('No events', 'Controllers and devices record what happens to objects here.'),
    columns: [
      {
        title: 'Last seen',
        class: 'num',
        cell: (td, e) => cellText(td, age(new Date(eventTime(e)).toISOString())),
      },
      {
        title: 'Type',
        cell: (td, e) =>
          cellContent(td, e.type ?? '', () =>
            badge(e.type ?? 'Normal', e.type === 'Warning' ? 'warn' : 'muted'),
          ),
      },
      { title: 'Reason', cell: (td, e) => cellText(td, e.reason ?? '') },
      {
        title: 'Object',
        cell: (td, e) => {
          const io = e.involvedObject ?? {};
          cellText(td, `${io.kind ?? ''}/${io.name ?? ''}${io.namespace ? ` (${io.namespace})` : ''}`);
        },
      },
      { title: 'Message', class: 'wide', cell: (td, e) => cellText(td, e.message ?? '') },
      { title: 'Count', class: 'num', cell: (td, e) => cellText(td, String(e.count ?? 1)) },
      { title: 'Source', cell: (td, e) => cellText(td, e.source?.component ?? e.reportingComponent ?? '') },
    ],
  });
  replace(
    el,
    h(
      'div',
      { class: 'page-pad scroll' },
      h(
        'div',
        { class: 'toolbar' },
        h('input', {
          class: 'input',
          type: 'search',
          placeholder: 'Filter by reason, message or object…',
          'aria-label': 'Filter events',
          oninput: (e: Event) => {
            text = (e.target as HTMLInputElement).value.trim().toLowerCase();
            render(undefined);
          },
        }),
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            onchange: (e: Event) => {
              onlyWarnings = (e.target as HTMLInputElement).checked;
              render(undefined);
            },
          }),
          'Warnings only',
        ),
        h('span', { class: 'spacer' }),
        summary,
      ),
      status,
      table.el,
    ),
  );

  // Only the newest SHOWN events are rendered; older ones stay in the cache.
  const render = (changed: ReadonlySet<string> | undefined) => {
    if (events.state === 'error' && events.error) replace(status, errorBox(events.error));
    else status.replaceChildren();
    const newest = [...events.items.entries()]
      .sort((a, b) => eventTime(b[1]) - eventTime(a[1]))
      .slice(0, SHOWN);
    const shown = new Map(newest);
    table.update(shown, changed && events.items.size <= SHOWN ? changed : undefined);
    summary.textContent = `${events.items.size} events${events.items.size > SHOWN ? ` (newest ${SHOWN} shown)` : ''}`;
  };
  const stop = events.onChange((c) => render(c.reset ? undefined : c.keys));
  return {
    destroy() {
      stop();
      app.informers.release(PATHS.events);
    },
  };
};
