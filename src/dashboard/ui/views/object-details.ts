/**
 * Details panels for workloads (Deployment, DaemonSet) and pods: rollout progress, conditions, the
 * pods involved, recent events and the actions the user may take. Live while open.
 */
import type { KubeObject } from '../../../api/types.js';
import { apiPath } from '../api/paths.js';
import type { Informer } from '../api/watch.js';
import type { App } from '../app.js';
import { h, replace } from '../dom.js';
import { PATHS } from '../model/fleet.js';
import { age } from '../model/format.js';
import { conditions } from '../model/node-state.js';
import { podSummary, podsOf, rollout } from '../model/workloads.js';
import { deletePod, restartWorkload, yamlLink } from './actions.js';
import type { DetailsHandle } from './node-details.js';
import { podList } from './node-details.js';
import { pluginSections } from './plugin-sections.js';
import { badge, button, emptyState, facts, rolloutBar, section } from './widgets.js';

const RESOURCES: Record<string, { group: string; resource: string }> = {
  Deployment: { group: 'apps', resource: 'deployments' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  Pod: { group: '', resource: 'pods' },
};

export function objectPath(kind: string, namespace: string, name: string): string {
  const r = RESOURCES[kind]!;
  return apiPath({ group: r.group, version: 'v1', resource: r.resource, namespace, name });
}

/** Conditions as a small table (type, status, reason, message, age). */
export function conditionsTable(obj: KubeObject): HTMLElement {
  const list = conditions(obj);
  if (list.length === 0) return h('span', { class: 'muted' }, 'none reported');
  return h(
    'table',
    { class: 'mini-table' },
    h(
      'tbody',
      {},
      list.map((c) =>
        h(
          'tr',
          {},
          h('td', {}, c.type),
          h('td', {}, badge(c.status, c.status === 'True' ? 'ok' : c.status === 'False' ? 'bad' : 'muted')),
          h('td', { class: 'muted', title: c.message ?? '' }, c.reason ?? ''),
          h('td', { class: 'muted' }, age(c.lastTransitionTime)),
        ),
      ),
    ),
  );
}

/** The latest events about any of `objects` (newest first). */
export function eventsAbout(events: Iterable<KubeObject>, objects: KubeObject[], limit = 12): KubeObject[] {
  const uids = new Set(objects.map((o) => o.metadata.uid));
  const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`));
  const out: KubeObject[] = [];
  for (const e of events) {
    const io = e.involvedObject ?? {};
    if (uids.has(io.uid) || names.has(`${io.kind}/${io.namespace}/${io.name}`)) out.push(e);
  }
  return out.sort((a, b) => eventTime(b) - eventTime(a)).slice(0, limit);
}

export function eventTime(e: KubeObject): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  const ms = t ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export function eventList(events: KubeObject[]): HTMLElement {
  if (events.length === 0) return h('span', { class: 'muted' }, 'no recent events');
  return h(
    'ul',
    { class: 'event-list' },
    events.map((e) =>
      h(
        'li',
        { class: e.type === 'Warning' ? 'event-warning' : '' },
        h('span', { class: 'event-reason' }, e.reason ?? ''),
        h(
          'span',
          { class: 'muted' },
          ` ${age(new Date(eventTime(e)).toISOString())} · ${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''}`,
        ),
        h('div', { class: 'event-message' }, e.message ?? ''),
      ),
    ),
  );
}

export function workloadDetails(
  app: App,
  kind: 'Deployment' | 'DaemonSet',
  namespace: string,
  name: string,
  source: Informer,
): DetailsHandle {
  const events = app.informers.acquire(PATHS.events);
  const path = objectPath(kind, namespace, name);
  const bar = rolloutBar();
  const factsEl = h('div');
  const actions = h('div', { class: 'actions' });
  const conditionsEl = h('div');
  const podsEl = h('div');
  const eventsEl = h('div');
  const missing = h('div');
  const plugins = pluginSections(app, kind);
  const el = h(
    'div',
    { class: 'details', 'data-workload': `${kind}/${namespace}/${name}` },
    missing,
    h(
      'div',
      { class: 'details-head' },
      badge(kind, 'info'),
      h('span', { class: 'muted' }, namespace),
      h('span', { class: 'spacer' }),
      yamlLink(app, path),
    ),
    actions,
    section('Rollout across the fleet', bar.el),
    factsEl,
    section('Conditions', conditionsEl),
    section('Pods', podsEl),
    section('Recent events', eventsEl),
    plugins.el,
  );
  let built = '';
  const render = () => {
    const obj = source.items.get(`${namespace}/${name}`);
    if (!obj) {
      replace(missing, emptyState(`${kind} ${namespace}/${name} is gone`, 'It may have been deleted.'));
      return;
    }
    missing.replaceChildren();
    bar.set(rollout(obj));
    const pods = podsOf(obj, app.fleet.pods.items.values());
    const key = `${obj.metadata.resourceVersion}|${pods.map((p) => p.metadata.resourceVersion).join()}|${events.revision}`;
    if (key === built) return;
    built = key;
    const images = (obj.spec?.template?.spec?.containers ?? [])
      .map((c: { image?: string }) => c.image)
      .join(', ');
    replace(
      factsEl,
      facts([
        ['Images', h('span', { class: 'mono' }, images || '–')],
        ['Strategy', obj.spec?.strategy?.type ?? obj.spec?.updateStrategy?.type ?? '–'],
        [
          'Generation',
          `${obj.metadata.generation ?? '–'} (observed ${obj.status?.observedGeneration ?? '–'})`,
        ],
        ['Created', age(obj.metadata.creationTimestamp)],
      ]),
    );
    if (!actions.hasChildNodes()) {
      replace(
        actions,
        app.access.gate(
          button('Restart rollout', () => void restartWorkload(app, obj, path), { action: 'restart' }),
          {
            verb: 'patch',
            group: 'apps',
            resource: RESOURCES[kind]!.resource,
            namespace,
            name,
          },
        ),
      );
    }
    replace(conditionsEl, conditionsTable(obj));
    replace(podsEl, podList(app, pods));
    replace(eventsEl, eventList(eventsAbout(events.items.values(), [obj, ...pods])));
    plugins.render(obj);
  };
  const stops = [source.onChange(render), app.fleet.pods.onChange(render), events.onChange(render)];
  render();
  return {
    el,
    destroy() {
      for (const s of stops) s();
      plugins.destroy();
      app.informers.release(PATHS.events);
    },
  };
}

export function podDetails(app: App, namespace: string, name: string): DetailsHandle {
  const events = app.informers.acquire(PATHS.events);
  const path = objectPath('Pod', namespace, name);
  const key = `${namespace}/${name}`;
  const head = h('div', { class: 'details-head' });
  const factsEl = h('div');
  const containersEl = h('div');
  const conditionsEl = h('div');
  const eventsEl = h('div');
  const missing = h('div');
  const plugins = pluginSections(app, 'Pod');
  const logsHref = app.href(`/logs?ns=${encodeURIComponent(namespace)}&pod=${encodeURIComponent(name)}`);
  const actions = h(
    'div',
    { class: 'actions' },
    app.access.gate(h('a', { class: 'btn btn-primary', href: logsHref, 'data-action': 'logs' }, 'Logs'), {
      verb: 'get',
      resource: 'pods',
      subresource: 'log',
      namespace,
      name,
    }),
    app.access.gate(
      button(
        'Delete',
        () => {
          const pod = app.fleet.pods.items.get(key);
          if (pod) void deletePod(app, pod);
        },
        { variant: 'danger', action: 'delete' },
      ),
      { verb: 'delete', resource: 'pods', namespace, name },
    ),
  );
  const el = h(
    'div',
    { class: 'details', 'data-pod': key },
    missing,
    head,
    actions,
    factsEl,
    section('Containers', containersEl),
    section('Conditions', conditionsEl),
    section('Recent events', eventsEl),
    plugins.el,
  );
  let built = '';
  const render = () => {
    const pod = app.fleet.pods.items.get(key);
    if (!pod) {
      replace(missing, emptyState(`Pod ${key} is gone`, 'It may have been deleted or replaced.'));
      return;
    }
    missing.replaceChildren();
    const k = `${pod.metadata.resourceVersion}|${events.revision}`;
    if (k === built) return;
    built = k;
    const s = podSummary(pod);
    const node = pod.spec?.nodeName as string | undefined;
    replace(
      head,
      badge(s.status, s.tone === 'muted' ? 'muted' : s.tone),
      h('span', { class: 'muted' }, namespace),
      h('span', { class: 'spacer' }),
      yamlLink(app, path),
    );
    const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
    replace(
      factsEl,
      facts([
        [
          'Device',
          node
            ? h('a', { class: 'mono', href: app.href(`/map?node=${encodeURIComponent(node)}`) }, node)
            : h('span', { class: 'muted' }, 'not scheduled'),
        ],
        ['Ready', s.ready],
        ['Restarts', String(s.restarts)],
        ['Owner', owner ? `${owner.kind} ${owner.name}` : '–'],
        ['Created', age(pod.metadata.creationTimestamp)],
      ]),
    );
    const statuses = new Map<string, Record<string, unknown>>(
      (pod.status?.containerStatuses ?? []).map((c: Record<string, unknown>) => [String(c.name), c]),
    );
    replace(
      containersEl,
      h(
        'table',
        { class: 'mini-table' },
        h(
          'tbody',
          {},
          (pod.spec?.containers ?? []).map((c: { name: string; image?: string }) => {
            const st = statuses.get(c.name);
            const state = st?.state ? Object.keys(st.state as object)[0] : 'waiting';
            return h(
              'tr',
              {},
              h('td', {}, c.name),
              h('td', { class: 'mono muted' }, c.image ?? ''),
              h('td', {}, badge(String(state), state === 'running' ? 'ok' : 'warn')),
              h('td', { class: 'muted' }, `restarts ${st?.restartCount ?? 0}`),
            );
          }),
        ),
      ),
    );
    replace(conditionsEl, conditionsTable(pod));
    replace(eventsEl, eventList(eventsAbout(events.items.values(), [pod])));
    plugins.render(pod);
  };
  const stops = [app.fleet.pods.onChange(render), events.onChange(render)];
  render();
  return {
    el,
    destroy() {
      for (const s of stops) s();
      plugins.destroy();
      app.informers.release(PATHS.events);
    },
  };
}
