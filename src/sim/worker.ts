/**
 * Entry of a fleet process (forked by the supervisor with an IPC channel): runs the devices it is
 * given and reports on them. Ctrl-C reaches the whole process group; this process ignores SIGINT and
 * stops when its parent says so, or when the parent is gone.
 */
import { Fleet } from './fleet.js';
import type { ChildMessage, ParentMessage } from './protocol.js';

let fleet: Fleet | undefined;
let stopping = false;

const send = (msg: ChildMessage) => {
  if (process.connected) process.send?.(msg);
};

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const hardStop = setTimeout(() => process.exit(code || 1), 30_000);
  hardStop.unref();
  await fleet?.stop().catch(() => undefined);
  send({ type: 'stopped' });
  process.exit(code);
}

process.on('SIGINT', () => {});
process.on('SIGTERM', () => void stop(0));
process.on('disconnect', () => void stop(0));
process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'start') {
    fleet = new Fleet(msg.config, (report) => send({ type: 'report', report }));
    fleet.start().then(
      () => send({ type: 'started', devices: fleet!.size }),
      (err: Error) => {
        send({ type: 'failed', message: err.message });
        void stop(1);
      },
    );
  } else if (msg.type === 'freeze') fleet?.freeze(msg.frozen);
  else if (msg.type === 'stop') void stop(0);
});
