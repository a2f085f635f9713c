/**
 * `minato up --sim N`: next to the hub, deploy the example apps and start a simulated fleet in a
 * child process (`minato sim --data-dir DIR`), then say what to try. The fleet process is stopped
 * by its PID when the hub stops; Ctrl-C reaches it directly as well.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminConnection } from '../cli/hub-api.js';
import { applyDemoApps } from './apps.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface DemoOptions {
  dataDir: string;
  hubUrl: string;
  kubeconfigPath: string;
  nodes: number;
  scenario: string;
  log: (line: string) => void;
}

export interface RunningDemo {
  pid: number;
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const admin = await adminConnection(o.dataDir);
  const applied = await applyDemoApps(admin);
  o.log(`sim: applied ${applied.join(', ')} (modules from examples/, by file path)`);
  const args = [
    CLI,
    'sim',
    '--data-dir',
    o.dataDir,
    '--scenario',
    o.scenario,
    '--nodes',
    String(o.nodes),
    '--quiet',
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let gone = false;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      if (!stopping)
        o.log(`sim: the fleet process ended (code ${code}, signal ${signal}); the hub keeps running`);
      resolve();
    }),
  );
  const cli = `node ${relative(process.cwd(), CLI) || CLI}`;
  const tryNext = [
    '',
    `what to try next (${o.nodes} simulated devices of scenario "${o.scenario}" join over the next seconds):`,
    `  export KUBECONFIG=${o.kubeconfigPath}`,
    '  kubectl get nodes -L minato.dev/device-class -w     # devices join; out of coverage they turn NotReady (Ready=Unknown)',
    '  kubectl get pods -o wide -w                          # telemetry on every vehicle; hello moves ~10 s after its car leaves',
    '  kubectl get ds,deploy                                # rollout state across the fleet',
    '  kubectl logs -l app=telemetry -f --tail=1 --prefix --max-log-requests=20 --ignore-errors   # through each device tunnel',
    '  kubectl rollout restart ds/telemetry && kubectl rollout status ds/telemetry',
    `  curl http://$(kubectl get pod -l app=hello --field-selector=status.phase=Running -o jsonpath='{.items[0].status.podIP}'):8080/hi   # the WAGI handler on its device`,
    `  dashboard: ${o.hubUrl}/dashboard/   sign in with the token from: ${cli} dashboard token`,
    '  Ctrl-C stops the fleet and the hub.',
    '',
  ];
  for (const line of tryNext) o.log(line);
  return {
    pid: child.pid!,
    async stop() {
      stopping = true;
      if (gone) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        if (!gone) process.kill(child.pid!, 'SIGKILL');
      }, 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
