/** Generic metadata rules every kind follows on create and update. */
import { randomBytes, randomUUID } from 'node:crypto';
import { fieldInvalid, fieldRequired, type KubeObject, type StatusCause } from '../../api/index.js';
import type { ResourceType } from '../registry/resource-type.js';
import { type NameRule, validateAnnotations, validateLabels, validateName } from './names.js';

const GENERATE_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** kubectl's and the apiserver's generateName: prefix plus five random consonants/digits. */
export function generateNameFrom(prefix: string): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += GENERATE_SUFFIX_ALPHABET[b % GENERATE_SUFFIX_ALPHABET.length];
  return `${prefix.slice(0, 58)}${suffix}`;
}

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newUid(): string {
  return randomUUID();
}

export function validateMetadata(obj: KubeObject, type: ResourceType, nameRule: NameRule): StatusCause[] {
  const meta = obj.metadata;
  const causes: StatusCause[] = [];
  if (!meta.name)
    causes.push(fieldRequired('metadata.name', 'Required value: name or generateName is required'));
  else causes.push(...validateName(meta.name, nameRule));
  if (type.namespaced && !meta.namespace) causes.push(fieldRequired('metadata.namespace'));
  causes.push(...validateLabels(meta.labels), ...validateAnnotations(meta.annotations));
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    for (const field of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (!ref[field]) causes.push(fieldRequired(`metadata.ownerReferences[${i}].${field}`));
    }
  });
  if ((meta.ownerReferences ?? []).filter((r) => r.controller).length > 1) {
    causes.push(
      fieldInvalid(
        'metadata.ownerReferences',
        meta.ownerReferences,
        'Only one reference can have Controller set to true',
      ),
    );
  }
  if (meta.finalizers && !Array.isArray(meta.finalizers))
    causes.push(fieldInvalid('metadata.finalizers', meta.finalizers, 'must be a list'));
  return causes;
}

/** The parts of an object whose change bumps metadata.generation: everything but metadata and status. */
export function specOf(obj: KubeObject): string {
  const { metadata, status, apiVersion, kind, ...rest } = obj;
  return JSON.stringify(rest);
}
