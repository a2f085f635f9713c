/**
 * A CustomResourceDefinition end to end: it becomes Established, its kind is served with the schema's
 * validation, defaults, printer columns, explain and a status subresource, and deleting it removes
 * both the objects and the type.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import {
  eventually,
  type HubContext,
  setupHub,
  tableHeader,
  tableRows,
  teardownHub,
} from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('crd');
});
after(async () => {
  await teardownHub(ctx);
});

const k = (args: string[]) => ctx.kubectl.ok(args);
const ns = 'c-widgets';
const CRD_NAME = 'widgets.example.minato.dev';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD_NAME },
  spec: {
    group: 'example.minato.dev',
    scope: 'Namespaced',
    names: {
      plural: 'widgets',
      singular: 'widget',
      kind: 'Widget',
      listKind: 'WidgetList',
      shortNames: ['wdg'],
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A widget made for the end-to-end tests.',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, description: 'How big the widget is.' },
                  color: { type: 'string', default: 'blue', description: 'Paint colour.' },
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  },
};

function widget(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return toYaml({
    apiVersion: 'example.minato.dev/v1',
    kind: 'Widget',
    metadata: { name, namespace: ns },
    spec,
    ...extra,
  });
}

interface Widget {
  metadata: { name: string; generation: number; resourceVersion: string };
  spec: { size: number | string; color?: string; extra?: unknown };
  status?: { phase?: string };
}

const getWidget = (name: string) => ctx.kubectl.json<Widget>(['-n', ns, 'get', 'widget', name]);

describe('a Widget CRD, in order', () => {
  before(() => k(['create', 'namespace', ns]));

  test('apply the CRD and wait for it to be established', async () => {
    const out = await k(['apply', '-f', ctx.file('crd.yaml', toYaml(crd))]);
    assert.equal(out.trim(), `customresourcedefinition.apiextensions.k8s.io/${CRD_NAME} created`);
    const waited = await k(['wait', '--for', 'condition=established', `crd/${CRD_NAME}`, '--timeout=30s']);
    assert.equal(waited.trim(), `customresourcedefinition.apiextensions.k8s.io/${CRD_NAME} condition met`);
    const got = await ctx.kubectl.json<{
      status: { conditions: { type: string; status: string }[]; acceptedNames: { kind: string } };
    }>(['get', 'crd', CRD_NAME]);
    const cond = (t: string) => got.status.conditions.find((c) => c.type === t)?.status;
    assert.equal(cond('NamesAccepted'), 'True', JSON.stringify(got.status));
    assert.equal(cond('Established'), 'True', JSON.stringify(got.status));
    assert.equal(got.status.acceptedNames.kind, 'Widget');
  });

  test('discovery lists the new kind', async () => {
    const out = await k(['api-resources', '--api-group=example.minato.dev']);
    assert.match(out, /^widgets\s+wdg\s+example\.minato\.dev\/v1\s+true\s+Widget$/m, out);
  });

  test('create a Widget; get widgets shows the SIZE printer column; defaults apply', async () => {
    const out = await k(['apply', '-f', ctx.file('w1.yaml', widget('w1', { size: 3 }))]);
    assert.equal(out.trim(), 'widget.example.minato.dev/w1 created');
    const table = await k(['-n', ns, 'get', 'widgets']);
    assert.deepEqual(tableHeader(table), ['NAME', 'SIZE', 'AGE'], table);
    const row = tableRows(table).find((r) => r[0] === 'w1');
    assert.equal(row?.[1], '3', table);
    assert.match(row?.[2] ?? '', /^\d+s$/, table);
    assert.equal(await k(['-n', ns, 'get', 'wdg', 'w1', '-o', 'name']), 'widget.example.minato.dev/w1\n');
    const w = await getWidget('w1');
    assert.equal(w.spec.color, 'blue', 'schema default for spec.color');
    assert.equal(w.metadata.generation, 1);
  });

  test('an invalid Widget is rejected with 422 naming spec.size', async () => {
    const wrongType = await ctx.kubectl.fails([
      'create',
      '-f',
      ctx.file('bad.yaml', widget('bad', { size: 'big' })),
    ]);
    assert.match(wrongType.stderr, /The Widget "bad" is invalid:/, wrongType.stderr);
    assert.match(
      wrongType.stderr,
      /spec\.size: Invalid value: "string": spec\.size in body must be of type integer: "string"/,
      wrongType.stderr,
    );

    const tooSmall = await ctx.kubectl.fails([
      'create',
      '-f',
      ctx.file('small.yaml', widget('small', { size: 0 })),
    ]);
    assert.match(
      tooSmall.stderr,
      /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/,
      tooSmall.stderr,
    );

    const missing = await ctx.kubectl.fails([
      'create',
      '-f',
      ctx.file('nosize.yaml', widget('nosize', { color: 'red' })),
    ]);
    assert.match(missing.stderr, /spec\.size: Required value/, missing.stderr);

    const raw = await ctx.api.json(`/apis/example.minato.dev/v1/namespaces/${ns}/widgets`, 'POST', {
      apiVersion: 'example.minato.dev/v1',
      kind: 'Widget',
      metadata: { name: 'bad-raw' },
      spec: { size: 'big' },
    });
    assert.equal(raw.status, 422, raw.text);
    assert.equal(raw.body.reason, 'Invalid');
    assert.ok(
      (raw.body.details?.causes as { field: string }[] | undefined)?.some((c) => c.field === 'spec.size'),
      raw.text,
    );
    for (const name of ['bad', 'small', 'nosize', 'bad-raw']) {
      const r = await ctx.kubectl.fails(['-n', ns, 'get', 'widget', name]);
      assert.match(r.stderr, /NotFound/, r.stderr);
    }
  });

  test('unknown fields: strict validation rejects them, --validate=false prunes them', async () => {
    const file = ctx.file('extra.yaml', widget('extra', { size: 2, extra: 'x' }));
    const r = await ctx.kubectl.fails(['create', '-f', file]);
    assert.match(r.stderr, /unknown field "spec\.extra"/, r.stderr);
    await k(['create', '--validate=false', '-f', file]);
    const w = await getWidget('extra');
    assert.equal(w.spec.extra, undefined, 'unknown field was stored, not pruned');
    assert.equal(w.spec.size, 2);
  });

  test('explain widget.spec (OpenAPI v3)', async () => {
    const out = await k(['explain', 'widget.spec']);
    assert.match(out, /^KIND:\s+Widget$/m, out);
    assert.match(out, /^GROUP:\s+example\.minato\.dev$/m, out);
    assert.match(out, /^VERSION:\s+v1$/m, out);
    assert.match(out, /^FIELD:\s+spec <Object>$/m, out);
    assert.match(out, /^\s+size\s+<integer> -required-$/m, out);
    assert.match(out, /How big the widget is\./, out);
    assert.match(out, /^\s+color\s+<string>$/m, out);
    const top = await k(['explain', 'widgets']);
    assert.match(top, /A widget made for the end-to-end tests\./, top);
  });

  test('status is written through the status subresource only; generation tracks spec', async () => {
    const before = await getWidget('w1');
    await k([
      '-n',
      ns,
      'patch',
      'widget',
      'w1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"phase":"Ready"},"spec":{"size":99}}',
    ]);
    let w = await getWidget('w1');
    assert.equal(w.status?.phase, 'Ready');
    assert.equal(w.spec.size, 3, 'the status subresource must ignore spec');
    assert.equal(
      w.metadata.generation,
      before.metadata.generation,
      'a status write must not bump generation',
    );

    await k([
      '-n',
      ns,
      'patch',
      'widget',
      'w1',
      '--type=merge',
      '-p',
      '{"status":{"phase":"Broken"},"spec":{"size":4}}',
    ]);
    w = await getWidget('w1');
    assert.equal(w.status?.phase, 'Ready', 'the main resource must ignore status');
    assert.equal(w.spec.size, 4);
    assert.equal(w.metadata.generation, before.metadata.generation + 1);

    const table = await k(['-n', ns, 'get', 'widgets', 'w1']);
    assert.equal(tableRows(table)[1]?.[1], '4', table);
  });

  test('deleting the CRD removes the widgets and the type', async () => {
    await k(['apply', '-f', ctx.file('w2.yaml', widget('w2', { size: 7 }))]);
    const out = await k(['delete', 'crd', CRD_NAME, '--timeout=60s']);
    assert.equal(out.trim(), `customresourcedefinition.apiextensions.k8s.io "${CRD_NAME}" deleted`);
    const freshCache = ctx.freshDir('cache-after-crd-delete');
    const r = await eventually('get widgets fails with an unknown resource type', async () => {
      const res = await ctx.kubectl.run(['-n', ns, 'get', 'widgets'], { cacheDir: freshCache });
      return res.code !== 0 ? res : undefined;
    });
    assert.match(r.stderr, /error: the server doesn't have a resource type "widgets"/, r.stderr);
    const raw = await ctx.api.json(`/apis/example.minato.dev/v1/namespaces/${ns}/widgets`);
    assert.equal(raw.status, 404, raw.text);

    // Re-creating the type shows that no widget survived the deletion.
    await k(['apply', '-f', ctx.file('crd.yaml', toYaml(crd))]);
    await k(['wait', '--for', 'condition=established', `crd/${CRD_NAME}`, '--timeout=30s']);
    const list = await eventually('widgets served again', async () => {
      const res = await ctx.api.json(`/apis/example.minato.dev/v1/namespaces/${ns}/widgets`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.deepEqual(list.items, [], JSON.stringify(list));
  });
});
