/**
 * Service-account tokens: ES256-signed JWTs (the cluster's sa.key), as `kubectl create token` and
 * TokenRequest hand them out. A token names its service account by namespace, name and uid, so it
 * dies with the account; it expires; and its audiences are checked.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { unauthorized } from '../../api/errors.js';

export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_AUDIENCES = ['https://kubernetes.default.svc.cluster.local', 'minato'];

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class ServiceAccountTokens {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(privateKeyPem: string, publicKeyPem: string) {
    this.privateKey = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(publicKeyPem);
  }

  issue(
    account: { namespace: string; name: string; uid: string },
    options: { audiences?: string[]; expirationSeconds: number; now?: Date },
  ): { token: string; expires: Date } {
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const claims: ServiceAccountClaims = {
      iss: TOKEN_ISSUER,
      sub: `system:serviceaccount:${account.namespace}:${account.name}`,
      aud: options.audiences?.length ? options.audiences : DEFAULT_AUDIENCES,
      iat: now,
      nbf: now,
      exp: now + options.expirationSeconds,
      'kubernetes.io': {
        namespace: account.namespace,
        serviceaccount: { name: account.name, uid: account.uid },
      },
    };
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${body}`), {
      key: this.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return { token: `${header}.${body}.${b64url(signature)}`, expires: new Date(claims.exp * 1000) };
  }

  /** Verifies signature, issuer, audience and time; the caller checks the account still exists. */
  verify(token: string, now = new Date()): ServiceAccountClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw unauthorized('invalid bearer token: not a JWT');
    const [header, body, signature] = parts as [string, string, string];
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${body}`),
      { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!ok) throw unauthorized('invalid bearer token: the signature does not match this cluster');
    let claims: ServiceAccountClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw unauthorized('invalid bearer token: unreadable claims');
    }
    const seconds = now.getTime() / 1000;
    if (claims.iss !== TOKEN_ISSUER) throw unauthorized('invalid bearer token: unknown issuer');
    if (typeof claims.exp !== 'number' || claims.exp <= seconds) {
      throw unauthorized(
        `the service-account token expired at ${new Date((claims.exp ?? 0) * 1000).toISOString()}; request a new one with "kubectl create token"`,
      );
    }
    if (typeof claims.nbf === 'number' && claims.nbf > seconds + 60)
      throw unauthorized('invalid bearer token: not valid yet');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((a) => DEFAULT_AUDIENCES.includes(a)))
      throw unauthorized('invalid bearer token: not meant for this hub (audience)');
    return claims;
  }
}
