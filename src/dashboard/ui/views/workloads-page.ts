/**
 * Workloads: Deployments and DaemonSets with their rollout across the fleet (updated / ready /
 * desired), their conditions, and every pod with its device and status. Select a row for details,
 * events, logs and actions.
 */
import type { KubeObject } from '../../../api/types.js';
import { keyOf } from '../api/watch.js';
import type { View } from '../app.js';
import { h, replace } from '../dom.js';
import { PATHS } from '../model/fleet.js';
import { age } from '../model/format.js';
import { conditions } from '../model/node-state.js';
import { podSummary, rollout } from '../model/workloads.js';
import { yamlLink } from './actions.js';
import { type Column, cellContent, cellText, KeyedTable } from './keyed-table.js';
import { objectPath, podDetails, workloadDetails } from './object-details.js';
import { badge, Drawer, emptyState, errorBox, rolloutBar } from './widgets.js';

type Kind = 'Deployment' | 'DaemonSet';

export const workloadsPage: View = (el, app, params) => {
  const deployments = app.informers.acquire(PATHS.deployments);
  const daemonsets = app.informers.acquire(PATHS.daemonsets);
  const pods = app.fleet.pods;
  let namespace = '';
  let text = '';
  let details: { destroy(): void } | undefined;
  let selection = '';
  const drawer = new Drawer(() => app.navigate('/workloads'));
  const bars = new WeakMap<HTMLElement, ReturnType<typeof rolloutBar>>();

  const matches = (obj: KubeObject) =>
    (!namespace || obj.metadata.namespace === namespace) &&
    (!text || (obj.metadata.name ?? '').toLowerCase().includes(text));

  const workloadColumns = (kind: Kind): Column<KubeObject>[] => [
    {
      title: 'Name',
      cell: (td, o) =>
        cellContent(td, o.metadata.name!, () =>
          h(
            'a',
            {
              class: 'mono',
              href: app.href(`/workloads?${kind.toLowerCase()}=${encodeURIComponent(keyOf(o))}`),
            },
            o.metadata.name!,
          ),
        ),
    },
    { title: 'Namespace', cell: (td, o) => cellText(td, o.metadata.namespace ?? '') },
    {
      title: kind === 'DaemonSet' ? 'Rollout across devices' : 'Rollout',
      class: 'wide',
      cell: (td, o) => {
        let bar = bars.get(td);
        if (!bar) {
          bar = rolloutBar();
          bars.set(td, bar);
          td.append(bar.el);
        }
        bar.set(rollout(o));
      },
    },
    {
      title: 'Conditions',
      cell: (td, o) => {
        const list = conditions(o);
        cellContent(td, list.map((c) => `${c.type}=${c.status}:${c.reason}`).join(), () =>
          list.length
            ? h(
                'span',
                { class: 'badges' },
                list.map((c) =>
                  badge(
                    c.type,
                    c.status === 'True' ? 'ok' : c.status === 'False' ? 'bad' : 'muted',
                    `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`,
                  ),
                ),
              )
            : h('span', { class: 'muted' }, '–'),
        );
      },
    },
    { title: 'Age', class: 'num', cell: (td, o) => cellText(td, age(o.metadata.creationTimestamp)) },
    {
      title: '',
      class: 'row-actions',
      cell: (td, o) =>
        cellContent(td, keyOf(o), () =>
          yamlLink(app, objectPath(kind, o.metadata.namespace!, o.metadata.name!)),
        ),
    },
  ];

  const deploymentTable = new KeyedTable<KubeObject>({
    name: 'deployments',
    columns: workloadColumns('Deployment'),
    filter: matches,
    onSelect: (key) => app.navigate(`/workloads?deployment=${encodeURIComponent(key)}`),
    empty: emptyState('No Deployments', 'kubectl create deployment NAME --image=module.wasm'),
  });
  const daemonsetTable = new KeyedTable<KubeObject>({
    name: 'daemonsets',
    columns: workloadColumns('DaemonSet'),
    filter: matches,
    onSelect: (key) => app.navigate(`/workloads?daemonset=${encodeURIComponent(key)}`),
    empty: emptyState(
      'No DaemonSets',
      'A DaemonSet runs one pod on every matching device, and keeps it there while the device is away.',
    ),
  });
  const podTable = new KeyedTable<KubeObject>({
    name: 'pods',
    filter: matches,
    onSelect: (key) => app.navigate(`/workloads?pod=${encodeURIComponent(key)}`),
    empty: emptyState('No pods'),
    columns: [
      {
        title: 'Name',
        cell: (td, p) =>
          cellContent(td, p.metadata.name!, () =>
            h(
              'a',
              { class: 'mono', href: app.href(`/workloads?pod=${encodeURIComponent(keyOf(p))}`) },
              p.metadata.name!,
            ),
          ),
      },
      { title: 'Namespace', cell: (td, p) => cellText(td, p.metadata.namespace ?? '') },
      {
        title: 'Device',
        cell: (td, p) => {
          const node = (p.spec?.nodeName as string | undefined) ?? '';
          cellContent(td, node, () =>
            node
              ? h('a', { class: 'mono', href: app.href(`/map?node=${encodeURIComponent(node)}`) }, node)
              : h('span', { class: 'muted' }, '–'),
          );
        },
      },
      {
        title: 'Status',
        cell: (td, p) => {
          const s = podSummary(p);
          cellContent(td, `${s.status}|${s.tone}`, () =>
            badge(s.status, s.tone === 'muted' ? 'muted' : s.tone),
          );
        },
      },
      { title: 'Ready', class: 'num', cell: (td, p) => cellText(td, podSummary(p).ready) },
      { title: 'Restarts', class: 'num', cell: (td, p) => cellText(td, String(podSummary(p).restarts)) },
      { title: 'Age', class: 'num', cell: (td, p) => cellText(td, age(p.metadata.creationTimestamp)) },
    ],
  });

  const nsSelect = h('select', {
    class: 'input',
    'aria-label': 'Namespace',
    onchange: (e: Event) => {
      namespace = (e.target as HTMLSelectElement).value;
      refilter();
    },
  });
  const search = h('input', {
    class: 'input',
    type: 'search',
    placeholder: 'Filter by name…',
    'aria-label': 'Filter workloads',
    oninput: (e: Event) => {
      text = (e.target as HTMLInputElement).value.trim().toLowerCase();
      refilter();
    },
  });
  const deploymentStatus = h('div');
  const daemonsetStatus = h('div');
  const podStatus = h('div');
  replace(
    el,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        { class: 'split-main scroll' },
        h('div', { class: 'toolbar' }, nsSelect, search),
        h('h2', { class: 'section-title' }, 'Deployments'),
        deploymentStatus,
        deploymentTable.el,
        h(
          'h2',
          { class: 'section-title' },
          'DaemonSets ',
          h('span', { class: 'muted small' }, 'fleet workloads: one pod per device'),
        ),
        daemonsetStatus,
        daemonsetTable.el,
        h('h2', { class: 'section-title' }, 'Pods'),
        podStatus,
        podTable.el,
      ),
      drawer.el,
    ),
  );

  const namespaces = () => {
    const seen = new Set<string>();
    for (const inf of [deployments, daemonsets, pods])
      for (const o of inf.items.values()) if (o.metadata.namespace) seen.add(o.metadata.namespace);
    const want = ['', ...[...seen].sort()];
    const have = [...nsSelect.options].map((o) => o.value);
    if (want.join() === have.join()) return;
    replace(
      nsSelect,
      want.map((ns) => h('option', { value: ns, selected: ns === namespace }, ns || 'All namespaces')),
    );
  };
  const showError = (slot: HTMLElement, inf: typeof pods, what: string) => {
    if (inf.state === 'error' && inf.error)
      replace(slot, errorBox(inf.error, `Listing ${what} needs get/list/watch on them.`));
    else slot.replaceChildren();
  };
  const refilter = () => {
    deploymentTable.refilter(deployments.items);
    daemonsetTable.refilter(daemonsets.items);
    podTable.refilter(pods.items);
  };

  const select = (p: URLSearchParams) => {
    const want =
      ['deployment', 'daemonset', 'pod'].map((k) => (p.get(k) ? `${k}:${p.get(k)}` : '')).find(Boolean) ?? '';
    if (want === selection) return;
    selection = want;
    details?.destroy();
    details = undefined;
    deploymentTable.select(p.get('deployment') ?? undefined);
    daemonsetTable.select(p.get('daemonset') ?? undefined);
    podTable.select(p.get('pod') ?? undefined);
    if (!want) {
      drawer.close();
      return;
    }
    const [kind, key] = [want.slice(0, want.indexOf(':')), want.slice(want.indexOf(':') + 1)];
    const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    if (kind === 'pod') {
      const d = podDetails(app, ns, name);
      details = d;
      drawer.open(h('span', { class: 'mono' }, name), d.el);
    } else {
      const k: Kind = kind === 'deployment' ? 'Deployment' : 'DaemonSet';
      const d = workloadDetails(app, k, ns, name, k === 'Deployment' ? deployments : daemonsets);
      details = d;
      drawer.open(h('span', { class: 'mono' }, name), d.el);
    }
  };

  const stops = [
    deployments.onChange((c) => {
      showError(deploymentStatus, deployments, 'Deployments');
      deploymentTable.update(deployments.items, c.reset ? undefined : c.keys);
      namespaces();
    }),
    daemonsets.onChange((c) => {
      showError(daemonsetStatus, daemonsets, 'DaemonSets');
      daemonsetTable.update(daemonsets.items, c.reset ? undefined : c.keys);
      namespaces();
    }),
    pods.onChange((c) => {
      showError(podStatus, pods, 'pods');
      podTable.update(pods.items, c.reset ? undefined : c.keys);
      namespaces();
    }),
  ];
  select(params);
  return {
    params: select,
    destroy() {
      for (const s of stops) s();
      details?.destroy();
      app.informers.release(PATHS.deployments);
      app.informers.release(PATHS.daemonsets);
    },
  };
};
