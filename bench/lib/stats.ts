// Small statistics for the benchmark: nearest-rank percentiles, medians, rounding for the report.

/** Nearest-rank percentile of samples already sorted ascending (p in 0..100); NaN when there are none. */
export function percentile (sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export function sortedCopy (values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort()
}

/** Median of the finite values (the mean of the middle two for an even count); NaN when none. */
export function median (values: readonly number[]): number {
  const finite = sortedCopy(values.filter(Number.isFinite))
  if (finite.length === 0) return Number.NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1 ? finite[mid] as number : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}

export function round (value: number, digits = 0): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
