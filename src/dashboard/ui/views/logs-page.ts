/**
 * A pod's logs, streamed (`GET …/pods/NAME/log?follow=true`) from the device that runs it through the
 * device's tunnel. When the device is out of range the hub answers 503 and says so; that message is
 * shown as it came, with a way to try again.
 */

import { asApiError } from '../api/client.js';
import { apiPath } from '../api/paths.js';
import type { View } from '../app.js';
import { h, replace, setText } from '../dom.js';
import { button, emptyState, errorBox } from './widgets.js';

const MAX_CHARS = 2_000_000;

export const logsPage: View = (el, app, params) => {
  const namespace = params.get('ns') ?? '';
  const name = params.get('pod') ?? '';
  if (!namespace || !name) {
    replace(el, emptyState('No pod chosen', 'Open a pod on the Workloads page and choose Logs.'));
    return undefined;
  }
  const key = `${namespace}/${name}`;
  let container = params.get('container') ?? '';
  let follow = params.get('follow') !== 'false';
  let controller: AbortController | undefined;
  let shown = 0;

  const output = h('pre', { class: 'log-output', 'data-logs': key, tabindex: 0 });
  const status = h('div', { class: 'log-status' });
  const state = h('span', { class: 'log-state', 'data-state': 'idle' });
  const containerSelect = h('select', {
    class: 'input',
    'aria-label': 'Container',
    onchange: (e: Event) => {
      container = (e.target as HTMLSelectElement).value;
      void start();
    },
  });
  const tail = h(
    'select',
    { class: 'input', 'aria-label': 'Lines', onchange: () => void start() },
    ['100', '500', '2000', 'all'].map((n) =>
      h('option', { value: n, selected: n === '500' }, n === 'all' ? 'all lines' : `last ${n} lines`),
    ),
  );
  const followBox = h('input', {
    type: 'checkbox',
    checked: follow,
    onchange: (e: Event) => {
      follow = (e.target as HTMLInputElement).checked;
      void start();
    },
  });
  const wrapBox = h('input', {
    type: 'checkbox',
    onchange: (e: Event) => output.classList.toggle('wrap', (e.target as HTMLInputElement).checked),
  });
  const download = button(
    'Download',
    () => {
      const blob = new Blob([output.textContent ?? ''], { type: 'text/plain' });
      const a = h('a', {
        href: URL.createObjectURL(blob),
        download: `${name}${container ? `-${container}` : ''}.log`,
      });
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    },
    { variant: 'ghost' },
  );

  replace(
    el,
    h(
      'div',
      { class: 'logs-page' },
      h(
        'div',
        { class: 'toolbar' },
        h(
          'a',
          { class: 'btn btn-ghost', href: app.href(`/workloads?pod=${encodeURIComponent(key)}`) },
          '← ',
          name,
        ),
        containerSelect,
        tail,
        h('label', { class: 'check' }, followBox, 'Follow'),
        h('label', { class: 'check' }, wrapBox, 'Wrap lines'),
        h('span', { class: 'spacer' }),
        state,
        download,
      ),
      status,
      output,
    ),
  );

  const setState = (s: 'connecting' | 'streaming' | 'ended' | 'error' | 'idle', text: string) => {
    state.dataset.state = s;
    setText(state, text);
  };

  const fillContainers = () => {
    const pod = app.fleet.pods.items.get(key);
    const names: string[] = (pod?.spec?.containers ?? []).map((c: { name: string }) => c.name);
    if (!container && names.length) container = names[0]!;
    if ([...containerSelect.options].map((o) => o.value).join() !== names.join()) {
      replace(
        containerSelect,
        names.map((n) => h('option', { value: n, selected: n === container }, n)),
      );
    }
  };

  const start = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    fillContainers();
    output.textContent = '';
    output.hidden = false;
    shown = 0;
    status.replaceChildren();
    setState('connecting', 'connecting…');
    const query = new URLSearchParams();
    if (container) query.set('container', container);
    if (follow) query.set('follow', 'true');
    if (tail.value !== 'all') query.set('tailLines', tail.value);
    const path = `${apiPath({ group: '', version: 'v1', resource: 'pods', namespace, name, subresource: 'log' })}?${query}`;
    try {
      const res = await app.client.request('GET', path, { accept: 'text/plain', signal: mine.signal });
      setState('streaming', follow ? 'following' : 'loaded');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done || mine.signal.aborted) break;
        append(value);
      }
      if (!mine.signal.aborted) {
        setState('ended', follow ? 'stream ended' : 'loaded');
        if (follow) {
          replace(
            status,
            h(
              'div',
              { class: 'alert alert-info' },
              'The log stream ended (the device may have left coverage). ',
              button('Reconnect', () => void start(), { variant: 'ghost' }),
            ),
          );
        }
      }
    } catch (err) {
      if (mine.signal.aborted) return;
      const error = asApiError(err);
      setState('error', `${error.code} ${error.reason}`);
      output.hidden = output.textContent === '';
      const hint =
        error.code === 503
          ? 'Logs come from the device itself, through the tunnel it keeps to the hub. They are available again as soon as it is back in range.'
          : undefined;
      replace(
        status,
        h(
          'div',
          {},
          errorBox(error, hint),
          button('Try again', () => void start(), { variant: 'ghost', action: 'retry' }),
        ),
      );
    }
  };

  const append = (text: string) => {
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 24;
    output.append(text);
    shown += text.length;
    if (shown > MAX_CHARS) {
      // Keep the newest half so a chatty device cannot exhaust the page's memory.
      output.textContent = (output.textContent ?? '').slice(-MAX_CHARS / 2);
      shown = output.textContent.length;
    }
    if (atBottom) output.scrollTop = output.scrollHeight;
  };

  const stop = app.fleet.pods.onChange(fillContainers);
  void start();
  return {
    destroy() {
      stop();
      controller?.abort();
    },
  };
};
