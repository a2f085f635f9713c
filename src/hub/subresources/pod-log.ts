/**
 * pods/log: streams a container's log from the device that runs it, through the device's own tunnel,
 * so `kubectl logs [-f]` works for devices behind NAT.
 */
import { badRequest, methodNotAllowed } from '../../api/index.js';
import type { TunnelServer } from '../../tunnel/tunnel-server.js';
import type { SubresourceHandler } from '../http/resource-handler.js';
import type { ObjectService } from '../objects/object-service.js';

const PASSED_PARAMETERS = [
  'follow',
  'tailLines',
  'sinceSeconds',
  'sinceTime',
  'timestamps',
  'limitBytes',
  'previous',
];

export function podLog(objects: ObjectService, tunnels: TunnelServer): SubresourceHandler {
  return async ({ req, res, url, type, namespace, name }) => {
    if (req.method !== 'GET') throw methodNotAllowed('pods/log takes GET');
    const pod = objects.get(type, namespace, name);
    const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
    let container = url.searchParams.get('container') ?? undefined;
    if (!container) {
      if (containers.length !== 1) {
        throw badRequest(
          `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
        );
      }
      container = containers[0]!;
    } else if (!containers.includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const node = pod.spec?.nodeName;
    if (!node) throw badRequest(`pod ${name} is not scheduled to a device yet, so it has no logs`);
    const query = new URLSearchParams();
    for (const p of PASSED_PARAMETERS) {
      const v = url.searchParams.get(p);
      if (v !== null) query.set(p, v);
    }
    const path = `/logs/${encodeURIComponent(namespace ?? '')}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
    const stream = tunnels.request(node, { method: 'GET', path });
    res.on('close', stream.cancel);
    const head = await stream.response;
    res.writeHead(head.status, {
      'Content-Type': head.headers?.['content-type'] ?? 'text/plain',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    stream.body.pipe(res);
  };
}
