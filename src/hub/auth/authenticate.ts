/**
 * Who is calling: a client certificate signed by the cluster CA (CN = user, O = groups) or a bootstrap
 * token. No credential means anonymous (undefined); a bad credential is a 401, never anonymous.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { unauthorized } from '../../api/errors.js';
import { identityFromPeerCertificate } from '../../pki/index.js';
import type { UserInfo } from '../http/server.js';
import type { ObjectService } from '../objects/object-service.js';
import { authenticateBootstrapToken } from './bootstrap-tokens.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

export function createAuthenticator(
  objects: ObjectService,
  tokens: ServiceAccountTokens,
): (req: IncomingMessage) => UserInfo | undefined {
  const secrets = objects.registry.lookup('', 'v1', 'secrets')!;
  const accounts = objects.registry.lookup('', 'v1', 'serviceaccounts')!;
  // A TLS connection's client certificate never changes, so it is parsed once per connection.
  const bySocket = new WeakMap<TLSSocket, UserInfo | null>();
  return (req) => {
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      let user = bySocket.get(socket);
      if (user === undefined) {
        const cert = socket.getPeerCertificate?.();
        const identity = cert && Object.keys(cert).length > 0 ? identityFromPeerCertificate(cert) : undefined;
        user = identity
          ? { name: identity.user, groups: [...identity.groups, 'system:authenticated'] }
          : null;
        bySocket.set(socket, user);
      }
      if (user) return user;
    }
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const presented = header.slice(7).trim();
      if (presented.split('.').length === 3) {
        const claims = tokens.verify(presented);
        const { namespace, serviceaccount } = claims['kubernetes.io'];
        const account = objects.find(accounts, namespace, serviceaccount.name);
        // Deleting (or recreating) the account revokes every token issued for it.
        if (account?.metadata.uid !== serviceaccount.uid) {
          throw unauthorized(
            `the service account ${namespace}/${serviceaccount.name} of this token no longer exists`,
          );
        }
        return {
          name: claims.sub,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        };
      }
      const user = authenticateBootstrapToken(presented, (name) =>
        objects.find(secrets, 'kube-system', name),
      );
      return { name: user.name, groups: [...user.groups, 'system:authenticated'] };
    }
    return undefined;
  };
}
