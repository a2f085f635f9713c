/**
 * Runs the real kubectl against a hub. `kubectl` is the binary on PATH (a dispatcher that picks a
 * version by the server's /version); the versioned binaries kubectl.1.NN sit next to its real path.
 * A missing kubectl is a test failure with the install command, never a silent skip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export const INSTALL_HINT =
  'install kubectl, e.g.: curl -LO "https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl" && sudo install -m 0755 kubectl /usr/local/bin/kubectl';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string;
  timeoutMs?: number;
  /** Extra environment (e.g. KUBE_EDITOR). */
  env?: Record<string, string>;
  /** Overrides the context's discovery cache dir (e.g. a fresh one to see discovery change). */
  cacheDir?: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The kubectl found on PATH, or an Error that says how to install it. */
export function kubectlOnPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'kubectl');
    if (existsSync(candidate) && isExecutable(candidate)) return candidate;
  }
  throw new Error(`kubectl was not found on PATH (${process.env.PATH ?? ''}); ${INSTALL_HINT}`);
}

/** kubectl.1.NN beside the real path of the kubectl on PATH, if present. */
export function versionedKubectl(minor: number): string | undefined {
  const dir = dirname(realpathSync(kubectlOnPath()));
  const candidate = join(dir, `kubectl.1.${minor}`);
  return existsSync(candidate) && isExecutable(candidate) ? candidate : undefined;
}

export class Kubectl {
  constructor(
    readonly kubeconfig: string,
    readonly cacheDir: string,
    /** Binary to run; the kubectl on PATH by default. */
    readonly binary: string = kubectlOnPath(),
  ) {}

  /** The same hub, another kubectl binary (with its own cache dir so caches never mix). */
  withBinary(binary: string, cacheDir: string): Kubectl {
    return new Kubectl(this.kubeconfig, cacheDir, binary);
  }

  env(options: RunOptions = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KUBECONFIG: this.kubeconfig,
      KUBECACHEDIR: options.cacheDir ?? this.cacheDir,
    };
    delete env.KUBECTL_EXTERNAL_DIFF;
    return { ...env, ...options.env };
  }

  run(args: string[], options: RunOptions = {}): Promise<KubectlResult> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { env: this.env(options), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `${this.describe(args)} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not run ${this.binary}: ${err.message}; ${INSTALL_HINT}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.stdin ?? '');
    });
  }

  /** Runs and demands exit 0; returns stdout. The failure message carries the whole exchange. */
  async ok(args: string[], options: RunOptions = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) {
      throw new Error(
        `${this.describe(args)} exited ${r.code}, expected 0\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
      );
    }
    return r.stdout;
  }

  /** Runs and demands a non-zero exit; returns the result for message checks. */
  async fails(args: string[], options: RunOptions = {}): Promise<KubectlResult> {
    const r = await this.run(args, options);
    if (r.code === 0) {
      throw new Error(
        `${this.describe(args)} succeeded, expected a failure\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
      );
    }
    return r;
  }

  /** Parsed `-o json` output. */
  async json<T = Record<string, unknown>>(args: string[], options: RunOptions = {}): Promise<T> {
    const out = await this.ok([...args, '-o', 'json'], options);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`${this.describe(args)} -o json printed something that is not JSON:\n${out}`);
    }
  }

  /** A long-running kubectl (e.g. `get -w`) whose stdout lines arrive as they are printed. */
  spawnLines(args: string[], options: RunOptions = {}): LineProcess {
    const child = spawn(this.binary, args, { env: this.env(options), stdio: ['ignore', 'pipe', 'pipe'] });
    return new LineProcess(child, this.describe(args));
  }

  describe(args: string[]): string {
    return `kubectl ${args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')} [${this.binary}]`;
  }
}

/** Collects a child's stdout line by line and lets a test wait for a line that matches. */
export class LineProcess {
  readonly lines: string[] = [];
  stderr = '';
  private waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  private readonly closed: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly what: string,
  ) {
    createInterface(child.stdout!).on('line', (line) => {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderr += c;
    });
    this.closed = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** Resolves with the first line at index `from` or later (already seen or future) that matches. */
  waitFor(pattern: RegExp | ((line: string) => boolean), timeoutMs = 15_000, from = 0): Promise<string> {
    const test = typeof pattern === 'function' ? pattern : (l: string) => pattern.test(l);
    const seen = this.lines.slice(from).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${this.what}: no line matching ${pattern} within ${timeoutMs} ms\nlines so far:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.closed;
  }
}
