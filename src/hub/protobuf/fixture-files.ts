/**
 * Test support: the request bodies captured from real kubectl in fixtures/ (see README.md).
 * Tests run from dist/, so the files are read from the source folder.
 */
import { readdirSync, readFileSync } from 'node:fs';

const FIXTURES = new URL('../../../../src/hub/protobuf/fixtures/', import.meta.url);

/** Names of the captured protobuf bodies, without the .pb extension. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function readFixture(file: string): Buffer {
  return readFileSync(new URL(file, FIXTURES));
}

export function hasFixture(file: string): boolean {
  return readdirSync(FIXTURES).includes(file);
}
