/**
 * Ages and durations the way kubectl shows them (apimachinery's HumanDuration): about two
 * significant units, coarser as the span grows — "90s", "2m1s", "10m", "3h5m", "2d3h", "400d", "3y45d".
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Go's zero time (0001-01-01T00:00:00Z): what an unset timestamp serialises as. */
export const ZERO_TIME_MS = -62135596800000;

export function humanDuration(ms: number): string {
  // Integer division that truncates toward zero, as Go's does.
  const seconds = Math.trunc(ms / SECOND);
  // Up to a second in the future is clock skew between machines, not an error.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(ms / DAY);
  if (hours < 8 * 24) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 2 * 365 * 24) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 8 * 365 * 24) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp (Time or MicroTime) to epoch milliseconds; undefined when it does not
 * parse. Written out rather than Date.parse so years below 100 and microsecond fractions behave.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), frac ? Math.trunc(Number(frac) * 1000) : 0);
  let ms = date.getTime();
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * HOUR + Number(zone.slice(4, 6)) * MINUTE);
  }
  return Number.isNaN(ms) ? undefined : ms;
}

/** Elapsed time since `timestamp`, or "<unknown>" when it is unset — kubectl's Age cell. */
export function age(timestamp: unknown, now: Date): string {
  const ms = parseTimestamp(timestamp);
  if (ms === undefined || ms === ZERO_TIME_MS) return '<unknown>';
  return humanDuration(now.getTime() - ms);
}

/** A timestamp as UTC RFC 3339 with whole seconds: the "Created At" cell of the default printer. */
export function rfc3339Seconds(timestamp: unknown): string {
  const ms = parseTimestamp(timestamp) ?? ZERO_TIME_MS;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
