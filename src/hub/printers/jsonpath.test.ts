import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileJsonPath, validateJsonPath } from './jsonpath.js';

const doc = {
  metadata: { name: 'web', labels: { app: 'web', 'app.kubernetes.io/name': 'frontend' } },
  spec: {
    replicas: 3,
    containers: [
      { name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
      { name: 'sidecar', image: 'envoy:1.30' },
    ],
  },
  status: {
    conditions: [
      { type: 'Available', status: 'True', priority: 1 },
      { type: 'Ready', status: 'False', priority: 2 },
    ],
  },
};

function select(path: string): unknown[] {
  return compileJsonPath(path).evaluate(doc);
}

describe('jsonpath evaluation', () => {
  it('reads fields and indices', () => {
    assert.deepEqual(select('.spec.replicas'), [3]);
    assert.deepEqual(select('.spec.containers[1].name'), ['sidecar']);
    assert.deepEqual(select('.spec.containers[-1].image'), ['envoy:1.30']);
    assert.deepEqual(select('.spec.containers[0].ports[0].containerPort'), [80]);
  });

  it('expands wildcards and slices', () => {
    assert.deepEqual(select('.spec.containers[*].image'), ['nginx:1.27', 'envoy:1.30']);
    assert.deepEqual(select('.metadata.labels.*'), ['web', 'frontend']);
    assert.deepEqual(select('.spec.containers[0:1].name'), ['app']);
    assert.deepEqual(select('.spec.containers[1:].name'), ['sidecar']);
  });

  it('reads quoted keys containing dots and slashes', () => {
    assert.deepEqual(select(".metadata.labels['app.kubernetes.io/name']"), ['frontend']);
    assert.deepEqual(select('.metadata.labels["app"]'), ['web']);
  });

  it('filters list items', () => {
    assert.deepEqual(select('.status.conditions[?(@.type=="Ready")].status'), ['False']);
    assert.deepEqual(select(".status.conditions[?(@.type == 'Available')].status"), ['True']);
    assert.deepEqual(select('.status.conditions[?(@.type!="Ready")].type'), ['Available']);
    assert.deepEqual(select('.status.conditions[?(@.priority>1)].type'), ['Ready']);
    assert.deepEqual(select('.spec.containers[?(@.ports)].name'), ['app']);
    // A number never equals a string, as in kubectl.
    assert.deepEqual(select('.status.conditions[?(@.priority=="1")].type'), []);
  });

  it('selects nothing for missing keys and out-of-range indices', () => {
    assert.deepEqual(select('.status.readyReplicas'), []);
    assert.deepEqual(select('.spec.containers[5].name'), []);
    assert.deepEqual(select('.spec.replicas.nested'), []);
  });

  it('selects the whole document for "."', () => {
    assert.deepEqual(select('.'), [doc]);
  });
});

describe('validateJsonPath', () => {
  it('accepts the paths CRDs use', () => {
    for (const path of [
      '.',
      '.status.replicas',
      '.spec.containers[*].image',
      '.metadata.labels.app',
      ".metadata.labels['app.kubernetes.io/name']",
      '.status.conditions[?(@.type=="Ready")].status',
      '.items[0:2]',
    ]) {
      assert.equal(validateJsonPath(path), undefined, path);
    }
  });

  it('explains what is wrong', () => {
    assert.match(validateJsonPath('') ?? '', /must not be empty/);
    assert.match(validateJsonPath('status.replicas') ?? '', /starting with "\."/);
    assert.match(validateJsonPath('$.status') ?? '', /starting with "\."/);
    assert.match(validateJsonPath('.spec..replicas') ?? '', /recursive descent/);
    assert.match(validateJsonPath('.spec.containers[') ?? '', /unterminated/);
    assert.match(validateJsonPath('.spec.containers[x]') ?? '', /invalid array index/);
    assert.match(validateJsonPath(".metadata.labels['a") ?? '', /unterminated quoted string/);
    assert.match(validateJsonPath(".metadata.labels['a','b']") ?? '', /unions/);
    assert.match(validateJsonPath('.status.conditions[?(@.type=="Ready"]') ?? '', /expected "\)"/);
    assert.match(validateJsonPath('.status.conditions[?(@.type==Ready)]') ?? '', /expected @path/);
    assert.match(validateJsonPath('.spec replicas') ?? '', /unexpected " " at position 5/);
  });
});
