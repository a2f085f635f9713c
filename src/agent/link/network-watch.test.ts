import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';
import { watchNetwork } from './network-watch.js';

const wlan = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal: false,
  cidr: `${address}/24`,
});
const lo: NetworkInterfaceInfo = { ...wlan('127.0.0.1'), internal: true };

test('a new or changed external address is a change; loopback and reordering are not', async () => {
  let interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [lo] };
  let changes = 0;
  const stop = watchNetwork(() => changes++, { intervalMs: 5, read: () => interfaces });
  const tick = () => new Promise((r) => setTimeout(r, 30));
  try {
    await tick();
    assert.equal(changes, 0, 'nothing changed');
    interfaces = { lo: [lo], wwan0: [wlan('10.0.0.7')] };
    await tick();
    assert.equal(changes, 1, 'the modem came up');
    interfaces = { wwan0: [wlan('10.0.0.7')], lo: [{ ...lo, address: '127.0.0.2' }] };
    await tick();
    assert.equal(changes, 1, 'loopback and order do not count');
    interfaces = { lo: [lo], wwan0: [wlan('10.0.9.1')] };
    await tick();
    assert.equal(changes, 2, 'a new cell gave a new address');
  } finally {
    stop();
  }
});
