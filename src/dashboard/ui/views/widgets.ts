/** Small building blocks shared by the pages: badges, meters, progress bars, panels, dialogs. */
import type { ApiError } from '../../../api/errors.js';
import { type Child, h, replace, setAttr, setText } from '../dom.js';
import { type DeviceState, stateInfo } from '../model/node-state.js';
import type { Rollout } from '../model/workloads.js';

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'muted' | 'info';

export function badge(text: string, tone: BadgeTone = 'muted', title?: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${tone}`, title }, text);
}

export function stateBadge(state: DeviceState): HTMLSpanElement {
  const info = stateInfo(state);
  return h(
    'span',
    { class: `state-badge state-${state}`, title: info.help, 'data-state': state },
    info.label,
  );
}

/** Updates a badge made by stateBadge in place. */
export function setStateBadge(el: HTMLElement, state: DeviceState): void {
  if (el.dataset.state === state) return;
  const info = stateInfo(state);
  el.dataset.state = state;
  el.className = `state-badge state-${state}`;
  el.title = info.help;
  el.textContent = info.label;
}

/** A 0–100 meter with its number; `undefined` shows a dash. */
export function meter(): { el: HTMLElement; set(value: number | undefined): void } {
  const fill = h('span', { class: 'meter-fill' });
  const label = h('span', { class: 'meter-label' });
  const el = h('span', { class: 'meter' }, h('span', { class: 'meter-track' }, fill), label);
  return {
    el,
    set(value) {
      if (value === undefined) {
        setAttr(fill, 'style', 'width:0');
        setText(label, '–');
        el.dataset.level = 'none';
        return;
      }
      setAttr(fill, 'style', `width:${Math.round(value)}%`);
      setText(label, `${Math.round(value)}%`);
      el.dataset.level = value >= 60 ? 'good' : value >= 30 ? 'fair' : 'poor';
    },
  };
}

/** Updated / ready / desired as one bar: ready solid, updated-but-not-ready hatched, the rest empty. */
export function rolloutBar(): { el: HTMLElement; set(r: Rollout): void } {
  const ready = h('span', { class: 'rollout-ready' });
  const updated = h('span', { class: 'rollout-updated' });
  const text = h('span', { class: 'rollout-text' });
  const el = h(
    'div',
    { class: 'rollout', role: 'progressbar', 'aria-valuemin': 0 },
    h('div', { class: 'rollout-track' }, ready, updated),
    text,
  );
  return {
    el,
    set(r) {
      const desired = Math.max(r.desired, 1);
      const readyPct = Math.min(100, (Math.min(r.ready, r.updated) / desired) * 100);
      const updatedPct = Math.max(0, Math.min(100, (r.updated / desired) * 100) - readyPct);
      setAttr(ready, 'style', `width:${readyPct}%`);
      setAttr(updated, 'style', `width:${updatedPct}%`);
      setAttr(el, 'aria-valuemax', String(r.desired));
      setAttr(el, 'aria-valuenow', String(r.ready));
      el.dataset.complete = String(r.complete);
      setText(
        text,
        `${r.ready}/${r.desired} ready · ${r.updated} updated${r.stale ? ' · waiting for controller' : ''}`,
      );
    },
  };
}

export function emptyState(title: string, hint?: Child): HTMLElement {
  return h(
    'div',
    { class: 'empty' },
    h('div', { class: 'empty-title' }, title),
    hint ? h('div', { class: 'empty-hint' }, hint) : null,
  );
}

/** An error as the API gave it: the message first, then code and reason, then any field causes. */
export function errorBox(error: ApiError, hint?: Child): HTMLElement {
  const causes = error.details?.causes ?? [];
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert', 'data-code': error.code, 'data-reason': error.reason },
    h('div', { class: 'alert-title' }, error.message),
    h('div', { class: 'alert-meta' }, `${error.code} ${error.reason}`),
    causes.length
      ? h(
          'ul',
          { class: 'alert-causes' },
          causes.map((c) =>
            h('li', {}, c.field ? h('code', {}, c.field) : null, ' ', c.message ?? c.reason ?? ''),
          ),
        )
      : null,
    hint ? h('div', { class: 'alert-hint' }, hint) : null,
  );
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel-section' }, h('h3', {}, title), ...children);
}

/** A definition list of label → value rows. */
export function facts(rows: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

export function chips(entries: Record<string, string> | undefined, empty = 'none'): HTMLElement {
  const list = Object.entries(entries ?? {});
  if (list.length === 0) return h('span', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'chips' },
    list.map(([k, v]) =>
      h(
        'span',
        { class: 'chip', title: `${k}=${v}` },
        h('span', { class: 'chip-key' }, k),
        v ? h('span', { class: 'chip-value' }, v) : null,
      ),
    ),
  );
}

export function button(
  label: string,
  onclick: (event: Event) => void,
  options: { variant?: 'primary' | 'danger' | 'ghost' | 'default'; title?: string; action?: string } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: `btn btn-${options.variant ?? 'default'}`,
      title: options.title,
      'data-action': options.action,
      onclick,
    },
    label,
  );
}

/** A modal dialog; resolves with the value of the button pressed (undefined when dismissed). */
export function dialog<T>(
  title: string,
  body: Child,
  buttons: { label: string; value: () => T; variant?: 'primary' | 'danger' | 'default' }[],
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const el = h('dialog', { class: 'dialog' });
    const close = (value: T | undefined) => {
      el.close();
      el.remove();
      resolve(value);
    };
    replace(
      el,
      h('h2', {}, title),
      h('div', { class: 'dialog-body' }, body),
      h(
        'div',
        { class: 'dialog-actions' },
        button('Cancel', () => close(undefined), { variant: 'ghost' }),
        buttons.map((b) => button(b.label, () => close(b.value()), { variant: b.variant ?? 'default' })),
      ),
    );
    el.addEventListener('cancel', () => close(undefined));
    document.body.append(el);
    el.showModal();
  });
}

/** A right-hand details panel that pages open for a selected object. */
export class Drawer {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private cleanup: (() => void) | undefined;

  constructor(onClose: () => void) {
    this.title = h('h2', { class: 'drawer-title' });
    this.body = h('div', { class: 'drawer-body' });
    this.el = h(
      'aside',
      { class: 'drawer', hidden: true, 'aria-label': 'Details' },
      h(
        'header',
        { class: 'drawer-head' },
        this.title,
        h(
          'button',
          {
            type: 'button',
            class: 'icon-btn',
            title: 'Close',
            'aria-label': 'Close details',
            onclick: onClose,
          },
          '×',
        ),
      ),
      this.body,
    );
  }

  open(title: Child, content: HTMLElement, cleanup?: () => void): void {
    this.cleanup?.();
    this.cleanup = cleanup;
    replace(this.title, title);
    replace(this.body, content);
    this.el.hidden = false;
  }

  close(): void {
    this.cleanup?.();
    this.cleanup = undefined;
    this.el.hidden = true;
    this.body.replaceChildren();
  }
}
