import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podPrinter } from './pod.js';
import { ago, cellsByName, columnNames, HOUR, MIN, obj } from './test-support.js';

function pod(
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
) {
  return obj('v1', 'Pod', 'web-0', { metadata, spec, status });
}

const running = (name: string, restartCount = 0, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  restartCount,
  state: { running: { startedAt: ago(MIN) } },
  ...extra,
});

const twoContainers = { containers: [{ name: 'app' }, { name: 'sidecar' }] };

describe('pod printer', () => {
  it('has kubectl columns', () => {
    assert.deepEqual(columnNames(podPrinter), {
      normal: ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
      wide: ['IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    });
    assert.equal(podPrinter.columns[0]?.format, 'name');
  });

  it('prints a healthy running pod', () => {
    const row = cellsByName(
      podPrinter,
      pod(
        { ...twoContainers, nodeName: 'edge-1' },
        {
          phase: 'Running',
          podIP: '10.42.0.7',
          podIPs: [{ ip: '10.42.0.7' }],
          containerStatuses: [running('app'), running('sidecar')],
        },
      ),
    );
    assert.deepEqual(row, {
      Name: 'web-0',
      Ready: '2/2',
      Status: 'Running',
      Restarts: '0',
      Age: '5m',
      IP: '10.42.0.7',
      Node: 'edge-1',
      'Nominated Node': '<none>',
      'Readiness Gates': '<none>',
    });
  });

  it('shows a pending unscheduled pod with <none> wide cells', () => {
    const row = cellsByName(podPrinter, pod({ containers: [{ name: 'app' }] }, { phase: 'Pending' }));
    assert.equal(row.Ready, '0/1');
    assert.equal(row.Status, 'Pending');
    assert.equal(row.IP, '<none>');
    assert.equal(row.Node, '<none>');
  });

  it('prefers the waiting reason of the first container', () => {
    const row = cellsByName(
      podPrinter,
      pod(twoContainers, {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(3 * MIN) } },
          },
          { name: 'sidecar', ready: false, state: { waiting: { reason: 'ImagePullBackOff' } } },
        ],
      }),
    );
    assert.equal(row.Status, 'CrashLoopBackOff');
    assert.equal(row.Ready, '0/2');
    assert.equal(row.Restarts, '5 (3m ago)');
  });

  it('sums restarts and dates them by the most recent termination', () => {
    const row = cellsByName(
      podPrinter,
      pod(twoContainers, {
        phase: 'Running',
        containerStatuses: [
          running('app', 2, { lastState: { terminated: { exitCode: 137, finishedAt: ago(2 * HOUR) } } }),
          running('sidecar', 1, { lastState: { terminated: { exitCode: 1, finishedAt: ago(90 * 1000) } } }),
        ],
      }),
    );
    assert.equal(row.Restarts, '3 (90s ago)');
  });

  it('shows restarts without a suffix when no termination time is known', () => {
    const row = cellsByName(
      podPrinter,
      pod({ containers: [{ name: 'app' }] }, { phase: 'Running', containerStatuses: [running('app', 4)] }),
    );
    assert.equal(row.Restarts, '4');
  });

  it('reports terminated reasons, signals and exit codes', () => {
    const terminated = (t: Record<string, unknown>) =>
      cellsByName(
        podPrinter,
        pod(
          { containers: [{ name: 'app' }] },
          { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: t } }] },
        ),
      ).Status;
    assert.equal(terminated({ exitCode: 137, reason: 'OOMKilled' }), 'OOMKilled');
    assert.equal(terminated({ exitCode: 0, reason: 'Completed' }), 'Completed');
    assert.equal(terminated({ exitCode: 2 }), 'ExitCode:2');
    assert.equal(terminated({ exitCode: 143, signal: 15 }), 'Signal:15');
  });

  it('turns Completed back into Running while another container still serves', () => {
    const status = (conditions: unknown[]) =>
      cellsByName(
        podPrinter,
        pod(twoContainers, {
          phase: 'Running',
          conditions,
          containerStatuses: [
            running('app'),
            { name: 'sidecar', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          ],
        }),
      ).Status;
    assert.equal(status([{ type: 'Ready', status: 'True' }]), 'Running');
    assert.equal(status([{ type: 'Ready', status: 'False' }]), 'NotReady');
  });

  it('shows init progress and init failures', () => {
    const initSpec = {
      initContainers: [{ name: 'migrate' }, { name: 'seed' }],
      containers: [{ name: 'app' }],
    };
    const withInit = (initContainerStatuses: unknown[]) =>
      cellsByName(
        podPrinter,
        pod(initSpec, {
          phase: 'Pending',
          initContainerStatuses,
          containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
        }),
      );
    const done = { name: 'migrate', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    assert.equal(withInit([{ name: 'migrate', state: { running: {} } }]).Status, 'Init:0/2');
    assert.equal(withInit([done, { name: 'seed', state: { running: {} } }]).Status, 'Init:1/2');
    assert.equal(
      withInit([done, { name: 'seed', state: { waiting: { reason: 'PodInitializing' } } }]).Status,
      'Init:1/2',
    );
    assert.equal(
      withInit([{ name: 'migrate', state: { waiting: { reason: 'ImagePullBackOff' } } }]).Status,
      'Init:ImagePullBackOff',
    );
    assert.equal(
      withInit([
        { name: 'migrate', restartCount: 3, state: { terminated: { exitCode: 1, reason: 'Error' } } },
      ]).Status,
      'Init:Error',
    );
    assert.equal(
      withInit([{ name: 'migrate', state: { terminated: { exitCode: 3 } } }]).Status,
      'Init:ExitCode:3',
    );
    assert.equal(
      withInit([{ name: 'migrate', state: { terminated: { exitCode: 130, signal: 2 } } }]).Status,
      'Init:Signal:2',
    );
    // Restarts of a failing init container count while it is still initialising.
    assert.equal(
      withInit([
        { name: 'migrate', restartCount: 3, state: { terminated: { exitCode: 1, reason: 'Error' } } },
      ]).Restarts,
      '3',
    );
  });

  it('counts started sidecar init containers as ready containers', () => {
    const row = cellsByName(
      podPrinter,
      pod(
        { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            {
              name: 'proxy',
              started: true,
              ready: true,
              restartCount: 1,
              state: { running: {} },
              lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * MIN) } },
            },
          ],
          containerStatuses: [running('app')],
        },
      ),
    );
    assert.equal(row.Ready, '2/2');
    assert.equal(row.Status, 'Running');
    assert.equal(row.Restarts, '1 (10m ago)');
  });

  it('shows Terminating while deleting, Unknown for a lost node, and keeps finished phases', () => {
    const deleting = { deletionTimestamp: ago(0) };
    const status = (phase: string, reason?: string) =>
      cellsByName(
        podPrinter,
        pod(
          { containers: [{ name: 'app' }] },
          { phase, reason, containerStatuses: [running('app')] },
          deleting,
        ),
      ).Status;
    assert.equal(status('Running'), 'Terminating');
    assert.equal(status('Running', 'NodeLost'), 'Unknown');
    assert.equal(
      cellsByName(podPrinter, pod({ containers: [] }, { phase: 'Succeeded' }, deleting)).Status,
      'Succeeded',
    );
    // Without a deletion, the pod's own reason shows.
    assert.equal(
      cellsByName(podPrinter, pod({ containers: [] }, { phase: 'Running', reason: 'NodeLost' })).Status,
      'NodeLost',
    );
    assert.equal(
      cellsByName(podPrinter, pod({ containers: [] }, { phase: 'Failed', reason: 'Evicted' })).Status,
      'Evicted',
    );
  });

  it('shows SchedulingGated for gated pods', () => {
    const row = cellsByName(
      podPrinter,
      pod(
        { containers: [{ name: 'app' }] },
        {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        },
      ),
    );
    assert.equal(row.Status, 'SchedulingGated');
  });

  it('fills the wide columns', () => {
    const row = cellsByName(
      podPrinter,
      pod(
        {
          containers: [{ name: 'app' }],
          readinessGates: [{ conditionType: 'lb/ready' }, { conditionType: 'x' }],
        },
        {
          phase: 'Pending',
          nominatedNodeName: 'edge-2',
          podIPs: [{ ip: 'fd00::7' }, { ip: '10.0.0.7' }],
          conditions: [
            { type: 'lb/ready', status: 'True' },
            { type: 'x', status: 'False' },
          ],
        },
      ),
    );
    assert.equal(row.IP, 'fd00::7');
    assert.equal(row['Nominated Node'], 'edge-2');
    assert.equal(row['Readiness Gates'], '1/2');
  });

  it('marks finished pods with a Completed row condition', () => {
    assert.equal(podPrinter.conditions?.(pod({}, { phase: 'Succeeded' }))?.[0]?.reason, 'Succeeded');
    assert.equal(podPrinter.conditions?.(pod({}, { phase: 'Failed' }))?.[0]?.type, 'Completed');
    assert.equal(podPrinter.conditions?.(pod({}, { phase: 'Running' })), undefined);
  });
});
