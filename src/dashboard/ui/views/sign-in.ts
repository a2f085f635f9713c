/**
 * The sign-in page: a Bearer token, checked by asking the hub who it belongs to (SelfSubjectReview).
 * The token is kept in this tab's sessionStorage only.
 */
import { asApiError, KubeClient } from '../api/client.js';
import { h, replace } from '../dom.js';
import { logo } from './logo.js';

export interface WhoAmI {
  name: string;
  groups: string[];
}

/** Asks the hub who the token belongs to; rejects with the hub's error (401 for a bad token). */
export async function whoAmI(token: string): Promise<WhoAmI> {
  const review = await new KubeClient(token).create<{
    status?: { userInfo?: { username?: string; groups?: string[] } };
  }>('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
  });
  const info = review.status?.userInfo ?? {};
  return { name: info.username ?? 'unknown', groups: info.groups ?? [] };
}

export function signInPage(
  root: HTMLElement,
  onSignedIn: (token: string, user: WhoAmI) => void,
  notice?: string,
): void {
  const tokenInput = h('textarea', {
    id: 'token',
    class: 'input token-input',
    rows: 4,
    spellcheck: false,
    autocomplete: 'off',
    placeholder: 'eyJhbGciOi…',
    'aria-label': 'Bearer token',
  });
  const error = h('div', { class: 'signin-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'signin-card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const token = tokenInput.value.trim().replace(/^Bearer\s+/i, '');
        if (!token) {
          replace(error, 'Paste a token first.');
          return;
        }
        submit.disabled = true;
        replace(error);
        try {
          const user = await whoAmI(token);
          onSignedIn(token, user);
        } catch (err) {
          const e2 = asApiError(err);
          replace(
            error,
            e2.code === 401
              ? `The hub did not accept this token (${e2.message}). It may have expired or its service account may have been deleted.`
              : `Sign-in failed: ${e2.message}`,
          );
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'signin-brand' },
      logo(36),
      h(
        'div',
        {},
        h('div', { class: 'signin-title' }, 'Minato'),
        h('div', { class: 'muted' }, 'Fleet operations dashboard'),
      ),
    ),
    notice ? h('div', { class: 'alert alert-info' }, notice) : null,
    h('label', { class: 'field', for: 'token' }, h('span', {}, 'Bearer token')),
    tokenInput,
    error,
    submit,
    h(
      'div',
      { class: 'signin-help' },
      h('div', {}, 'Get a token on the hub’s machine:'),
      h('pre', {}, 'minato dashboard token'),
      h('div', {}, 'or for any service account:'),
      h('pre', {}, 'kubectl create token NAME -n NAMESPACE'),
      h(
        'div',
        { class: 'muted small' },
        'What you see and may do follows that account’s RBAC. The token stays in this browser tab only.',
      ),
    ),
  );
  replace(root, h('main', { class: 'signin', 'data-page': 'signin' }, form));
  tokenInput.focus();
}
