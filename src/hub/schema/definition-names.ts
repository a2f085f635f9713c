/** Names of the definitions the schema layer itself needs to know about, and how $refs point at them. */

export const REF_PREFIX = '#/components/schemas/';

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
export const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
export const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

/** A schema that points at a definition. */
export function refTo(name: string): { $ref: string } {
  return { $ref: `${REF_PREFIX}${name}` };
}

/** The definition name a `$ref` points at, or undefined for refs outside components.schemas. */
export function refName(ref: string): string | undefined {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}
