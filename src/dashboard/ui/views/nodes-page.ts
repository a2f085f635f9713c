/**
 * The devices as a table: state, class, link quality and round trip, lease age, pods, age, and the
 * cordon / depart actions for users allowed to patch nodes. Rows are keyed by name and updated in
 * place; only the cells whose text changed are written.
 */
import type { KubeObject } from '../../../api/types.js';
import { every, type View } from '../app.js';
import { h, replace, setText } from '../dom.js';
import { age, shortDuration } from '../model/format.js';
import {
  type DeviceState,
  deviceClass,
  deviceState,
  leaseAgeSeconds,
  linkQuality,
  linkRttMs,
  STATES,
} from '../model/node-state.js';
import { nodeActions } from './actions.js';
import { nodeDetails } from './node-details.js';
import { Drawer, emptyState, errorBox, meter, setStateBadge, stateBadge } from './widgets.js';

interface Row {
  tr: HTMLTableRowElement;
  state: HTMLElement;
  cls: HTMLElement;
  link: ReturnType<typeof meter>;
  rtt: HTMLElement;
  lease: HTMLElement;
  pods: HTMLElement;
  age: HTMLElement;
  actions: HTMLElement;
  actionsKey: string;
}

type SortKey = 'name' | 'state' | 'link' | 'lease' | 'pods';

export const nodesPage: View = (el, app, params) => {
  const { fleet } = app;
  const rows = new Map<string, Row>();
  const tbody = h('tbody');
  const status = h('div');
  let sort: SortKey = 'name';
  let filterText = '';
  let filterState: DeviceState | '' = '';
  let selected: string | undefined;
  let details: ReturnType<typeof nodeDetails> | undefined;
  const drawer = new Drawer(() => app.navigate('/nodes'));

  const search = h('input', {
    class: 'input',
    type: 'search',
    placeholder: 'Filter by name or label…',
    'aria-label': 'Filter devices',
    oninput: (e: Event) => {
      filterText = (e.target as HTMLInputElement).value.trim().toLowerCase();
      refilter();
    },
  });
  const stateSelect = h(
    'select',
    {
      class: 'input',
      'aria-label': 'Filter by state',
      onchange: (e: Event) => {
        filterState = (e.target as HTMLSelectElement).value as DeviceState | '';
        refilter();
      },
    },
    h('option', { value: '' }, 'All states'),
    STATES.map((s) => h('option', { value: s.id }, s.label)),
  );
  const summary = h('span', { class: 'muted' });
  const header = (label: string, key?: SortKey, optional = false) =>
    h(
      'th',
      key
        ? {
            class: `sortable${optional ? ' col-optional' : ''}`,
            'data-sort': key,
            onclick: () => {
              sort = key;
              for (const th of el.querySelectorAll<HTMLElement>('th.sortable'))
                th.classList.toggle('sorted', th.dataset.sort === sort);
              reorder();
            },
          }
        : { class: optional ? 'col-optional' : undefined },
      label,
    );
  replace(
    el,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        { class: 'split-main' },
        h('div', { class: 'toolbar' }, search, stateSelect, h('span', { class: 'spacer' }), summary),
        status,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', 'data-table': 'nodes' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                header('Name', 'name'),
                header('State', 'state'),
                header('Class'),
                header('Link', 'link'),
                header('RTT', undefined, true),
                header('Lease', 'lease'),
                header('Pods', 'pods'),
                header('Age', undefined, true),
                header('Actions', undefined, true),
              ),
            ),
            tbody,
          ),
        ),
      ),
      drawer.el,
    ),
  );

  const makeRow = (name: string): Row => {
    const link = meter();
    const row: Row = {
      tr: h('tr', { 'data-node': name, class: 'clickable' }),
      state: stateBadge('ready'),
      cls: h('td'),
      link,
      rtt: h('td', { class: 'num col-optional' }),
      lease: h('td', { class: 'num', 'data-field': 'lease-age' }),
      pods: h('td', { class: 'num' }),
      age: h('td', { class: 'num col-optional' }),
      actions: h('td', { class: 'row-actions col-optional' }),
      actionsKey: '',
    };
    row.tr.append(
      h('td', {}, h('a', { class: 'mono', href: app.href(`/nodes?node=${encodeURIComponent(name)}`) }, name)),
      h('td', {}, row.state),
      row.cls,
      h('td', {}, link.el),
      row.rtt,
      row.lease,
      row.pods,
      row.age,
      row.actions,
    );
    row.tr.addEventListener('click', (e) => {
      if ((e.target as Element).closest('button, a, select, input')) return;
      app.navigate(`/nodes?node=${encodeURIComponent(name)}`);
    });
    return row;
  };

  const updateRow = (row: Row, node: KubeObject) => {
    setStateBadge(row.state, deviceState(node));
    setText(row.cls, deviceClass(node));
    row.link.set(linkQuality(node));
    const rtt = linkRttMs(node);
    setText(row.rtt, rtt === undefined ? '–' : `${Math.round(rtt)} ms`);
    setText(row.age, age(node.metadata.creationTimestamp));
    const key = `${Boolean(node.spec?.unschedulable)}|${node.metadata.annotations?.['minato.dev/departing'] ?? ''}`;
    if (key !== row.actionsKey) {
      row.actionsKey = key;
      replace(row.actions, nodeActions(app, node));
    }
  };

  const tickRow = (name: string, row: Row) => {
    const seconds = leaseAgeSeconds(fleet.lease(name), Date.now());
    setText(row.lease, seconds === undefined ? '–' : `${shortDuration(seconds)} ago`);
    setText(row.pods, String(fleet.podsOn(name).length));
  };

  const visible = (node: KubeObject) => {
    if (filterState && deviceState(node) !== filterState) return false;
    if (!filterText) return true;
    if (node.metadata.name!.toLowerCase().includes(filterText)) return true;
    return Object.entries(node.metadata.labels ?? {}).some(([k, v]) =>
      `${k}=${v}`.toLowerCase().includes(filterText),
    );
  };

  const sortValue = (name: string): string | number => {
    const node = fleet.node(name)!;
    switch (sort) {
      case 'state':
        return STATES.findIndex((s) => s.id === deviceState(node));
      case 'link':
        return linkQuality(node) ?? -1;
      case 'lease':
        return -(leaseAgeSeconds(fleet.lease(name), Date.now()) ?? Number.POSITIVE_INFINITY);
      case 'pods':
        return -fleet.podsOn(name).length;
      default:
        return name;
    }
  };

  const reorder = () => {
    const names = [...rows.keys()].filter((n) => fleet.node(n));
    const values = new Map(names.map((n) => [n, sortValue(n)]));
    names.sort((a, b) => {
      const va = values.get(a)!;
      const vb = values.get(b)!;
      if (va < vb) return -1;
      if (va > vb) return 1;
      return a.localeCompare(b);
    });
    tbody.append(...names.map((n) => rows.get(n)!.tr));
  };

  const refilter = () => {
    let shown = 0;
    for (const [name, row] of rows) {
      const node = fleet.node(name);
      const show = Boolean(node && visible(node));
      row.tr.hidden = !show;
      if (show) shown++;
    }
    setText(summary, `${shown} of ${rows.size} devices`);
  };

  const render = (changed: ReadonlySet<string> | undefined) => {
    if (fleet.nodes.state === 'error' && fleet.nodes.error) {
      replace(status, errorBox(fleet.nodes.error, 'Listing devices needs get/list/watch on nodes.'));
    } else if (fleet.nodes.state === 'ready' && fleet.nodes.items.size === 0) {
      replace(
        status,
        emptyState('No devices yet', 'Devices appear here when they join: minato agent --server … --token …'),
      );
    } else status.replaceChildren();
    const names = changed ?? new Set([...fleet.nodes.items.keys(), ...rows.keys()]);
    let added = false;
    for (const name of names) {
      const node = fleet.node(name);
      let row = rows.get(name);
      if (!node) {
        row?.tr.remove();
        rows.delete(name);
        continue;
      }
      if (!row) {
        row = makeRow(name);
        rows.set(name, row);
        added = true;
      }
      updateRow(row, node);
      tickRow(name, row);
    }
    if (added || sort !== 'name') reorder();
    refilter();
    for (const [name, row] of rows) row.tr.classList.toggle('selected', name === selected);
  };

  const select = (name: string | undefined) => {
    if (name === selected) return;
    selected = name;
    details?.destroy();
    details = undefined;
    for (const [n, row] of rows) row.tr.classList.toggle('selected', n === name);
    if (!name) {
      drawer.close();
      return;
    }
    details = nodeDetails(app, name);
    drawer.open(h('span', { class: 'mono' }, name), details.el);
  };

  const stops = [
    fleet.nodes.onChange((c) => render(c.reset ? undefined : c.keys)),
    fleet.pods.onChange(() => {
      for (const [name, row] of rows) tickRow(name, row);
    }),
    every(1000, () => {
      for (const [name, row] of rows) if (!row.tr.hidden) tickRow(name, row);
    }),
  ];
  select(params.get('node') ?? undefined);
  return {
    params: (p) => select(p.get('node') ?? undefined),
    destroy() {
      for (const s of stops) s();
      details?.destroy();
    },
  };
};
