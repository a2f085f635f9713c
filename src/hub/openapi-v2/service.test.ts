import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../../api/index.js';
import { ResourceRegistry } from '../registry/resource-registry.js';
import { decodeMessage } from './decode.js';
import { negotiate, OpenApiV2Service, PROTOBUF_CONTENT_TYPE } from './service.js';
import { registries, WIDGET } from './test-fixtures.js';

const PB_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** A registry that counts how often the service asks it for its group versions (i.e. builds). */
class CountingRegistry extends ResourceRegistry {
  builds = 0;
  override groupVersions(): ReturnType<ResourceRegistry['groupVersions']> {
    this.builds++;
    return super.groupVersions();
  }
}

function service(): { svc: OpenApiV2Service; registry: CountingRegistry } {
  const { registry: full, schemas } = registries(false);
  const registry = new CountingRegistry(full.all());
  return { svc: new OpenApiV2Service(registry, schemas, { title: 'Minato', version: 'test' }), registry };
}

describe('negotiate', () => {
  it('picks protobuf for what client-go sends, JSON for JSON, */* or no Accept', () => {
    assert.equal(negotiate(PB_ACCEPT), 'protobuf');
    assert.equal(negotiate('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf');
    assert.equal(negotiate('application/json'), 'json');
    assert.equal(negotiate('*/*'), 'json');
    assert.equal(negotiate(undefined), 'json');
    assert.equal(negotiate(''), 'json');
  });

  it('follows q values and the listed order on ties', () => {
    assert.equal(negotiate(`application/json;q=0.5, ${PB_ACCEPT}`), 'protobuf');
    assert.equal(negotiate(`${PB_ACCEPT};q=0.1, application/json`), 'json');
    assert.equal(negotiate(`${PB_ACCEPT}, application/json`), 'protobuf');
    assert.equal(negotiate(`${PB_ACCEPT};q=0, text/html`), undefined);
  });
});

describe('OpenApiV2Service', () => {
  it('builds nothing until the first request', () => {
    const { svc, registry } = service();
    assert.equal(registry.builds, 0);
    svc.serve('/openapi/v2', PB_ACCEPT);
    assert.equal(registry.builds, 1);
  });

  it('answers protobuf with the dotted content type, an ETag and a length', () => {
    const { svc } = service();
    const answer = svc.serve('/openapi/v2', PB_ACCEPT)!;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['Content-Type'], PROTOBUF_CONTENT_TYPE);
    assert.equal(answer.headers['Content-Length'], answer.body.length);
    assert.match(String(answer.headers.ETag), /^"[0-9A-F]{64}"$/);
    assert.equal(answer.headers.Vary, 'Accept');
    assert.equal(decodeMessage('Document', answer.body).swagger, '2.0');
  });

  it('answers JSON by default, with its own ETag', () => {
    const { svc } = service();
    const json = svc.serve('/openapi/v2', undefined)!;
    const pb = svc.serve('/openapi/v2', PB_ACCEPT)!;
    assert.equal(json.headers['Content-Type'], 'application/json');
    assert.equal(JSON.parse(json.body.toString('utf8')).swagger, '2.0');
    assert.notEqual(json.headers.ETag, pb.headers.ETag);
  });

  it('always answers /swagger-2.0.0.pb-v1 in protobuf (client-go asks without a protobuf Accept)', () => {
    const { svc } = service();
    const answer = svc.serve('/swagger-2.0.0.pb-v1', 'application/json, */*')!;
    assert.equal(answer.headers['Content-Type'], PROTOBUF_CONTENT_TYPE);
    assert.deepEqual(answer.body, svc.serve('/openapi/v2', PB_ACCEPT)!.body);
  });

  it('answers 304 with no body when If-None-Match names the current ETag', () => {
    const { svc } = service();
    const etag = String(svc.serve('/openapi/v2', PB_ACCEPT)!.headers.ETag);
    const again = svc.serve('/openapi/v2', PB_ACCEPT, `"other", W/${etag}`)!;
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(svc.serve('/openapi/v2', PB_ACCEPT, '"stale"')!.status, 200);
  });

  it('reuses the encoded document until the registry changes, then rebuilds it', () => {
    const { svc, registry } = service();
    const first = svc.serve('/openapi/v2', PB_ACCEPT)!;
    assert.equal(svc.serve('/openapi/v2', PB_ACCEPT)!.body, first.body);
    assert.equal(registry.builds, 1);
    registry.add({ ...WIDGET, schemaName: 'com.example.v1.Unknown' });
    const second = svc.serve('/openapi/v2', PB_ACCEPT)!;
    assert.equal(registry.builds, 2);
    assert.notEqual(second.headers.ETag, first.headers.ETag);
    assert.ok(svc.swagger().paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']);
  });

  it('refuses an Accept it cannot serve with a 406 ApiError, and ignores other paths', () => {
    const { svc } = service();
    assert.throws(
      () => svc.serve('/openapi/v2', 'text/html'),
      (err: unknown) => isApiError(err) && err.code === 406 && err.reason === 'NotAcceptable',
    );
    assert.equal(svc.serve('/openapi/v3', PB_ACCEPT), undefined);
  });
});
