/** What the device is: architecture, OS, kernel, CPUs, memory and addresses, as a Node reports them. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface HostInfo {
  hostname: string;
  /** Go's GOARCH names, as Kubernetes uses them: amd64, arm64, arm, ... */
  architecture: string;
  /** GOOS names: linux, darwin, windows. */
  operatingSystem: string;
  kernelVersion: string;
  osImage: string;
  cpuCores: number;
  memoryBytes: number;
  /** The device's first non-loopback IPv4 address (IPv6 if there is none; 127.0.0.1 as a last resort). */
  internalIP: string;
  bootID: string;
  machineID: string;
}

const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

const GO_OS: Record<string, string> = { win32: 'windows' };

export function goArch(nodeArch: string): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

export function goOs(nodePlatform: string): string {
  return GO_OS[nodePlatform] ?? nodePlatform;
}

function readFirstLine(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n')[0]!.trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
    if (pretty) return pretty;
  } catch {
    // not Linux, or a minimal image without os-release
  }
  return `${os.type()} ${os.release()}`;
}

export function pickInternalIP(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const external = all.filter((a) => !a.internal);
  return (
    external.find((a) => a.family === 'IPv4')?.address ??
    external.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80'))?.address ??
    '127.0.0.1'
  );
}

export function readHostInfo(overrides: { internalIP?: string } = {}): HostInfo {
  return {
    hostname: os.hostname(),
    architecture: goArch(process.arch),
    operatingSystem: goOs(process.platform),
    kernelVersion: os.release(),
    osImage: osImage(),
    cpuCores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    memoryBytes: os.totalmem(),
    internalIP: overrides.internalIP ?? pickInternalIP(os.networkInterfaces()),
    bootID: readFirstLine('/proc/sys/kernel/random/boot_id'),
    machineID: readFirstLine('/etc/machine-id'),
  };
}
