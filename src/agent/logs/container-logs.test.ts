import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { ContainerLogWriter, logPaths, readContainerLogs } from './container-logs.js';

const dir = mkdtempSync(join(tmpdir(), 'minato-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

test('lines from both streams, partial lines joined, tail and timestamps', async () => {
  const paths = logPaths(dir, 'pod1', 'main');
  const w = new ContainerLogWriter(paths);
  w.write('stdout', Buffer.from('one\ntw'));
  w.write('stdout', Buffer.from('o\n'));
  w.write('stderr', Buffer.from('oops\n'));
  w.write('stdout', Buffer.from('unterminated'));
  w.close();
  assert.equal(await text(readContainerLogs(paths, {})), 'one\ntwo\noops\nunterminated\n');
  assert.equal(await text(readContainerLogs(paths, { tailLines: 2 })), 'oops\nunterminated\n');
  assert.equal(await text(readContainerLogs(paths, { tailLines: 0 })), '');
  assert.equal(await text(readContainerLogs(paths, { limitBytes: 6 })), 'one\ntw');
  const stamped = await text(readContainerLogs(paths, { tailLines: 1, timestamps: true }));
  assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z unterminated\n$/);
  assert.equal(await text(readContainerLogs(paths, { sinceSeconds: 0 })), '');
});

test('size-bounded: the file rotates once it passes maxBytes, keeping one older part', async () => {
  const paths = logPaths(dir, 'pod2', 'main');
  const w = new ContainerLogWriter(paths, 1000);
  for (let i = 0; i < 100; i++) w.write('stdout', Buffer.from(`line ${i} ${'x'.repeat(20)}\n`));
  w.close();
  assert.ok(statSync(paths.current).size <= 1000);
  assert.ok(statSync(paths.rotated).size <= 1000);
  const all = (await text(readContainerLogs(paths, {}))).trim().split('\n');
  assert.equal(all.at(-1), `line 99 ${'x'.repeat(20)}`);
  assert.ok(all.length < 100 && all.length > 10, `${all.length} lines kept`);
});

test('a restart keeps the previous run for --previous', async () => {
  const paths = logPaths(dir, 'pod3', 'main');
  const first = new ContainerLogWriter(paths);
  first.write('stdout', Buffer.from('run 1\n'));
  first.close();
  const second = new ContainerLogWriter(paths);
  second.write('stdout', Buffer.from('run 2\n'));
  second.close();
  assert.equal(await text(readContainerLogs(paths, {})), 'run 2\n');
  assert.equal(await text(readContainerLogs(paths, { previous: true })), 'run 1\n');
  assert.ok(existsSync(paths.previous));
});

test('follow streams new lines until the container stops', async () => {
  const paths = logPaths(dir, 'pod4', 'main');
  const w = new ContainerLogWriter(paths);
  w.write('stdout', Buffer.from('before\n'));
  let stop: () => void = () => {};
  const until = new Promise<void>((r) => {
    stop = r;
  });
  const stream = readContainerLogs(paths, { follow: true }, until);
  setTimeout(() => w.write('stdout', Buffer.from('after\n')), 100);
  setTimeout(() => {
    w.close();
    stop();
  }, 600);
  assert.equal(await text(stream), 'before\nafter\n');
});
