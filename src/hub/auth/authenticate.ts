/**
 * Who is calling: a client certificate signed by the cluster CA (CN = user, O = groups) or a bootstrap
 * token. No credential means anonymous (undefined); a bad credential is a 401, never anonymous.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identityFromPeerCertificate } from '../../pki/index.js';
import type { UserInfo } from '../http/server.js';
import type { ObjectService } from '../objects/object-service.js';
import { authenticateBootstrapToken } from './bootstrap-tokens.js';

export function createAuthenticator(objects: ObjectService): (req: IncomingMessage) => UserInfo | undefined {
  const secrets = objects.registry.lookup('', 'v1', 'secrets')!;
  return (req) => {
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cert = socket.getPeerCertificate?.();
      if (cert && Object.keys(cert).length > 0) {
        const identity = identityFromPeerCertificate(cert);
        return { name: identity.user, groups: [...identity.groups, 'system:authenticated'] };
      }
    }
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const user = authenticateBootstrapToken(header.slice(7), (name) =>
        objects.find(secrets, 'kube-system', name),
      );
      return { name: user.name, groups: [...user.groups, 'system:authenticated'] };
    }
    return undefined;
  };
}
