// The speakers' liveness key: a Secret in the install namespace, HMAC key bytes in data.key.
// The controller creates it when absent (`generatedKeySecret`); a Secret a user supplies
// (sealed-secrets, external-secrets) is used as it is. Pure.
import { randomBytes } from 'node:crypto';
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';

export const LIVENESS_SECRET = 'portside-liveness-key';
export const LIVENESS_SECRET_KEY = 'key';
/** Bytes of a generated key (HMAC-SHA256's block is 64; 32 random bytes is its strength). */
export const GENERATED_KEY_BYTES = 32;
export const GENERATED_BY_LABEL = 'portside.dev/generated-by';

/** A new Secret with a random key, labelled (and owned, when `owner` is known) as the install's. */
export function generatedKeySecret(namespace: string, owner: V1OwnerReference | undefined, random = randomBytes): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: LIVENESS_SECRET,
      namespace,
      labels: { 'app.kubernetes.io/name': 'portside', 'app.kubernetes.io/component': 'speaker', [GENERATED_BY_LABEL]: 'controller' },
      // sealed-secrets may replace a Secret it did not create only when it carries this.
      annotations: { 'sealedsecrets.bitnami.com/managed': 'true' },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    data: { [LIVENESS_SECRET_KEY]: random(GENERATED_KEY_BYTES).toString('base64') },
  };
}
