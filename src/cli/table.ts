// Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned, and control
// characters made visible (an IP or a source tag came from a visitor: it must not drive the operator's terminal, nor
// reorder what it shows with bidi overrides).
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu

/** One line of text, every control character (line breaks included) shown as '?'. */
export function printable (text: string): string {
  return text.replace(CONTROL, '?')
}

/** Text of several lines: its line breaks kept, every other control character shown as '?'. */
export function printableLines (text: string): string {
  return text.split(/\r?\n/).map(printable).join('\n')
}

export function table (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [header, ...rows].map(row => row.map(cell => printable(String(cell))))
  const widths = header.map((_, column) => Math.max(...cells.map(row => row[column]?.length ?? 0)))
  const numeric = header.map((_, column) => rows.length > 0 && rows.every(row => typeof row[column] === 'number'))
  return cells.map(row => row.map((cell, column) => {
    const width = widths[column] ?? 0
    return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width)
  }).join('  ').trimEnd()).join('\n')
}

/** '2026-01-15 12:00:00' (UTC, to the second): what a person reads in a list. */
export function utcTime (ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}
