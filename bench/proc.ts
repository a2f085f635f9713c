/**
 * What the benchmarks read about processes and the machine from outside: RSS and CPU time of another
 * process (/proc/PID/status and /proc/PID/stat), open-file limits, the filesystem a path lives on.
 * Linux only; elsewhere the figures come back as NaN instead of failing the run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';

export interface ProcSample {
  /** Resident set size now. */
  rssBytes: number;
  /** Peak resident set size since the process started (VmHWM). */
  hwmBytes: number;
  /** User plus system CPU time of all threads, in seconds. */
  cpuSeconds: number;
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second (the unit of utime/stime in /proc/PID/stat), normally 100. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Parses "VmRSS:   123456 kB" style fields of /proc/PID/status into bytes. */
export function parseStatusField(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** utime + stime in ticks from the text of /proc/PID/stat (the command name may contain spaces). */
export function parseStatTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(rest[11]) + Number(rest[12]);
}

export function sampleProcess(pid: number): ProcSample {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return {
      rssBytes: parseStatusField(status, 'VmRSS'),
      hwmBytes: parseStatusField(status, 'VmHWM'),
      cpuSeconds: parseStatTicks(stat) / ticksPerSecond(),
    };
  } catch {
    return { rssBytes: Number.NaN, hwmBytes: Number.NaN, cpuSeconds: Number.NaN };
  }
}

/**
 * CPU time all processes on the machine have spent in user and system mode since boot, in seconds;
 * over a phase, minus the hub's and our own share, it is what other work took. Interrupt time is left
 * out: loopback traffic is processed there and belongs to the hub and the client, not to others.
 */
export function machineBusyCpuSeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system] = line.trim().split(/\s+/).map(Number);
    return (user! + nice! + system!) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** This process's CPU time (user + system) in seconds. */
export function selfCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export interface FileLimit {
  soft: number;
  hard: number;
}

/** The open-file limit of this process ("Max open files" in /proc/self/limits). */
export function openFileLimit(): FileLimit {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
    const num = (s: string | undefined) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    if (m) return { soft: num(m[1]), hard: num(m[2]) };
  } catch {
    // not Linux
  }
  return { soft: Number.NaN, hard: Number.NaN };
}

/** The filesystem type and mount point holding `path` (longest matching entry of /proc/mounts). */
export function filesystemOf(path: string): { type: string; mount: string } {
  try {
    const real = realpathSync(path);
    let best = { type: 'unknown', mount: '' };
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mount, type] = line.split(' ');
      if (!mount || !type) continue;
      const inside = real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
      if (inside && mount.length >= best.mount.length) best = { type, mount };
    }
    return best;
  } catch {
    return { type: 'unknown', mount: '' };
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  platform: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    platform: `${process.platform}/${process.arch}`,
    node: process.version,
  };
}
