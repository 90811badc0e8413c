// Markdown tables and number formats for the report.

/** The first column left-aligned, the rest right-aligned (numbers) unless `left` says otherwise. */
export function table (headers: string[], rows: string[][], left = 1): string {
  const align = headers.map((_, i) => (i < left ? '---' : '---:'))
  return [headers, align, ...rows].map(cells => `| ${cells.join(' | ')} |`).join('\n')
}

/** 12345.6 → '12,346'; NaN → '-'. */
export function int (value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-'
}

export function fixed (value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-'
}

export function pct (ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : '-'
}

export function times (ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-'
}

export function seconds (ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '-'
}
