import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { issueClientCertificate, loadCertificateAuthority } from '../pki/index.js';
import { TunnelClient } from '../tunnel/tunnel-client.js';
import { HeartbeatPacer, pacedIntervalMs } from './heartbeat-pace.js';
import { startHub } from './hub.js';

test('the pace follows the fleet: none up to budget × 2 s, then whole seconds, at most 10 s', () => {
  assert.equal(pacedIntervalMs(500, 1000), 0);
  assert.equal(pacedIntervalMs(2000, 1000), 0);
  assert.equal(pacedIntervalMs(2001, 1000), 3000);
  assert.equal(pacedIntervalMs(5000, 1000), 5000);
  assert.equal(pacedIntervalMs(10_000, 1000), 10_000);
  assert.equal(pacedIntervalMs(50_000, 1000), 10_000);
  assert.equal(pacedIntervalMs(50_000, Number.POSITIVE_INFINITY), 0, 'an infinite budget never paces');
});

test('the pacer tells the tunnels on change only, and the grace remembers a slower pace for a minute', () => {
  let devices = 1000;
  const applied: number[] = [];
  const lines: string[] = [];
  const pacer = new HeartbeatPacer(
    () => devices,
    (ms) => applied.push(ms),
    { budgetPerSecond: 1000 },
    (l) => lines.push(l),
  );
  pacer.update(0);
  assert.deepEqual(applied, [], 'a small fleet is not paced');
  assert.equal(pacer.graceSeconds(0), 0);
  devices = 8000;
  pacer.update(1000);
  pacer.update(2000);
  assert.deepEqual(applied, [8000]);
  assert.match(lines[0]!, /8000 devices connected; asking them to renew every 8 s/);
  assert.equal(pacer.graceSeconds(2000), 32);
  devices = 3000;
  pacer.update(10_000);
  assert.deepEqual(applied, [8000, 3000]);
  assert.equal(pacer.graceSeconds(10_000), 32, 'devices may still sleep out the 8 s interval');
  assert.equal(pacer.graceSeconds(70_001), 12, 'a minute later only the current pace counts');
  devices = 10;
  pacer.update(80_000);
  assert.deepEqual(applied, [8000, 3000, 0]);
  assert.match(lines.at(-1)!, /renewals at the devices' own pace again/);
});

test('a hub paces the devices on its tunnels: on connect and when the fleet grows or shrinks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minato-pace-'));
  const hub = await startHub({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    // 0.4 renewals/s: one device is paced to 3 s, two to 5 s.
    heartbeatPace: { budgetPerSecond: 0.4, checkEveryMs: 50 },
  });
  const clients: TunnelClient[] = [];
  try {
    const pki = join(dir, 'pki');
    const caPem = readFileSync(join(pki, 'ca.crt'), 'utf8');
    const ca = await loadCertificateAuthority(caPem, readFileSync(join(pki, 'ca.key'), 'utf8'));
    const connect = async (name: string) => {
      const cert = await issueClientCertificate(ca, {
        commonName: `system:node:${name}`,
        organizations: ['system:nodes'],
      });
      const paces: number[] = [];
      const client = new TunnelClient({
        server: hub.url,
        ca: caPem,
        cert: cert.certPem,
        key: cert.keyPem,
        handler: (_head, _body, reply) => reply.end(),
        onPace: (ms) => paces.push(ms),
      });
      client.start();
      clients.push(client);
      return { client, paces };
    };
    const until = async (what: string, check: () => boolean) => {
      const end = Date.now() + 5_000;
      while (!check()) {
        assert.ok(Date.now() < end, `timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const first = await connect('car-1');
    await until('3 s for one device', () => first.paces.at(-1) === 3000);
    const second = await connect('car-2');
    await until('5 s for both', () => first.paces.at(-1) === 5000 && second.paces.at(-1) === 5000);
    second.client.stop();
    await until('3 s again', () => first.paces.at(-1) === 3000);
  } finally {
    for (const c of clients) c.stop();
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
