/**
 * View and edit any object as YAML, the way `kubectl edit` does: GET it (the hub renders YAML), edit,
 * PUT it back. The resourceVersion in the text makes the write conditional, so if someone changed the
 * object meanwhile the hub answers 409 Conflict; that is shown plainly and the edits are kept.
 * Users who may not update the object get a read-only view.
 */

import { asApiError } from '../api/client.js';
import { parseApiPath } from '../api/paths.js';
import type { View } from '../app.js';
import { h, replace, setText } from '../dom.js';
import { withoutManagedFields } from '../model/yaml-text.js';
import { button, emptyState, errorBox } from './widgets.js';

export const yamlPage: View = (el, app, params) => {
  const path = params.get('path') ?? '';
  const target = parseApiPath(path);
  if (!target?.name) {
    replace(el, emptyState('Nothing to show', 'Open YAML from an object’s details.'));
    return undefined;
  }
  const editor = h('textarea', {
    class: 'yaml-editor',
    spellcheck: false,
    autocapitalize: 'off',
    autocomplete: 'off',
    'aria-label': `YAML of ${target.resource}/${target.name}`,
    readonly: true,
  });
  const status = h('div', { class: 'yaml-status' });
  const note = h('span', { class: 'muted' });
  const dirty = h('span', { class: 'dirty', hidden: true }, 'edited');
  let loaded = '';
  let showManaged = false;
  const managedBox = h('input', {
    type: 'checkbox',
    onchange: (e: Event) => {
      showManaged = (e.target as HTMLInputElement).checked;
      void load(true);
    },
  });
  const shown = (text: string) => (showManaged ? text : withoutManagedFields(text));

  const save = app.access.gate(
    button('Save', () => void put(), {
      variant: 'primary',
      action: 'save',
      title: 'Replace the object (PUT)',
    }),
    {
      verb: 'update',
      group: target.group,
      resource: target.resource,
      namespace: target.namespace,
      name: target.name,
    },
  );
  const reload = button('Reload', () => void load(true), { variant: 'ghost', action: 'reload' });

  replace(
    el,
    h(
      'div',
      { class: 'yaml-page' },
      h(
        'div',
        { class: 'toolbar' },
        h('span', { class: 'mono yaml-path' }, path),
        dirty,
        h('span', { class: 'spacer' }),
        note,
        h(
          'label',
          { class: 'check', title: 'The hub keeps them when a save leaves them out' },
          managedBox,
          'Managed fields',
        ),
        reload,
        save,
      ),
      status,
      editor,
    ),
  );

  editor.addEventListener('input', () => {
    dirty.hidden = editor.value === loaded;
  });
  editor.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') {
      e.preventDefault();
      if (!save.hidden) void put();
    }
    if (e.key === 'Tab' && !editor.readOnly) {
      e.preventDefault();
      editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
    }
  });

  void app.access
    .can({
      verb: 'update',
      group: target.group,
      resource: target.resource,
      namespace: target.namespace,
      name: target.name,
    })
    .then((allowed) => {
      editor.readOnly = !allowed;
      setText(note, allowed ? 'Ctrl+S saves' : 'Read-only: you may not update this object');
    });

  const load = async (confirmDiscard: boolean) => {
    if (
      confirmDiscard &&
      editor.value !== loaded &&
      !window.confirm('Discard your edits and load the current version?')
    )
      return;
    try {
      const text = shown(await app.client.getYaml(path));
      loaded = text;
      editor.value = text;
      dirty.hidden = true;
      status.replaceChildren();
    } catch (err) {
      replace(status, errorBox(asApiError(err)));
    }
  };

  const put = async () => {
    status.replaceChildren();
    try {
      const text = shown(await app.client.putYaml(path, editor.value));
      loaded = text;
      editor.value = text;
      dirty.hidden = true;
      const rv = /resourceVersion: "?(\d+)"?/.exec(text)?.[1];
      replace(
        status,
        h(
          'div',
          { class: 'alert alert-ok', 'data-saved': 'true' },
          `Saved${rv ? ` (resourceVersion ${rv})` : ''}.`,
        ),
      );
    } catch (err) {
      const error = asApiError(err);
      const hint =
        error.code === 409
          ? h(
              'span',
              {},
              'Someone changed this object after you opened it, so your version was not written (nothing was lost). Your edits are still in the editor: reload to see the current version, then apply your change again. ',
              button('Reload the current version', () => void load(true), {
                variant: 'ghost',
                action: 'reload-conflict',
              }),
            )
          : error.code === 422
            ? 'The hub refused the object: fix the fields named above and save again.'
            : undefined;
      replace(status, errorBox(error, hint));
    }
  };

  void load(false);
  return undefined;
};
