/**
 * The whole hub document through the encoder and back, then read the way kubectl reads it: the
 * fieldValidation lookup of `apply`/`create`, and a kind's schema by x-kubernetes-group-version-kind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { decodeMessage } from './decode.js';
import { encodeMessage, type ProtoMessage } from './encode.js';
import { documentMessage, yamlAny } from './gnostic.js';
import { swaggerDocument } from './swagger.js';
import { registries } from './test-fixtures.js';

const m = (v: unknown) => v as ProtoMessage;
const list = (v: unknown) => (v ?? []) as ProtoMessage[];
/** Follows keys through nested messages; undefined as soon as one is missing. */
const at = (v: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((o, k) => (o as ProtoMessage | undefined)?.[k], v);

/** Vendor extension `name` of a decoded message, parsed from its YAML text. */
function extension(message: ProtoMessage | undefined, name: string): unknown {
  const found = list(message?.vendorExtension).find((e) => e.name === name);
  return found ? parse(String(m(found.value).yaml), { version: '1.1' }) : undefined;
}

describe('openapi_v2 round trip', () => {
  const { registry, schemas } = registries();
  const message = documentMessage(swaggerDocument(registry, schemas, { title: 'Minato', version: 'test' }));
  const bytes = encodeMessage('Document', message);
  const decoded = decodeMessage('Document', bytes);

  it('decodes to exactly the value that was encoded', () => {
    assert.deepEqual(decoded, message);
  });

  it("answers kubectl's question: does PATCH of this kind take fieldValidation?", () => {
    const supports = (gvk: Record<string, string>): boolean | undefined => {
      for (const path of list(m(decoded.paths).path)) {
        const patch = m(m(path.value).patch);
        const found = extension(patch, 'x-kubernetes-group-version-kind') as
          | Record<string, string>
          | undefined;
        if (!found || found.group !== gvk.group || found.version !== gvk.version || found.kind !== gvk.kind)
          continue;
        return list(patch.parameters).some(
          (p) =>
            at(p, 'parameter', 'nonBodyParameter', 'queryParameterSubSchema', 'name') === 'fieldValidation',
        );
      }
      return undefined;
    };
    assert.equal(supports({ group: 'apps', version: 'v1', kind: 'Deployment' }), true);
    assert.equal(supports({ group: '', version: 'v1', kind: 'ConfigMap' }), true);
    assert.equal(supports({ group: 'example.com', version: 'v1', kind: 'Widget' }), true);
    assert.equal(supports({ group: 'nope', version: 'v1', kind: 'Nothing' }), undefined);
  });

  it('lets kubectl find a kind by the group-version-kind of its definition', () => {
    const definitions = list(m(decoded.definitions).additionalProperties);
    const deployment = definitions.find((d) =>
      (
        extension(m(d.value), 'x-kubernetes-group-version-kind') as Record<string, string>[] | undefined
      )?.some((g) => g.group === 'apps' && g.kind === 'Deployment' && g.version === 'v1'),
    );
    assert.equal(deployment?.name, 'io.k8s.api.apps.v1.Deployment');
    const pod = definitions.find((d) => d.name === 'io.k8s.api.core.v1.Pod');
    assert.deepEqual(extension(m(pod?.value), 'x-kubernetes-group-version-kind'), [
      { group: '', kind: 'Pod', version: 'v1' },
    ]);
  });
});

describe('vendor extension YAML', () => {
  it('quotes strings a YAML 1.1 reader would take for booleans or numbers', () => {
    assert.deepEqual(yamlAny('merge'), { yaml: 'merge\n' });
    assert.deepEqual(yamlAny('no'), { yaml: '"no"\n' });
    assert.deepEqual(yamlAny('on'), { yaml: '"on"\n' });
    assert.deepEqual(yamlAny('1.5'), { yaml: '"1.5"\n' });
    assert.deepEqual(yamlAny(true), { yaml: 'true\n' });
  });

  it('writes a group-version-kind list with the empty core group quoted', () => {
    assert.deepEqual(yamlAny([{ group: '', kind: 'Pod', version: 'v1' }]), {
      yaml: '- group: ""\n  kind: Pod\n  version: v1\n',
    });
  });
});
