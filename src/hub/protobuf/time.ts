/**
 * meta/v1 Time and MicroTime travel as {seconds, nanos} since the Unix epoch; JSON shows them as
 * RFC3339 in UTC. Time keeps whole seconds (its JSON form never had more); MicroTime keeps
 * microseconds, always six digits, as Go's RFC3339Micro layout prints them.
 */

// Go's time range for RFC3339 years 0000-9999; outside it Go refuses to marshal, and so do we.
const MIN_SECONDS = -62167219200;
const MAX_SECONDS = 253402300799;

function isoSeconds(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new RangeError(`timestamp ${seconds}s is outside years 0000-9999`);
  }
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

export function formatTime(seconds: number): string {
  return `${isoSeconds(seconds)}Z`;
}

export function formatMicroTime(seconds: number, nanos: number): string {
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999)
    throw new RangeError(`nanos ${nanos} out of range`);
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return `${isoSeconds(seconds)}.${micros}Z`;
}

/** RFC3339 (with or without fraction) to {seconds, nanos}; used by the fixture encoder. */
export function parseTimestamp(text: string): { seconds: number; nanos: number } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new RangeError(`not an RFC3339 time: ${JSON.stringify(text)}`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC3339 time: ${JSON.stringify(text)}`);
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}
