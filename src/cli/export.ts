// `optline export`: consent records streamed from the store to stdout or a file, CSV or JSON lines, count on stderr.
// The one command that writes full phone numbers: the export is the consent proof the marketer owns.
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { settings, withStore } from './context.ts'
import { type CliIo, CliError, line } from './output.ts'
import { encodeAll, parseBound } from './export-format.ts'
import { printable } from './table.ts'
import { parseCommand, UsageError } from './usage.ts'

export async function runExport (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand('export', args, {
    campaign: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }
  })
  const format = values.format ?? 'csv'
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got '${format}'`, 'export')
  const from = bound(values.from, 'from')
  const to = bound(values.to, 'to')
  if (from !== undefined && to !== undefined && from >= to) throw new UsageError('--from must come before --to', 'export')
  if (values.out === '') throw new UsageError('--out needs a file name', 'export')

  const counter = { records: 0 }
  const out = values.out
  await withStore(settings(io), async store => {
    const chunks = Readable.from(encodeAll(store.exportConsents({ campaign: values.campaign, from, to }), format, counter))
    if (out === undefined) await toStdout(chunks, io, counter)
    else await toFile(chunks, out)
  })
  const records = `${counter.records} consent record${counter.records === 1 ? '' : 's'}`
  line(io.stderr, `Exported ${records} (${format === 'csv' ? 'CSV' : 'JSON lines'}) to ${out === undefined ? 'stdout' : printable(out)}.`)
  return 0
}

function bound (text: string | undefined, name: 'from' | 'to'): number | undefined {
  if (text === undefined) return undefined
  const ms = parseBound(text, name)
  if (ms === undefined) throw new UsageError(`--${name} must be a date (2026-01-31) or a time with its zone (2026-01-31T08:00:00Z), got '${text}'`, 'export')
  return ms
}

async function toStdout (chunks: Readable, io: CliIo, counter: { records: number }): Promise<void> {
  try {
    // stdout stays open: other lines may follow, and Node closes it at exit.
    await pipeline(chunks, io.stdout, { end: false })
  } catch (error) {
    // `optline export | head`: the reader left. Say so rather than pass a cut export off as complete.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') throw new CliError(`export stopped after about ${counter.records} records: the output was closed`)
    throw error
  }
}

/**
 * Written to FILE.partial, then renamed: FILE only ever holds a complete export (a failure removes the partial
 * file). Owner-only permissions: it holds full phone numbers. Flushed to disk before the rename.
 */
async function toFile (chunks: Readable, out: string): Promise<void> {
  const partial = `${out}.partial`
  await rm(partial, { force: true })
  try {
    await pipeline(chunks, createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true }))
    await rename(partial, out)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
}
