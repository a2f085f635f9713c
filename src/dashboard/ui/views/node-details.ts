/**
 * A device's details: state, link, lease, position, conditions, taints, labels, the pods on it, the
 * actions the user may take, and any plugin sections for Nodes. Kept live: it updates in place when
 * the Node, its Lease or its pods change.
 */
import type { KubeObject } from '../../../api/types.js';
import { apiPath } from '../api/paths.js';
import { type App, every } from '../app.js';
import { h, replace, setText } from '../dom.js';
import { age, relative, shortDuration } from '../model/format.js';
import {
  conditions,
  departingAt,
  deviceClass,
  deviceState,
  leaseAgeSeconds,
  linkQuality,
  linkRttMs,
  position,
  taints,
} from '../model/node-state.js';
import { podSummary } from '../model/workloads.js';
import { nodeActions, yamlLink } from './actions.js';
import { pluginSections } from './plugin-sections.js';
import { badge, chips, emptyState, facts, meter, section, setStateBadge, stateBadge } from './widgets.js';

export interface DetailsHandle {
  el: HTMLElement;
  destroy(): void;
}

export function nodeDetails(app: App, name: string): DetailsHandle {
  const { fleet } = app;
  const stateEl = stateBadge('ready');
  const classEl = h('span', { class: 'device-class' });
  const link = meter();
  const rtt = h('span');
  const lease = h('span', { 'data-field': 'lease-age' });
  const pos = h('span');
  const departing = h('span');
  const created = h('span');
  const actions = h('div', { class: 'details-actions' });
  const conditionsEl = h('div');
  const taintsEl = h('div');
  const labelsEl = h('div');
  const podsEl = h('div');
  const plugins = pluginSections(app, 'Node');
  const missing = h('div');
  const body = h(
    'div',
    { class: 'details', 'data-node': name },
    missing,
    h(
      'div',
      { class: 'details-head' },
      stateEl,
      classEl,
      h('span', { class: 'spacer' }),
      yamlLink(app, apiPath({ group: '', version: 'v1', resource: 'nodes', name })),
    ),
    actions,
    facts([
      ['Link quality', link.el],
      ['Round trip', rtt],
      ['Lease renewed', lease],
      ['Position', pos],
      ['Departing', departing],
      ['Joined', created],
    ]),
    section('Pods on this device', podsEl),
    section('Conditions', conditionsEl),
    section('Taints', taintsEl),
    section('Labels', labelsEl),
    plugins.el,
  );

  let lastJson = '';
  let lastPods = '';
  const render = () => {
    const node = fleet.node(name);
    if (!node) {
      replace(missing, emptyState(`Device ${name} is not in the cluster`, 'It may have been deleted.'));
      return;
    }
    missing.replaceChildren();
    const json = JSON.stringify(node);
    if (json !== lastJson) {
      lastJson = json;
      setStateBadge(stateEl, deviceState(node));
      setText(classEl, deviceClass(node));
      link.set(linkQuality(node));
      const r = linkRttMs(node);
      setText(rtt, r === undefined ? '–' : `${Math.round(r)} ms`);
      const p = position(node);
      setText(pos, p ? `${p.x.toFixed(1)}, ${p.y.toFixed(1)} m` : 'not reported');
      setText(created, age(node.metadata.creationTimestamp));
      replace(actions, nodeActions(app, node));
      replace(conditionsEl, conditionsTable(node));
      replace(taintsEl, taintList(node));
      replace(labelsEl, chips(node.metadata.labels));
      plugins.render(node);
    }
    const pods = fleet.podsOn(name);
    const podsJson = pods.map((p) => `${p.metadata.uid}:${p.metadata.resourceVersion}`).join();
    if (podsJson !== lastPods) {
      lastPods = podsJson;
      replace(podsEl, podList(app, pods));
    }
    tick();
  };
  const tick = () => {
    const node = fleet.node(name);
    const seconds = leaseAgeSeconds(fleet.lease(name), Date.now());
    setText(lease, seconds === undefined ? 'no lease' : `${shortDuration(seconds)} ago`);
    const when = node ? departingAt(node) : undefined;
    setText(departing, when ? relative(when) : '–');
  };

  const stops = [
    fleet.nodes.onChange((c) => (c.reset || c.keys.has(name)) && render()),
    fleet.leases.onChange((c) => (c.reset || c.keys.has(`kube-node-lease/${name}`)) && tick()),
    fleet.pods.onChange(() => render()),
    every(1000, tick),
  ];
  render();
  return {
    el: body,
    destroy() {
      for (const s of stops) s();
      plugins.destroy();
    },
  };
}

function conditionsTable(node: KubeObject): HTMLElement {
  const list = conditions(node);
  if (list.length === 0) return h('span', { class: 'muted' }, 'none reported');
  return h(
    'table',
    { class: 'mini-table' },
    h(
      'tbody',
      {},
      list.map((c) => {
        const good = c.type === 'Ready' ? c.status === 'True' : c.status === 'False';
        return h(
          'tr',
          {},
          h('td', {}, c.type),
          h('td', {}, badge(c.status, good ? 'ok' : c.status === 'Unknown' ? 'muted' : 'bad')),
          h('td', { class: 'muted' }, c.reason ?? ''),
          h('td', { class: 'muted', title: c.lastTransitionTime ?? '' }, age(c.lastTransitionTime)),
        );
      }),
    ),
  );
}

function taintList(node: KubeObject): HTMLElement {
  const list = taints(node);
  if (list.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'div',
    { class: 'chips' },
    list.map((t) =>
      h(
        'span',
        { class: 'chip chip-taint', title: t.timeAdded ? `since ${t.timeAdded}` : '' },
        `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`,
      ),
    ),
  );
}

export function podList(app: App, pods: KubeObject[]): HTMLElement {
  if (pods.length === 0) return h('span', { class: 'muted' }, 'no pods');
  return h(
    'ul',
    { class: 'pod-list' },
    pods
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
      .map((p) => {
        const s = podSummary(p);
        return h(
          'li',
          {},
          h('span', { class: `dot dot-${s.tone}`, title: s.status }),
          h(
            'a',
            {
              href: app.href(
                `/workloads?pod=${encodeURIComponent(`${p.metadata.namespace}/${p.metadata.name}`)}`,
              ),
            },
            p.metadata.name ?? '',
          ),
          h('span', { class: 'muted' }, ` ${p.metadata.namespace} · ${s.status} · ${s.ready}`),
        );
      }),
  );
}
