/**
 * Notices when the device's own network changes (an interface came up or got a new address, e.g. a
 * modem attaching to a new cell) so the link can retry the hub at once instead of waiting out a
 * backoff window that grew while the hub was out of reach. Polls the interface list: it is one
 * cheap system call, needs no privileges, and works the same on every Linux a device runs.
 */
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

export interface NetworkWatchOptions {
  /** How often to look. Default 2 s. */
  intervalMs?: number;
  /** The interface list; tests pass their own. */
  read?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** Calls `onChange` whenever the set of the device's external addresses changes; returns a stop. */
export function watchNetwork(onChange: () => void, options: NetworkWatchOptions = {}): () => void {
  const read = options.read ?? networkInterfaces;
  let last = signature(read());
  const timer = setInterval(() => {
    const now = signature(read());
    if (now === last) return;
    last = now;
    onChange();
  }, options.intervalMs ?? 2_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The external addresses, by interface, in a stable order (loopback never reaches the hub). */
function signature(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  const addresses: string[] = [];
  for (const [name, infos] of Object.entries(interfaces))
    for (const info of infos ?? []) if (!info.internal) addresses.push(`${name}/${info.address}`);
  return addresses.sort().join(' ');
}
