/**
 * The mutating actions the dashboard offers, each shown only to users the hub says may do it:
 * cordon/uncordon and depart/return for devices, restart for workloads, delete for pods, and YAML
 * editing for anything.
 */
import type { KubeObject } from '../../../api/types.js';
import { asApiError } from '../api/client.js';
import { apiPath } from '../api/paths.js';
import type { App } from '../app.js';
import { h } from '../dom.js';
import { ANNOTATIONS } from '../model/node-state.js';
import { button, dialog } from './widgets.js';

const nodePath = (name: string) => apiPath({ group: '', version: 'v1', resource: 'nodes', name });

async function run(app: App, what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
    app.toast(what, 'ok');
  } catch (err) {
    app.toast(`${what} failed: ${asApiError(err).message}`, 'error');
  }
}

/** Cordon (spec.unschedulable, as `kubectl cordon` does) or uncordon. */
export function setCordon(app: App, name: string, cordon: boolean): Promise<void> {
  return run(app, `${cordon ? 'Cordoned' : 'Uncordoned'} ${name}`, () =>
    app.client.patch(nodePath(name), { spec: { unschedulable: cordon ? true : null } }),
  );
}

/** Announces a departure (the annotation `minato node depart` writes), or cancels it. */
export function setDeparture(app: App, name: string, inSeconds: number | null): Promise<void> {
  const deadline = inSeconds === null ? null : new Date(Date.now() + inSeconds * 1000).toISOString();
  return run(app, inSeconds === null ? `${name} returned` : `${name} departing`, () =>
    app.client.patch(nodePath(name), { metadata: { annotations: { [ANNOTATIONS.departing]: deadline } } }),
  );
}

async function askDeparture(app: App, name: string): Promise<void> {
  const select = h(
    'select',
    { class: 'input', 'aria-label': 'Leaves in' },
    h('option', { value: '0' }, 'now'),
    h('option', { value: '30', selected: true }, 'in 30 seconds'),
    h('option', { value: '120' }, 'in 2 minutes'),
    h('option', { value: '600' }, 'in 10 minutes'),
  );
  const seconds = await dialog(
    `Depart ${name}?`,
    h(
      'div',
      {},
      h(
        'p',
        {},
        'The device is cordoned now and its relocatable pods move elsewhere before its link goes. Fleet pods (DaemonSets) stay.',
      ),
      h('label', { class: 'field' }, h('span', {}, 'It leaves'), select),
    ),
    [{ label: 'Depart', value: () => Number(select.value), variant: 'primary' }],
  );
  if (seconds !== undefined) await setDeparture(app, name, seconds);
}

/** The action buttons for a device, for its current state. */
export function nodeActions(app: App, node: KubeObject): HTMLElement {
  const name = node.metadata.name!;
  const q = { verb: 'patch', resource: 'nodes', name };
  const cordoned = Boolean(node.spec?.unschedulable);
  const departing = Boolean(node.metadata.annotations?.[ANNOTATIONS.departing]);
  return h(
    'div',
    { class: 'actions' },
    app.access.gate(
      button(cordoned ? 'Uncordon' : 'Cordon', () => void setCordon(app, name, !cordoned), {
        action: cordoned ? 'uncordon' : 'cordon',
        title: cordoned ? 'Allow new pods on this device again' : 'Stop scheduling new pods on this device',
      }),
      q,
    ),
    app.access.gate(
      departing
        ? button('Return', () => void setDeparture(app, name, null), {
            action: 'return',
            title: 'Cancel the departure',
          })
        : button('Depart…', () => void askDeparture(app, name), {
            action: 'depart',
            title: 'Drain the device before it leaves (like minato node depart)',
          }),
      q,
    ),
  );
}

/** Restart a Deployment or DaemonSet the way `kubectl rollout restart` does. */
export function restartWorkload(app: App, obj: KubeObject, path: string): Promise<void> {
  return run(app, `Restarting ${obj.kind} ${obj.metadata.name}`, () =>
    app.client.patch(path, {
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } },
        },
      },
    }),
  );
}

export async function deletePod(app: App, pod: KubeObject): Promise<void> {
  const ok = await dialog(
    `Delete pod ${pod.metadata.name}?`,
    h('p', {}, 'Its controller (if any) will start a replacement.'),
    [{ label: 'Delete', value: () => true, variant: 'danger' }],
  );
  if (!ok) return;
  const path = apiPath({
    group: '',
    version: 'v1',
    resource: 'pods',
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
  });
  await run(app, `Deleted pod ${pod.metadata.name}`, () => app.client.delete(path));
}

/** A link to the YAML view of an object (editable there when the user may update it). */
export function yamlLink(app: App, path: string, label = 'YAML'): HTMLAnchorElement {
  return h(
    'a',
    {
      class: 'btn btn-ghost',
      href: app.href(`/yaml?path=${encodeURIComponent(path)}`),
      'data-action': 'yaml',
    },
    label,
  );
}
