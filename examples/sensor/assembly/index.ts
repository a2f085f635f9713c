// sensor: a batch job that simulates a sensor.
//
// Reads SENSOR_ID (default "sensor-0") and SAMPLES (default 5) from the environment and a seed from
// its arguments (`--seed=N` or `--seed N`, default 1). Prints one JSON line per simulated reading
// and exits 0. The readings depend only on the seed, so the output is reproducible.
//
// MODE=batch keeps every reading in memory and prints one summary line at the end instead; with a
// large SAMPLES this is the example of a workload that outgrows its memory limit.
// Bad input (SAMPLES that is not a non-negative integer) prints a message on stderr and exits 2.

function envOr(name: string, fallback: string): string {
  const env = process.env;
  return env.has(name) ? env.get(name) : fallback;
}

/** A strict decimal parser: the value, or -1 when `s` is not a non-negative integer below 2^31. */
function parseCount(s: string): i32 {
  if (s.length == 0 || s.length > 10) return -1;
  let n: i64 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n > 0x7fffffff ? -1 : <i32>n;
}

function seedFromArgs(): i32 {
  const argv = process.argv;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--seed=")) return parseCount(a.substring(7));
    if (a == "--seed" && i + 1 < argv.length) return parseCount(argv[i + 1]);
  }
  return 1;
}

/** JSON string literal for `s`. */
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

/** Hundredths as a decimal with two places: 2137 -> "21.37", -5 -> "-0.05". */
function fixed2(v: i32): string {
  const neg = v < 0;
  const a = neg ? -v : v;
  const frac = a % 100;
  return (neg ? "-" : "") + (a / 100).toString() + "." + (frac < 10 ? "0" : "") + frac.toString();
}

// xorshift32: small, deterministic, good enough for simulated data.
let state: u32 = 1;
function next(): u32 {
  let x = state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  state = x;
  return x;
}

const sensorId = envOr("SENSOR_ID", "sensor-0");
const samplesText = envOr("SAMPLES", "5");
const samples = parseCount(samplesText);
const seed = seedFromArgs();
if (samples < 0 || seed < 0) {
  process.stderr.write(
    samples < 0
      ? "sensor: SAMPLES must be a non-negative integer, got " + quote(samplesText) + "\n"
      : "sensor: --seed must be a non-negative integer\n",
  );
  process.exit(2);
}
state = <u32>seed * 2654435761 + 1;
if (state == 0) state = 1;

if (envOr("MODE", "stream") == "batch") {
  const readings = new Array<i32>();
  for (let i = 0; i < samples; i++) readings.push(1500 + <i32>(next() % 1000));
  let min = i32.MAX_VALUE;
  let max = i32.MIN_VALUE;
  let sum: i64 = 0;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i];
    if (r < min) min = r;
    if (r > max) max = r;
    sum += r;
  }
  const count = readings.length;
  console.log(
    '{"sensor":' + quote(sensorId) + ',"count":' + count.toString() +
      (count > 0
        ? ',"min":' + fixed2(min) + ',"max":' + fixed2(max) + ',"mean":' + fixed2(<i32>(sum / count))
        : "") +
      "}",
  );
} else {
  for (let i = 0; i < samples; i++) {
    const temperature = 1500 + <i32>(next() % 1000); // 15.00 .. 24.99 °C
    const humidity = 3000 + <i32>(next() % 4000); // 30.00 .. 69.99 %
    console.log(
      '{"sensor":' + quote(sensorId) + ',"seq":' + i.toString() + ',"temperature":' + fixed2(temperature) +
        ',"humidity":' + fixed2(humidity) + "}",
    );
  }
}
