/** What a request asks to do, in the terms authorization rules are written in (Kubernetes' attributes). */
import type { UserInfo } from '../http/server.js';
import { parseResourcePath } from '../request/request-info.js';

export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** The URL path, for non-resource requests such as /version. */
  path: string;
  fieldSelector: string;
}

const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function attributesOf(user: UserInfo, method: string, url: URL): RequestAttributes {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const target = parseResourcePath(path);
  const fieldSelector = url.searchParams.get('fieldSelector') ?? '';
  if (!target) {
    return {
      user,
      verb: method.toLowerCase(),
      resourceRequest: false,
      apiGroup: '',
      resource: '',
      subresource: '',
      namespace: '',
      name: '',
      path,
      fieldSelector,
    };
  }
  // A namespace addressed as an object (/api/v1/namespaces/x) is cluster-scoped, named x.
  const isNamespaceItself =
    target.group === '' && target.resource === 'namespaces' && target.namespace === undefined;
  let verb = VERB_BY_METHOD[method] ?? 'get';
  if (method === 'GET' || method === 'HEAD') {
    const watch = url.searchParams.get('watch');
    if (watch === 'true' || watch === '1') verb = 'watch';
    else verb = target.name ? 'get' : 'list';
  }
  if (method === 'DELETE' && !target.name) verb = 'deletecollection';
  return {
    user,
    verb,
    resourceRequest: true,
    apiGroup: target.group,
    resource: target.resource,
    subresource: target.subresource ?? '',
    namespace: isNamespaceItself ? '' : (target.namespace ?? ''),
    name: target.name ?? '',
    path,
    fieldSelector,
  };
}

/** "get pods/log in namespace x": how a denial names what was asked. */
export function describeRequest(a: RequestAttributes): string {
  if (!a.resourceRequest) return `${a.verb} path "${a.path}"`;
  const resource = `${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${a.verb} resource "${resource}" in API group "${a.apiGroup}"${where}`;
}
