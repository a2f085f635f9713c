// telemetry: a long-running publisher.
//
// Every INTERVAL_MS (default 1000) it prints one JSON line on stdout and appends the same line to
// DATA_FILE (default "telemetry.jsonl") in the preopened directory DATA_DIR (default "/data").
// It sleeps with a WASI poll_oneoff clock subscription: no busy waiting. At start it counts the
// lines already in the file and continues the sequence, so a restarted container picks up where it
// stopped. ITERATIONS (default 0 = forever) makes it exit 0 after that many lines.
//
// Without the directory it only prints (and says so once on stderr). When the file cannot be
// opened for appending (a read-only volume) it prints the WASI errno on stderr and exits 1.

@external("wasi_snapshot_preview1", "fd_prestat_get")
declare function fd_prestat_get(fd: u32, buf: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
declare function fd_prestat_dir_name(fd: u32, path: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
declare function path_open(
  dirfd: u32, dirflags: u32, path: usize, pathLen: usize, oflags: u16,
  rightsBase: u64, rightsInheriting: u64, fdflags: u16, fdOut: usize,
): u16;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "fd_close")
declare function fd_close(fd: u32): u16;
@external("wasi_snapshot_preview1", "poll_oneoff")
declare function poll_oneoff(subs: usize, events: usize, n: usize, nevents: usize): u16;

const ERRNO_BADF: u16 = 8;
const OFLAGS_CREAT: u16 = 1;
const FDFLAGS_APPEND: u16 = 1;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;

function envOr(name: string, fallback: string): string {
  const env = process.env;
  return env.has(name) ? env.get(name) : fallback;
}

function parseCount(s: string, fallback: i64): i64 {
  if (s.length == 0 || s.length > 12) return fallback;
  let n: i64 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return fallback;
    n = n * 10 + (c - 48);
  }
  return n;
}

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34) out += '\\"';
    else if (c == 92) out += "\\\\";
    else if (c < 32) out += "\\u00" + (c < 16 ? "0" : "") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

// Scratch space for WASI out-parameters.
const scratch = memory.data(64);

/** The fd of the preopened directory named `name`, or -1. */
function findPreopen(name: string): i32 {
  for (let fd: u32 = 3; fd < 64; fd++) {
    const err = fd_prestat_get(fd, scratch);
    if (err == ERRNO_BADF) break;
    if (err != 0 || load<u8>(scratch) != 0) continue;
    const len = load<u32>(scratch, 4);
    const buf = new ArrayBuffer(<i32>len);
    if (fd_prestat_dir_name(fd, changetype<usize>(buf), len) != 0) continue;
    if (String.UTF8.decode(buf) == name) return <i32>fd;
  }
  return -1;
}

/** Opens `file` under `dirfd`; the fd, or the negated errno. */
function open(dirfd: i32, file: string, oflags: u16, rights: u64, fdflags: u16): i32 {
  const p = String.UTF8.encode(file);
  const err = path_open(<u32>dirfd, 0, changetype<usize>(p), p.byteLength, oflags, rights, 0, fdflags, scratch);
  return err != 0 ? -<i32>err : <i32>load<u32>(scratch);
}

/** The number of newline characters in the file, or 0 when it cannot be read. */
function countLines(dirfd: i32, file: string): i64 {
  const fd = open(dirfd, file, 0, RIGHT_FD_READ, 0);
  if (fd < 0) return 0;
  const buf = new ArrayBuffer(4096);
  let lines: i64 = 0;
  while (true) {
    store<usize>(scratch, changetype<usize>(buf));
    store<usize>(scratch, 4096, sizeof<usize>());
    if (fd_read(<u32>fd, scratch, 1, scratch + 16) != 0) break;
    const n = load<u32>(scratch, 16);
    if (n == 0) break;
    for (let i: u32 = 0; i < n; i++) if (load<u8>(changetype<usize>(buf) + i) == 10) lines++;
  }
  fd_close(<u32>fd);
  return lines;
}

function writeAll(fd: i32, data: ArrayBuffer): u16 {
  store<usize>(scratch, changetype<usize>(data));
  store<usize>(scratch, data.byteLength, sizeof<usize>());
  return fd_write(<u32>fd, scratch, 1, scratch + 16);
}

function sleepMs(ms: i64): void {
  const sub = new ArrayBuffer(48);
  const ev = new ArrayBuffer(32);
  const s = changetype<usize>(sub);
  store<u8>(s, 0, 8); // eventtype clock
  store<u32>(s, 1, 16); // monotonic clock
  store<u64>(s, <u64>ms * 1_000_000, 24); // relative timeout, ns
  poll_oneoff(s, changetype<usize>(ev), 1, scratch + 32);
}

const interval = parseCount(envOr("INTERVAL_MS", "1000"), 1000);
const iterations = parseCount(envOr("ITERATIONS", "0"), 0);
const device = envOr("DEVICE_NAME", "device");
const dirName = envOr("DATA_DIR", "/data");
const fileName = envOr("DATA_FILE", "telemetry.jsonl");

const dirfd = findPreopen(dirName);
let out: i32 = -1;
let seq: i64 = 0;
if (dirfd < 0) {
  process.stderr.write("telemetry: no preopened directory " + dirName + "; printing only\n");
} else {
  seq = countLines(dirfd, fileName);
  if (seq > 0) {
    process.stderr.write("telemetry: resuming at seq " + seq.toString() + " from " + dirName + "/" + fileName + "\n");
  }
  out = open(dirfd, fileName, OFLAGS_CREAT, RIGHT_FD_WRITE, FDFLAGS_APPEND);
  if (out < 0) {
    process.stderr.write(
      "telemetry: cannot open " + dirName + "/" + fileName + " for appending: WASI errno " +
        (-out).toString() + "\n",
    );
    process.exit(1);
  }
}

const start = Date.now();
let written: i64 = 0;
while (iterations == 0 || written < iterations) {
  // A slow sine-like wave from integer arithmetic: the value is deterministic in seq.
  const phase = <i32>(seq % 40);
  const value = phase < 20 ? phase * 5 : (40 - phase) * 5;
  const line =
    '{"device":' + quote(device) + ',"seq":' + seq.toString() + ',"uptimeMs":' +
    (Date.now() - start).toString() + ',"value":' + value.toString() + "}\n";
  process.stdout.write(line);
  if (out >= 0) {
    const err = writeAll(out, String.UTF8.encode(line));
    if (err != 0) {
      process.stderr.write("telemetry: write failed: WASI errno " + err.toString() + "\n");
      process.exit(1);
    }
  }
  seq++;
  written++;
  if (iterations != 0 && written >= iterations) break;
  sleepMs(interval);
}
if (out >= 0) fd_close(<u32>out);
