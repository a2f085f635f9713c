import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { PERFECT_LINK, RadioLink } from './radio-link.js';

let echo: Server;
let echoPort: number;
const links: RadioLink[] = [];
const echoed = new Set<Socket>();

before(async () => {
  echo = createServer((s) => {
    echoed.add(s);
    s.on('close', () => echoed.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
});

after(async () => {
  for (const l of links) await l.close();
  for (const s of echoed) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});

async function link(seed = 1): Promise<RadioLink> {
  const l = new RadioLink({ target: { host: '127.0.0.1', port: echoPort }, seed, retransmitMs: 100 });
  await l.start();
  links.push(l);
  return l;
}

async function dial(l: RadioLink): Promise<Socket> {
  const s = connect(l.port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

/** Sends `bytes` and resolves with the ms until all of it came back. */
function roundTrip(s: Socket, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    let got = 0;
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= bytes) {
        s.off('data', onData);
        resolve(performance.now() - started);
      }
    };
    s.on('data', onData);
    s.write(Buffer.alloc(bytes, 7));
  });
}

test('an up link passes bytes both ways and counts them', async () => {
  const l = await link();
  l.set(PERFECT_LINK);
  const s = await dial(l);
  await roundTrip(s, 1000);
  assert.equal(l.bytesUp, 1000);
  assert.equal(l.bytesDown, 1000);
  assert.equal(l.openConnections, 1);
  s.destroy();
});

test('latency is added to every round trip', async () => {
  const l = await link();
  l.set({ ...PERFECT_LINK, latencyMs: 150 });
  const s = await dial(l);
  const rtts = [await roundTrip(s, 10), await roundTrip(s, 10), await roundTrip(s, 10)];
  for (const rtt of rtts) assert.ok(rtt >= 145 && rtt < 400, `round trip ${rtt} ms`);
  s.destroy();
});

test('bandwidth throttles a bulk transfer', async () => {
  const l = await link();
  l.set({ ...PERFECT_LINK, bandwidthBytesPerSecond: 1_000_000 });
  const s = await dial(l);
  // 300 kB each way at 1 MB/s: about 0.3 s up and 0.3 s down, overlapping.
  const ms = await roundTrip(s, 300_000);
  assert.ok(ms >= 290 && ms < 2000, `took ${ms} ms`);
  s.destroy();
});

test('loss delays chunks by retransmissions but loses nothing', async () => {
  const l = await link(5);
  l.set({ ...PERFECT_LINK, latencyMs: 20, loss: 0.5 });
  const s = await dial(l);
  let total = 0;
  for (let i = 0; i < 10; i++) total += await roundTrip(s, 100);
  // Without loss each round trip is ~20 ms; each loss adds 120 ms (100 ms timeout + the latency).
  assert.ok(total / 10 > 60, `mean round trip ${total / 10} ms`);
  assert.equal(l.bytesDown, 1000);
  s.destroy();
});

test('out of coverage: open connections are reset and new ones refused, until it is back', async () => {
  const l = await link();
  l.set(PERFECT_LINK);
  const s = await dial(l);
  await roundTrip(s, 10);
  let reset = '';
  s.on('error', (err: NodeJS.ErrnoException) => {
    reset = err.code ?? '';
  });
  const closed = new Promise((r) => s.once('close', r));
  l.set({ ...PERFECT_LINK, up: false });
  await closed;
  assert.equal(reset, 'ECONNRESET');
  assert.equal(l.openConnections, 0);

  const refused = connect(l.port, '127.0.0.1');
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNRESET');
  assert.equal(l.refused, 1);

  l.set(PERFECT_LINK);
  const again = await dial(l);
  assert.ok((await roundTrip(again, 10)) >= 0);
  again.destroy();
});
