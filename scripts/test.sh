#!/usr/bin/env bash
# The whole test suite: lint, type-check and build, unit tests beside the code, then end-to-end tests
# against real hub processes with the real kubectl. Stops with the install command when a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v kubectl >/dev/null 2>&1; then
  echo "test: kubectl is not on PATH; the end-to-end tests drive the real kubectl." >&2
  echo "test: install it, e.g.:  apt-get update && apt-get install -y kubectl   (or put a kubectl 1.29+ binary on PATH)" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "test: Chromium is missing at /usr/bin/chromium; the dashboard tests drive a real browser." >&2
  echo "test: install it: apt-get install -y chromium" >&2
  exit 1
fi
if [ ! -d node_modules ]; then
  echo "test: dependencies are missing; run:  npm ci" >&2
  exit 1
fi

npx biome check src e2e bench scripts plugins
npm run build --silent

unit=$(find dist/src -name '*.test.js' | sort)
e2e=$(find dist/e2e -name '*.test.js' 2>/dev/null | sort || true)
# shellcheck disable=SC2086
node --test --test-concurrency=2 $unit $e2e
