import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import {
  DESIRED_REPLICAS,
  deploymentTimedOut,
  findActiveOrLatest,
  MAX_REPLICAS,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  planOldReplicaSetScaleDown,
  planScale,
  resolveFenceposts,
  rolloutStatus,
  setRevision,
} from './rollout.js';

function deploy(
  replicas: number,
  strategy: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: 1, uid: 'd' },
    spec: { replicas, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', ...strategy } },
    status,
  };
}

let clock = 0;
function rs(
  name: string,
  replicas: number,
  available = replicas,
  annotations: Record<string, string> = {},
): KubeObject {
  clock += 1000;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + clock).toISOString(), annotations },
    spec: { replicas },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

test('surge rounds up, unavailability down; both zero becomes one unavailable', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(undefined, undefined, 4), { surge: 1, unavailable: 1 });
  assert.equal(maxUnavailable(deploy(3, { rollingUpdate: { maxUnavailable: 5 } })), 3);
  assert.equal(maxUnavailable(deploy(3, { type: 'Recreate' })), 0);
  assert.equal(maxSurge(deploy(3, { type: 'Recreate' })), 0);
  assert.equal(maxSurge(deploy(10, { rollingUpdate: { maxSurge: '30%' } })), 3);
});

test('the new ReplicaSet grows within maxSurge', () => {
  const d = deploy(10, { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  const old = rs('old', 10);
  const fresh = rs('new', 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
  const grown = rs('new', 3, 0);
  assert.equal(newRSNewReplicas(d, [old, grown], grown), 3, 'no room until old pods go');
  assert.equal(newRSNewReplicas(deploy(10, { type: 'Recreate' }), [old, fresh], fresh), 10);
});

test('old ReplicaSets shrink within maxUnavailable, unhealthy replicas first', () => {
  const d = deploy(10, { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  const old = rs('old', 10);
  const fresh = rs('new', 3, 0);
  assert.deepEqual([...planOldReplicaSetScaleDown([old, fresh], [old], fresh, d)], [['old', 8]]);
  const sick = rs('sick', 10, 7);
  assert.deepEqual([...planOldReplicaSetScaleDown([sick, fresh], [sick], fresh, d)], [['sick', 8]]);
  // Nothing available to spare: no scale-down at all.
  const tight = rs('tight', 8, 8);
  assert.deepEqual([...planOldReplicaSetScaleDown([tight, rs('n', 3, 0)], [tight], rs('n', 3, 0), d)], []);
});

test('a simulated rollout converges and never breaks its bounds', () => {
  for (const [replicas, surgeIn, unavailableIn] of [
    [10, '25%', '25%'],
    [3, 1, 0],
    [3, 0, 1],
    [5, '50%', 0],
    [1, 0, '100%'],
  ] as const) {
    const d = deploy(replicas, { rollingUpdate: { maxSurge: surgeIn, maxUnavailable: unavailableIn } });
    const { surge, unavailable } = resolveFenceposts(surgeIn, unavailableIn, replicas);
    let old = rs('old', replicas);
    let fresh = rs('new', 0);
    for (let step = 0; step < 50 && !(fresh.spec.replicas === replicas && old.spec.replicas === 0); step++) {
      const target = newRSNewReplicas(d, [old, fresh], fresh);
      if (target !== fresh.spec.replicas) {
        fresh = { ...fresh, spec: { replicas: target } };
      } else {
        const plan = planOldReplicaSetScaleDown([old, fresh], [old], fresh, d);
        const size = plan.get('old');
        if (size !== undefined) old = { ...old, spec: { replicas: size } };
      }
      const total = old.spec.replicas + fresh.spec.replicas;
      assert.ok(
        total <= replicas + surge,
        `${replicas}/${surgeIn}/${unavailableIn}: ${total} pods at step ${step}`,
      );
      // Old pods that stay are available; new ones become available before the next step.
      const availableNow =
        Math.min(old.status.availableReplicas, old.spec.replicas) + fresh.status.availableReplicas;
      assert.ok(
        availableNow >= replicas - unavailable,
        `${replicas}/${surgeIn}/${unavailableIn}: ${availableNow} available`,
      );
      old = { ...old, status: { replicas: old.spec.replicas, availableReplicas: old.spec.replicas } };
      fresh = { ...fresh, status: { replicas: fresh.spec.replicas, availableReplicas: fresh.spec.replicas } };
    }
    assert.equal(fresh.spec.replicas, replicas);
    assert.equal(old.spec.replicas, 0);
  }
});

test('scaling mid-rollout is shared out in proportion', () => {
  const d = deploy(20, { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, { replicas: 13 });
  const old = rs('old', 7, 7, { [MAX_REPLICAS]: '13', [DESIRED_REPLICAS]: '10' });
  const fresh = rs('new', 6, 0, { [MAX_REPLICAS]: '13', [DESIRED_REPLICAS]: '10' });
  const plan = planScale(d, fresh, [old]);
  assert.deepEqual(Object.fromEntries(plan), { old: 13, new: 12 });
  // Scaling down shares the removal the same way, never below zero.
  const down = planScale(deploy(2, {}, { replicas: 13 }), fresh, [old]);
  assert.equal(down.get('old')! + down.get('new')!, 3);
  // One active ReplicaSet simply takes the new size.
  assert.deepEqual(Object.fromEntries(planScale(deploy(4), rs('only', 2), [rs('gone', 0)])), { only: 4 });
});

test('the one active ReplicaSet, or the newest', () => {
  const a = rs('a', 0);
  const b = rs('b', 0);
  assert.equal(findActiveOrLatest(undefined, [a, b])?.metadata.name, 'b');
  assert.equal(findActiveOrLatest(rs('n', 0), [a, b])?.metadata.name, 'n');
  assert.equal(findActiveOrLatest(undefined, [a, rs('c', 2)])?.metadata.name, 'c');
  assert.equal(findActiveOrLatest(rs('n', 1), [rs('c', 2)]), undefined);
});

test('revisions only go up; the old ones are remembered', () => {
  const set = rs('x', 1, 1, { 'deployment.kubernetes.io/revision': '2' });
  assert.equal(setRevision(set, 1), false);
  assert.equal(setRevision(set, 5), true);
  assert.equal(set.metadata.annotations?.['deployment.kubernetes.io/revision'], '5');
  assert.equal(set.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '2');
});

test('rollout conditions: progressing, complete, timed out', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const d = deploy(3, {}, { replicas: 3, updatedReplicas: 1, availableReplicas: 2 });
  const newRS = rs('web-abc', 3, 3);
  const complete = rolloutStatus([newRS], newRS, d, now);
  const progressing = complete.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(progressing.reason, 'NewReplicaSetAvailable');
  assert.equal(progressing.message, 'ReplicaSet "web-abc" has successfully progressed.');
  assert.equal(complete.conditions!.find((c) => c.type === 'Available')!.status, 'True');
  assert.deepEqual(
    [complete.replicas, complete.updatedReplicas, complete.availableReplicas, complete.unavailableReplicas],
    [3, 3, 3, 0],
  );

  const moving = rolloutStatus([rs('old', 1, 1), rs('web-abc', 3, 2)], rs('web-abc', 3, 2), d, now);
  assert.equal(moving.conditions!.find((c) => c.type === 'Progressing')!.reason, 'ReplicaSetUpdated');

  const stale = {
    type: 'Progressing',
    status: 'True' as const,
    reason: 'ReplicaSetUpdated',
    lastUpdateTime: '2026-01-01T00:00:00Z',
  };
  const stuck = deploy(
    3,
    {},
    { replicas: 4, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, conditions: [stale] },
  );
  stuck.spec.progressDeadlineSeconds = 60;
  const newStatus = { ...stuck.status };
  assert.ok(deploymentTimedOut(stuck, newStatus, now));
  const timedOut = rolloutStatus([rs('old', 3, 2), rs('web-abc', 1, 0)], rs('web-abc', 1, 0), stuck, now);
  const cond = timedOut.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(cond.status, 'False');
  assert.equal(cond.reason, 'ProgressDeadlineExceeded');
  assert.equal(cond.message, 'ReplicaSet "web-abc" has timed out progressing.');
  assert.equal(timedOut.conditions!.find((c) => c.type === 'Available')!.status, 'False');
});
