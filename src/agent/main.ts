#!/usr/bin/env node
/**
 * A lean entry point for devices: the same as `minato agent`, without loading the hub, dashboard
 * and init code that the full `minato` command imports (about 25 MiB of resident memory).
 *   node dist/src/agent/main.js --server https://HUB:6443 [--token … --ca-cert-hash …] [flags]
 */
import { agentCommand } from './cli.js';

agentCommand(process.argv.slice(2)).catch((err: unknown) => {
  console.error('minato agent: failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
