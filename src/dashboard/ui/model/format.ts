/** Short human forms of times and quantities, as kubectl prints them (5s, 3m, 2h, 4d). */

export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s < 600 && s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)}h${s < 36_000 && s % 3600 >= 60 ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Age of a timestamp, e.g. "3m"; "-" when missing. */
export function age(timestamp: string | undefined, nowMs = Date.now()): string {
  if (!timestamp) return '-';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '-' : shortDuration((nowMs - t) / 1000);
}

/** "in 25s" / "25s ago" for a moment relative to now. */
export function relative(when: Date, nowMs = Date.now()): string {
  const delta = (when.getTime() - nowMs) / 1000;
  return delta >= 0 ? `in ${shortDuration(delta)}` : `${shortDuration(-delta)} ago`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
