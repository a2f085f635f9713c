// hello-http: an HTTP handler in the WAGI style (CGI over WASI).
//
// The runtime starts a fresh instance for every request: the request line and headers arrive as
// environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, CONTENT_TYPE, HTTP_*...), the body
// on stdin. The response goes to stdout as CGI: header lines, a blank line, then the body.
//
//   /missing      404 with a JSON error
//   /echo         the request body, byte for byte, with the request's Content-Type
//   /sleep?ms=N   sleeps N ms first (WASI poll_oneoff), then answers like any other path
//   /crash        traps on purpose (the runtime answers 502)
//   anything else {"path","method","query","bodyLength","device"} where device is DEVICE_NAME

@external("wasi_snapshot_preview1", "poll_oneoff")
declare function poll_oneoff(subs: usize, events: usize, n: usize, nevents: usize): u16;

function envOr(name: string, fallback: string): string {
  const env = process.env;
  return env.has(name) ? env.get(name) : fallback;
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

/** Reads stdin to the end. */
function readBody(): Uint8Array {
  let body = new Uint8Array(0);
  const chunk = new ArrayBuffer(16384);
  while (true) {
    const n = process.stdin.read(chunk);
    if (n <= 0) break;
    const grown = new Uint8Array(body.length + n);
    grown.set(body);
    grown.set(Uint8Array.wrap(chunk, 0, n), body.length);
    body = grown;
  }
  return body;
}

/** The value of `key` in a query string, or "". */
function queryParam(query: string, key: string): string {
  const parts = query.split("&");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.startsWith(key + "=")) return p.substring(key.length + 1);
  }
  return "";
}

function sleepMs(ms: i64): void {
  const sub = new ArrayBuffer(48);
  const ev = new ArrayBuffer(32);
  const n = new ArrayBuffer(8);
  const s = changetype<usize>(sub);
  store<u8>(s, 0, 8); // eventtype clock
  store<u32>(s, 1, 16); // monotonic clock
  store<u64>(s, <u64>ms * 1_000_000, 24); // relative timeout, ns
  poll_oneoff(s, changetype<usize>(ev), 1, changetype<usize>(n));
}

const method = envOr("REQUEST_METHOD", "GET");
const path = envOr("PATH_INFO", "/");
const query = envOr("QUERY_STRING", "");
const body = readBody();

if (path == "/crash") {
  unreachable();
}
if (path == "/sleep") {
  const ms = I64.parseInt(queryParam(query, "ms"));
  if (ms > 0) sleepMs(ms);
}

if (path == "/missing") {
  process.stdout.write("Status: 404 Not Found\nContent-Type: application/json\n\n");
  process.stdout.write('{"error":"not found","path":' + quote(path) + "}\n");
} else if (path == "/echo") {
  process.stdout.write("Content-Type: " + envOr("CONTENT_TYPE", "application/octet-stream") + "\n\n");
  process.stdout.write(body.buffer);
} else {
  process.stdout.write("Content-Type: application/json\n\n");
  process.stdout.write(
    '{"path":' + quote(path) + ',"method":' + quote(method) + ',"query":' + quote(query) +
      ',"bodyLength":' + body.length.toString() + ',"device":' + quote(envOr("DEVICE_NAME", "")) + "}\n",
  );
}
