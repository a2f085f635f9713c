#!/usr/bin/env node
// Builds the example workloads: examples/<name>/assembly/index.ts -> examples/<name>/build/<name>.wasm.
// AssemblyScript with the WASI shim, so the modules import only wasi_snapshot_preview1 and run under
// node:wasi (and any other WASI preview1 runtime). Offline: both come from devDependencies.
// A module newer than its source and the compiler is kept; --force rebuilds anyway.
// Usage: node scripts/build-examples.mjs [--force] [name ...]   (no names: every example)
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = join(root, 'examples');
const shimConfig = join(root, 'node_modules', '@assemblyscript', 'wasi-shim', 'asconfig.json');

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch {
  console.error('build-examples: the AssemblyScript compiler is missing; run:  npm ci');
  process.exit(1);
}
if (!existsSync(shimConfig)) {
  console.error('build-examples: @assemblyscript/wasi-shim is missing; run:  npm ci');
  process.exit(1);
}

const force = process.argv.includes('--force');
const wanted = process.argv.slice(2).filter((a) => a !== '--force');
const names = readdirSync(examplesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(examplesDir, d.name, 'assembly', 'index.ts')))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
const unknown = wanted.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  console.error(`build-examples: no such example: ${unknown.join(', ')}`);
  process.exit(1);
}

/** Newest modification time of the files under `dir` (recursively). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const toolchain = Math.max(
  statSync(join(root, 'node_modules', 'assemblyscript', 'package.json')).mtimeMs,
  statSync(shimConfig).mtimeMs,
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);

// asc resolves the shim's library folder against the working directory.
process.chdir(root);
let failed = 0;
for (const name of names) {
  const source = join(examplesDir, name, 'assembly', 'index.ts');
  const out = join(examplesDir, name, 'build', `${name}.wasm`);
  if (!force && existsSync(out)) {
    const built = statSync(out).mtimeMs;
    if (built > newest(dirname(source)) && built > toolchain) {
      console.log(`build-examples: ${relative(root, out)} is up to date`);
      continue;
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  const started = performance.now();
  const { error, stderr } = await asc.main([
    relative(root, source),
    '--config',
    relative(root, shimConfig),
    '--optimizeLevel',
    '3',
    '--shrinkLevel',
    '1',
    '--noAssert',
    '--outFile',
    relative(root, out),
  ]);
  if (error) {
    failed++;
    console.error(`build-examples: ${name}: ${error.message}\n${stderr.toString()}`);
  } else {
    console.log(`build-examples: ${relative(root, out)} (${Math.round(performance.now() - started)} ms)`);
  }
}
process.exit(failed > 0 ? 1 : 0);
