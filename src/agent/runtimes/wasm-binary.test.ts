import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { exampleModule } from './test-support.js';
import { capMemory, inspectModule, isWasm, MemoryLimitError, WasmFormatError } from './wasm-binary.js';
import { wasm } from './webassembly.js';

/** A module with one defined memory (`limits` encoded as given) and nothing else. */
function memoryModule(limits: number[]): Uint8Array {
  const content = [1, ...limits];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, content.length, ...content]);
}

test('reads the memory of the example modules', () => {
  const info = inspectModule(readFileSync(exampleModule('sensor')));
  assert.equal(info.memories.length, 1);
  const [m] = info.memories;
  assert.equal(m!.imported, false);
  assert.ok(m!.initialPages >= 1);
  assert.equal(m!.maxPages, null, 'AssemblyScript declares no maximum');
});

test('capMemory sets a maximum, keeps a smaller declared one, and the result still compiles', async () => {
  const bytes = readFileSync(exampleModule('sensor'));
  const capped = capMemory(bytes, 64);
  assert.equal(inspectModule(capped).memories[0]!.maxPages, 64);
  await wasm.compile(capped);

  const declared = memoryModule([0x01, 1, 10]); // min 1, max 10
  assert.equal(inspectModule(capMemory(declared, 64)).memories[0]!.maxPages, 10);
  assert.equal(inspectModule(capMemory(declared, 4)).memories[0]!.maxPages, 4);

  // Multi-byte LEB128 sizes survive re-encoding.
  const big = capMemory(memoryModule([0x00, 0x80, 0x01]), 300); // min 128
  assert.deepEqual(inspectModule(big).memories[0], {
    imported: false,
    initialPages: 128,
    maxPages: 300,
    shared: false,
    memory64: false,
  });
  await wasm.compile(big);
});

test('capMemory refuses a module whose initial memory is above the cap', () => {
  assert.throws(() => capMemory(memoryModule([0x00, 8]), 4), MemoryLimitError);
});

test('a module without memory is returned unchanged', () => {
  const empty = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  assert.equal(capMemory(empty, 1), empty);
  assert.deepEqual(inspectModule(empty).memories, []);
});

test('garbage is a WasmFormatError', () => {
  assert.equal(isWasm(Buffer.from('#!/bin/sh')), false);
  assert.throws(() => inspectModule(Buffer.from('not wasm at all')), WasmFormatError);
  assert.throws(() => inspectModule(Uint8Array.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])), /version 2/);
  assert.throws(
    () => inspectModule(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 10, 1])),
    /unexpected end/,
  );
});
