/**
 * "May I?" before every mutating control: a SelfSubjectAccessReview per (verb, resource, namespace,
 * name), answered by the hub's own authorizer, cached for a minute. Controls stay hidden until the
 * answer is yes, so a view-only user never sees a button that would only earn a 403. (The API still
 * enforces everything; this only keeps the screen honest.)
 */
import type { KubeClient } from './client.js';

export interface AccessQuestion {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const TTL_MS = 60_000;

export class Access {
  private readonly answers = new Map<string, { at: number; allowed: Promise<boolean> }>();

  constructor(private readonly client: KubeClient) {}

  can(q: AccessQuestion): Promise<boolean> {
    const key = [
      q.verb,
      q.group ?? '',
      q.resource,
      q.subresource ?? '',
      q.namespace ?? '',
      q.name ?? '',
    ].join('|');
    const cached = this.answers.get(key);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.allowed;
    const allowed = this.client
      .create<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: q.verb,
            group: q.group ?? '',
            resource: q.resource,
            subresource: q.subresource ?? '',
            namespace: q.namespace ?? '',
            name: q.name ?? '',
          },
        },
      })
      .then((review) => review.status?.allowed === true)
      .catch(() => false);
    this.answers.set(key, { at: Date.now(), allowed });
    return allowed;
  }

  /**
   * Shows `el` only once the answer is yes. The element carries `data-gate` (the question) and, once
   * answered, `data-decided`, so tests and plugins can tell "not yet known" from "not allowed".
   */
  gate<T extends HTMLElement>(el: T, q: AccessQuestion): T {
    el.hidden = true;
    el.dataset.gate = `${q.verb} ${q.resource}${q.subresource ? `/${q.subresource}` : ''}`;
    void this.can(q).then((allowed) => {
      el.hidden = !allowed;
      el.dataset.decided = allowed ? 'allowed' : 'denied';
    });
    return el;
  }
}
