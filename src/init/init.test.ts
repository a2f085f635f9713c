import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { createApiObjects, ensureKeyRing, openStore } from '../hub/control-plane.js';
import { caCertHash } from '../pki/index.js';
import { JWS_PREFIX, verifyDetached } from './cluster-info.js';
import { DEFAULT_HUB_CONFIG } from './hub-config.js';
import { validJoinTokens } from './join-token.js';
import { type InitContext, PHASES } from './phases.js';

async function runPhases(dataDir: string, dryRun: boolean, only?: string): Promise<string[]> {
  const lines: string[] = [];
  const ctx: InitContext = {
    dataDir,
    config: { ...DEFAULT_HUB_CONFIG, port: 0, host: '127.0.0.1' },
    dryRun,
    report: (l) => lines.push(l),
  };
  for (const phase of PHASES.filter((p) => !only || p.name === only)) await phase.run(ctx);
  return lines;
}

/** Content hashes of every file in the data dir: "nothing changed" means these are equal. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

test('a dry run writes nothing and says what it would create', async () => {
  const root = mkdtempSync(join(tmpdir(), 'minato-init-'));
  try {
    const dataDir = join(root, 'data');
    const lines = await runPhases(dataDir, true);
    assert.equal(existsSync(dataDir), false);
    assert.ok(lines.includes('would create pki/ca.crt'));
    assert.ok(lines.some((l) => l.startsWith('would write hub.json')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('init prepares everything, and running it again changes nothing', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'minato-init-'));
  try {
    await runPhases(dataDir, false);
    for (const f of [
      'pki/ca.crt',
      'pki/sa.key',
      'pki/mesh-ca.crt',
      'pki/encryption-keys.json',
      'admin.kubeconfig',
      'state.db',
      'hub.json',
    ]) {
      assert.ok(existsSync(join(dataDir, f)), `${f} exists`);
    }
    const before = snapshot(dataDir);
    const lines = await runPhases(dataDir, false);
    assert.deepEqual(snapshot(dataDir), before, 'no file changed');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('ok:') && !l.startsWith('join a device')),
      [],
      'no phase reported a change',
    );

    // Each phase on its own is idempotent too.
    for (const phase of PHASES) await runPhases(dataDir, false, phase.name);
    assert.deepEqual(snapshot(dataDir), before);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('cluster-info carries the CA and a signature a token holder can verify', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'minato-init-'));
  try {
    await runPhases(dataDir, false);
    const store = openStore(dataDir, await ensureKeyRing(dataDir, () => {}), () => {});
    try {
      const { objects } = createApiObjects(store);
      const info = objects.find(
        objects.registry.lookup('', 'v1', 'configmaps')!,
        'kube-public',
        'cluster-info',
      )!;
      const [token] = validJoinTokens(objects);
      assert.ok(token, 'a join token exists');
      const signature = info.data[`${JWS_PREFIX}${token.id}`];
      assert.ok(
        verifyDetached(info.data.kubeconfig, signature, token.secret),
        'the signature verifies with the token',
      );
      assert.equal(
        verifyDetached(`${info.data.kubeconfig} `, signature, token.secret),
        false,
        'a changed kubeconfig does not',
      );
      const ca = Buffer.from(
        parse(info.data.kubeconfig).clusters[0].cluster['certificate-authority-data'],
        'base64',
      ).toString();
      assert.equal(caCertHash(ca), caCertHash(readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8')));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
