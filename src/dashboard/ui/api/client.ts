/**
 * The dashboard's one way to the hub: fetch with the signed-in user's Bearer token, every failure an
 * ApiError built from the Kubernetes Status the hub answered (the project's one error model). A 401
 * anywhere means the token is no longer good, and the app returns to the sign-in page.
 */
import { ApiError } from '../../../api/errors.js';
import type { KubeObject, Status } from '../../../api/types.js';

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface RequestOptions {
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface KubeList<T = KubeObject> {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export class KubeClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (error: ApiError) => void = () => {},
  ) {}

  /** A raw request; resolves with the Response when it is 2xx, otherwise rejects with an ApiError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: options.accept ?? 'application/json',
    };
    if (options.contentType) headers['Content-Type'] = options.contentType;
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: options.body,
        signal: options.signal,
        cache: 'no-store',
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(503, 'ServiceUnavailable', `the hub cannot be reached: ${(err as Error).message}`);
    }
    if (res.ok) return res;
    const error = await errorFrom(res);
    if (res.status === 401) this.onUnauthorized(error);
    throw error;
  }

  async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType: body === undefined ? undefined : contentType,
    });
    return (await res.json()) as T;
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  list<T = KubeObject>(path: string): Promise<KubeList<T>> {
    return this.json<KubeList<T>>('GET', path);
  }

  create<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  replace<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, body);
  }

  patch<T = KubeObject>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.json<T>('PATCH', path, body, PATCH_CONTENT_TYPES[type]);
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  /** The object as YAML, exactly as the hub renders it (what `kubectl get -o yaml` shows). */
  async getYaml(path: string): Promise<string> {
    return (await this.request('GET', path, { accept: 'application/yaml' })).text();
  }

  /** Replaces the object with YAML text; the resourceVersion in it guards against lost updates (409). */
  async putYaml(path: string, yaml: string): Promise<string> {
    const res = await this.request('PUT', path, {
      body: yaml,
      contentType: 'application/yaml',
      accept: 'application/yaml',
    });
    return res.text();
  }
}

/** The ApiError a failed response carries (its Status), or one describing a non-Status body. */
export async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let status: Partial<Status> | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed && typeof parsed === 'object') status = parsed;
  } catch {
    status = undefined;
  }
  if (status?.kind === 'Status' || status?.message) return ApiError.fromStatus(status, res.status);
  return ApiError.fromStatus(
    { code: res.status, message: text.trim() || `the hub answered ${res.status} ${res.statusText}` },
    res.status,
  );
}

/** Any thrown value as an ApiError (for showing it). */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error && err.name === 'MinatoApiError') return err as ApiError;
  return new ApiError(500, 'InternalError', err instanceof Error ? err.message : String(err));
}
