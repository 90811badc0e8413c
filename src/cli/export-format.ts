// The export's formats: CSV (RFC 4180, a header row, formula-safe cells) and JSON lines; and its UTC date options.
import { CONSENT_EXPORT_COLUMNS, type ConsentExportRow } from '../store/types.ts'

export type ExportFormat = 'csv' | 'jsonl'

const DAY_MS = 86_400_000
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
// A time must carry its zone: "08:00" alone would mean the machine's local time, a different hour on another host.
const TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * --from / --to → ms since epoch. A date is a UTC day: --from is its first instant and --to the first instant after
 * it, so `--to 2026-12-31` includes that whole day (the store's range is [from, to)). A time with a zone is used as
 * given. Undefined when the text is neither (or not a real date, like 2026-02-30).
 */
export function parseBound (text: string, bound: 'from' | 'to'): number | undefined {
  const date = DATE.exec(text)
  if (date !== null) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])]
    const ms = Date.UTC(year, month - 1, day)
    const real = new Date(ms)
    if (real.getUTCFullYear() !== year || real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day) return undefined
    return bound === 'from' ? ms : ms + DAY_MS
  }
  if (!TIME_WITH_ZONE.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

// Spreadsheets run a cell starting with these as a formula; user agents, referrers and page URLs come from visitors,
// so an export opened in Excel must not execute them (CSV injection). A signed plain number (+16465550123) is safe.
const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/
const NEEDS_QUOTES = /[",\r\n]/

function csvCell (value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** RFC 4180 records end with CRLF; a line break inside a quoted cell stays as it was. */
function csvRecord (cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

export function header (format: ExportFormat): string {
  return format === 'csv' ? csvRecord(CONSENT_EXPORT_COLUMNS) : ''
}

export function encode (row: ConsentExportRow, format: ExportFormat): string {
  return format === 'csv' ? csvRecord(CONSENT_EXPORT_COLUMNS.map(column => row[column])) : `${JSON.stringify(row)}\n`
}

/** Up to this much text per chunk written: one write per few hundred records rather than one per record. */
const CHUNK_CHARS = 64 * 1024

/** The export as text chunks, counting the records into `counter` as they go. */
export async function * encodeAll (rows: AsyncIterable<ConsentExportRow>, format: ExportFormat, counter: { records: number }): AsyncGenerator<string> {
  let chunk = header(format)
  for await (const row of rows) {
    chunk += encode(row, format)
    counter.records++
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk !== '') yield chunk
}
