/**
 * Container logs on the device: DATA/logs/<podUid>/<container>.log in the CRI line format
 * (`<RFC3339Nano time> <stdout|stderr> <F|P> <text>`), bounded by size: when the file passes
 * maxBytes it becomes <container>.log.1 (replacing the older one) and a new file starts. Reading
 * implements `kubectl logs` options: tailLines, sinceSeconds, timestamps, limitBytes and follow.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
  /** The run before the last restart. */
  previous?: boolean;
}

export const DEFAULT_MAX_LOG_BYTES = 1024 * 1024;
/** A line longer than this is written in parts (P), as CRI runtimes do. */
const MAX_LINE_BYTES = 16 * 1024;

export interface LogPaths {
  current: string;
  /** The older part of the current run, after a size rotation. */
  rotated: string;
  /** The run before the last restart (`kubectl logs --previous`). */
  previous: string;
}

export function logPaths(logDir: string, podUid: string, container: string): LogPaths {
  const current = join(logDir, podUid, `${container}.log`);
  return { current, rotated: `${current}.1`, previous: join(logDir, podUid, `${container}.previous.log`) };
}

/** Nanosecond-style timestamps from a millisecond clock plus a sequence, so lines keep their order. */
function timestamp(now = Date.now()): string {
  const iso = new Date(now).toISOString(); // 2026-11-29T04:05:26.123Z
  return `${iso.slice(0, 23)}000000Z`;
}

export class ContainerLogWriter {
  private fd: number | undefined;
  private size = 0;
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  private readonly path: string;

  /** Starts a new run: the previous run's log (if any) becomes the `previous` log. */
  constructor(
    paths: LogPaths,
    private readonly maxBytes = DEFAULT_MAX_LOG_BYTES,
  ) {
    this.path = paths.current;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    try {
      if (statSync(this.path).size > 0) {
        renameSync(this.path, paths.previous);
        rmSync(paths.rotated, { force: true });
      }
    } catch {
      // no earlier run
    }
    this.open();
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    let text = this.partial[stream] + chunk.toString();
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      this.append(stream, 'F', text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    while (Buffer.byteLength(text) > MAX_LINE_BYTES) {
      this.append(stream, 'P', text.slice(0, MAX_LINE_BYTES));
      text = text.slice(MAX_LINE_BYTES);
    }
    this.partial[stream] = text;
  }

  /** Writes out unterminated output (the container exited mid-line) and closes the file. */
  close(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.append(stream, 'F', this.partial[stream]);
      this.partial[stream] = '';
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private append(stream: string, tag: 'F' | 'P', text: string): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(`${timestamp()} ${stream} ${tag} ${text}\n`);
    if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
    try {
      writeSync(this.fd, line);
      this.size += line.length;
    } catch {
      // A full disk must not take the agent down; the line is lost, the container keeps running.
    }
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      // nothing to rotate
    }
    this.open();
  }
}

interface LogLine {
  time: number;
  rawTime: string;
  stream: string;
  tag: string;
  text: string;
}

function parseLine(line: string): LogLine | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!m) return undefined;
  return { time: Date.parse(m[1]!), rawTime: m[1]!, stream: m[2]!, tag: m[3]!, text: m[4]! };
}

function render(line: LogLine, timestamps: boolean): string {
  const end = line.tag === 'F' ? '\n' : '';
  return timestamps ? `${line.rawTime} ${line.text}${end}` : `${line.text}${end}`;
}

function readLines(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map(parseLine)
    .filter((l): l is LogLine => l !== undefined);
}

function sinceMs(options: LogOptions): number | undefined {
  if (options.sinceSeconds !== undefined) return Date.now() - options.sinceSeconds * 1000;
  if (options.sinceTime) return Date.parse(options.sinceTime);
  return undefined;
}

/** The selected log text; with `follow`, the stream stays open until `until` resolves or it is destroyed. */
export function readContainerLogs(paths: LogPaths, options: LogOptions, until?: Promise<void>): Readable {
  const since = sinceMs(options);
  if (options.previous) {
    return readContainerLogs(
      { current: paths.previous, rotated: `${paths.previous}.none`, previous: '' },
      { ...options, previous: false, follow: false },
    );
  }
  let lines = [...readLines(paths.rotated), ...readLines(paths.current)];
  if (since !== undefined) lines = lines.filter((l) => l.time >= since);
  if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
  const limit = options.limitBytes;
  let sent = 0;
  const output = new Readable({ read() {} });
  const push = (text: string): boolean => {
    if (limit !== undefined) {
      const room = limit - sent;
      if (room <= 0) return false;
      const buf = Buffer.from(text);
      if (buf.length > room) {
        output.push(buf.subarray(0, room));
        sent = limit;
        return false;
      }
    }
    sent += Buffer.byteLength(text);
    output.push(text);
    return true;
  };
  for (const line of lines) {
    if (!push(render(line, Boolean(options.timestamps)))) {
      output.push(null);
      return output;
    }
  }
  if (!options.follow) {
    output.push(null);
    return output;
  }
  // Follow: poll the file for growth (cheap, portable, survives rotation).
  let offset = existsSync(paths.current) ? statSync(paths.current).size : 0;
  let inode = existsSync(paths.current) ? statSync(paths.current).ino : 0;
  let carry = '';
  const timer = setInterval(() => {
    if (!existsSync(paths.current)) return;
    const info = statSync(paths.current);
    if (info.ino !== inode || info.size < offset) {
      inode = info.ino;
      offset = 0;
    }
    if (info.size === offset) return;
    const fd = openSync(paths.current, 'r');
    try {
      const buf = Buffer.alloc(info.size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = info.size;
      const text = carry + buf.toString('utf8');
      const parts = text.split('\n');
      carry = parts.pop() ?? '';
      for (const part of parts) {
        const line = parseLine(part);
        if (line && !push(render(line, Boolean(options.timestamps)))) return end();
      }
    } finally {
      closeSync(fd);
    }
  }, 250);
  const end = () => {
    clearInterval(timer);
    output.push(null);
  };
  output.on('close', () => clearInterval(timer));
  void until?.then(() => setTimeout(end, 300));
  return output;
}
