#!/usr/bin/env node
/**
 * The `minato` command. Each command's code is loaded only when it runs, so `minato agent` on a small
 * device never loads the hub, the dashboard or the schema tables.
 */
import { type FlagSpec, UsageError, usage } from './args.js';

interface Command {
  help: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<void>; flags?: FlagSpec }>;
}

const COMMANDS: Record<string, Command> = {
  up: {
    help: 'start the hub (Kubernetes API on SQLite) with the embedded defaults',
    load: async () => {
      const m = await import('./up.js');
      return { run: m.upCommand, flags: m.UP_FLAGS };
    },
  },
  init: {
    help: 'prepare a data dir in named phases (kubeadm style); init phase NAME runs one; --dry-run',
    load: async () => {
      const m = await import('./init.js');
      return { run: m.initCommand, flags: m.INIT_FLAGS };
    },
  },
  token: {
    help: 'create, list or delete bootstrap tokens for joining devices',
    load: async () => {
      const m = await import('./token.js');
      return { run: m.tokenCommand, flags: m.TOKEN_FLAGS };
    },
  },
  agent: {
    help: 'run this device as a node: join the hub, run its pods, keep them running offline',
    load: async () => {
      const m = await import('../agent/cli.js');
      return { run: m.agentCommand, flags: m.AGENT_FLAGS };
    },
  },
  join: {
    help: 'on the hub: --print a join command with a fresh token; on a device: join (same flags as agent)',
    load: async () => {
      const m = await import('./join.js');
      return { run: m.joinCommand, flags: m.JOIN_FLAGS };
    },
  },
  sim: {
    help: 'a fleet of simulated devices on this machine: real agents, moving in and out of coverage',
    load: async () => {
      const m = await import('../sim/cli.js');
      return { run: m.simCommand, flags: m.SIM_FLAGS };
    },
  },
  certs: {
    help: 'renew: reissue the serving and admin certificates (hub reloads on SIGHUP)',
    load: async () => ({ run: (await import('./certs.js')).certsCommand }),
  },
  encryption: {
    help: 'rotate-key: a new key for Secrets at rest (re-encrypted on the next start)',
    load: async () => ({ run: (await import('./encryption.js')).encryptionCommand }),
  },
  node: {
    help: 'depart NAME [--in 30s] | return NAME: drain a device gracefully before it leaves',
    load: async () => ({ run: (await import('./node.js')).nodeCommand }),
  },
  push: {
    help: 'FILE NAME:TAG: upload a Wasm module to the hub registry; prints the image for pod specs',
    load: async () => {
      const m = await import('./push.js');
      return { run: m.pushCommand, flags: m.PUSH_FLAGS };
    },
  },
  dashboard: {
    help: 'token: print a sign-in token for the dashboard',
    load: async () => {
      const m = await import('../dashboard/cli.js');
      return { run: m.dashboardCommand, flags: m.DASHBOARD_FLAGS };
    },
  },
};

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help') {
    const lines = Object.entries(COMMANDS).map(([c, s]) => `  ${c.padEnd(11)} ${s.help}`);
    console.log(`usage: minato <command> [flags]\n\n${lines.join('\n')}`);
    return;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`unknown command "${command}"; run "minato help" for the list`);
  const loaded = await entry.load();
  if (rest.includes('--help')) {
    console.log(loaded.flags ? usage(command, loaded.flags) : `usage: minato ${command}: ${entry.help}`);
    return;
  }
  await loaded.run(rest);
}

main().catch((err: unknown) => {
  if (err instanceof Error && err.name === 'UsageError') {
    console.error(`minato: ${err.message}`);
    process.exit(2);
  }
  console.error('minato: failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
