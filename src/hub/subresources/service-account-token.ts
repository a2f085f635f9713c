/** serviceaccounts/token: TokenRequest, the API behind `kubectl create token`. */
import { fieldInvalid, invalid, methodNotAllowed } from '../../api/index.js';
import type { ServiceAccountTokens } from '../auth/service-account-tokens.js';
import type { SubresourceHandler } from '../http/resource-handler.js';
import { sendJson } from '../http/respond.js';
import type { ObjectService } from '../objects/object-service.js';

const DEFAULT_SECONDS = 3600;
const MIN_SECONDS = 600;
const MAX_SECONDS = 48 * 3600;

export function serviceAccountToken(
  objects: ObjectService,
  tokens: ServiceAccountTokens,
): SubresourceHandler {
  return async ({ req, res, type, namespace, name, readObject }) => {
    if (req.method !== 'POST') throw methodNotAllowed('serviceaccounts/token takes POST');
    const body = await readObject();
    const account = objects.get(type, namespace, name);
    const spec = (body.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number };
    const seconds = spec.expirationSeconds ?? DEFAULT_SECONDS;
    if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
      throw invalid('TokenRequest', 'authentication.k8s.io', name, [
        fieldInvalid(
          'spec.expirationSeconds',
          seconds,
          `must be between ${MIN_SECONDS} seconds and ${MAX_SECONDS / 3600} hours`,
        ),
      ]);
    }
    const issued = tokens.issue(
      { namespace: namespace!, name, uid: account.metadata.uid! },
      { audiences: spec.audiences, expirationSeconds: seconds },
    );
    sendJson(res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences: spec.audiences ?? [], expirationSeconds: seconds, boundObjectRef: null },
      status: {
        token: issued.token,
        expirationTimestamp: issued.expires.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    });
  };
}
