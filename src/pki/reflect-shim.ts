/**
 * @peculiar/x509 finds its algorithm plug-ins through tsyringe, and tsyringe refuses to load unless
 * the Reflect metadata API exists. The project carries no reflect-metadata package, so this module
 * installs the three calls tsyringe makes — and only when no real polyfill is present already.
 * It must be imported before @peculiar/x509; `./x509.ts` does that, so import the library only there.
 */

type PropertyTable = Map<PropertyKey | undefined, Map<unknown, unknown>>;

const tables = new WeakMap<object, PropertyTable>();

function ownEntries(target: object, property: PropertyKey | undefined): Map<unknown, unknown> | undefined {
  return tables.get(target)?.get(property);
}

function defineMetadata(key: unknown, value: unknown, target: object, property?: PropertyKey): void {
  let byProperty = tables.get(target);
  if (!byProperty) {
    byProperty = new Map();
    tables.set(target, byProperty);
  }
  let entries = byProperty.get(property);
  if (!entries) {
    entries = new Map();
    byProperty.set(property, entries);
  }
  entries.set(key, value);
}

function getOwnMetadata(key: unknown, target: object, property?: PropertyKey): unknown {
  return ownEntries(target, property)?.get(key);
}

/** Like getOwnMetadata, but inherited through the prototype chain, as decorators expect. */
function getMetadata(key: unknown, target: object, property?: PropertyKey): unknown {
  for (let current: object | null = target; current; current = Object.getPrototypeOf(current)) {
    const entries = ownEntries(current, property);
    if (entries?.has(key)) return entries.get(key);
  }
  return undefined;
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== 'function') {
  Object.assign(reflect, { defineMetadata, getOwnMetadata, getMetadata });
}
