/** Small numeric helpers shared by the benchmarks: percentiles, summaries and human-readable numbers. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile of values sorted ascending: the smallest value with at least p% of the
 * samples at or below it. With few samples p99 is simply the largest one, which is what we want to
 * see for latencies. NaN for no samples.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[n - 1]!;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** Summary of unsorted samples (the input is not modified). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  return summarizeSorted(sorted);
}

export function summarizeSorted(sorted: ArrayLike<number>): Summary {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    n,
    min: n ? sorted[0]! : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1]! : Number.NaN,
    mean: n ? sum / n : Number.NaN,
  };
}

/**
 * A growable buffer of float samples: a million watch delays fit in 8 MB instead of a boxed array.
 */
export class Samples {
  private data: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.count++] = value;
  }

  get length(): number {
    return this.count;
  }

  /** A sorted copy of the samples. */
  sorted(): Float64Array {
    return this.data.slice(0, this.count).sort();
  }
}

/** Evenly spaced points of the empirical CDF of sorted values, for plotting: [value, fraction ≤ value]. */
export function cdfPoints(sorted: ArrayLike<number>, maxPoints = 200): [number, number][] {
  const n = sorted.length;
  if (n === 0) return [];
  const points: [number, number][] = [];
  const step = Math.max(1, Math.floor(n / maxPoints));
  for (let i = step - 1; i < n; i += step) points.push([sorted[i]!, (i + 1) / n]);
  if (points[points.length - 1]![1] !== 1) points.push([sorted[n - 1]!, 1]);
  return points;
}

/** 4812.3 -> "4,812" */
export function formatInt(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds with precision that suits their size: 0.42 ms, 7.3 ms, 184 ms, 2.31 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${(ms / 1000).toFixed(abs >= 10_000 ? 1 : 2)} s`;
  if (abs >= 100) return `${ms.toFixed(0)} ms`;
  if (abs >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Bytes as MiB with one decimal. */
export function formatMiB(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** "×4.7" for a ratio, "×0.21" below one, so a reader sees at a glance which side is faster. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '×–';
  if (ratio >= 10) return `×${ratio.toFixed(0)}`;
  if (ratio >= 1) return `×${ratio.toFixed(1)}`;
  return `×${ratio.toPrecision(2)}`;
}

/** 10000 -> "10k", 2500 -> "2.5k", 100 -> "100". */
export function formatCount(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 100 === 0) return `${n / 1000}k`;
  return String(n);
}

/** Pads cells into aligned columns; numeric-looking cells are right-aligned. */
export function renderTable(rows: string[][], indent = '  '): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, row[i]!.length);
  }
  const numeric = /^[-+×~]?[\d,.]+( ?[a-zA-Z/%]+)?(\/s)?$/;
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) =>
            i > 0 && numeric.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
          )
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
