// `optline export`: CSV (header, RFC 4180 quoting, formula-safe cells) and JSON lines (the store's records as they
// are), UTC date filters, a file written whole with owner-only permissions, the count on stderr; once on Postgres.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/store/open.ts'
import { CONSENT_EXPORT_COLUMNS, type ConsentExportRow, type InstrumentedStore } from '../../src/store/types.ts'
import { dropSchema, newSchemaName, postgresUrl, requirePostgres } from '../postgres.ts'
import { CONSENT, DAY, newSignup, nextNumber } from '../store/suite-helpers.ts'
import { parseCsv, runCli, sqliteFile } from './helpers.ts'

const DISCLOSURE = 'Checkbox: Yes, texts from "Summer Deals", please.\nDisclosure: Msg & data rates may apply, reply STOP.'
const at = (iso: string) => Date.parse(iso)

/** Five signups around two UTC days, visitor text with commas, quotes, a line break and a formula in it. */
async function seed (store: InstrumentedStore): Promise<string[]> {
  await store.saveDisclosure(CONSENT.disclosureVersion, DISCLOSURE, at('2026-01-01T00:00:00Z'))
  const tricky = { ...CONSENT, userAgent: 'Mozilla/5.0 (X11, "quoted") test', referrer: 'https://a.example/\r\nsecond line', pageUrl: '=HYPERLINK("https://evil.example","click")' }
  const times = ['2026-01-14T23:59:59.999Z', '2026-01-15T12:00:00Z', '2026-01-16T00:00:00Z', '2026-01-16T23:59:59.999Z', '2026-01-17T00:00:00Z']
  const numbers: string[] = []
  for (const [i, time] of times.entries()) {
    const phoneNumber = nextNumber()
    numbers.push(phoneNumber)
    await store.accept(newSignup({ phoneNumber, createdAt: at(time), campaign: i === 4 ? 'winter' : 'summer', consent: i === 1 ? tricky : CONSENT }), DAY)
  }
  return numbers
}

async function storeRows (path: string): Promise<ConsentExportRow[]> {
  const store = await openStore({ url: path })
  const rows: ConsentExportRow[] = []
  for await (const row of store.exportConsents({})) rows.push(row)
  await store.close()
  return rows
}

t.test('CSV: a header row, quoting that survives commas, quotes and line breaks, formulas defused', async t => {
  const { dir, path, env, filled: numbers } = await sqliteFile(t, seed)
  const { code, stdout, stderr } = await runCli(['export'], { cwd: dir, env })
  t.equal(code, 0, stderr)
  t.equal(stderr, 'Exported 5 consent records (CSV) to stdout.\n')
  const [header, ...records] = parseCsv(stdout)
  t.same(header, CONSENT_EXPORT_COLUMNS)
  t.equal(records.length, 5)
  const expected = (await storeRows(path)).map(row => CONSENT_EXPORT_COLUMNS.map(column => row[column] === null ? '' : String(row[column])))
  const tricky = expected[1] ?? []
  const pageUrl = CONSENT_EXPORT_COLUMNS.indexOf('page_url')
  tricky[pageUrl] = `'${tricky[pageUrl] ?? ''}`
  t.same(records, expected, 'every cell as stored, but the formula prefixed with \'')
  t.match(stdout, '"Mozilla/5.0 (X11, ""quoted"") test"')
  t.match(stdout, '"https://a.example/\r\nsecond line"')
  t.match(stdout, `,+${numbers[0]},`, 'a phone number is a plain number: not prefixed')
  t.match(records[1], ['2', 'summer', `+${numbers[1]}`, 'pending', '', '2026-01-15T12:00:00.000Z', 'true', CONSENT.disclosureVersion, DISCLOSURE])
})

t.test('JSON lines: one record per line, exactly what the store exports', async t => {
  const { dir, path, env } = await sqliteFile(t, seed)
  const { code, stdout, stderr } = await runCli(['export', '--format', 'jsonl'], { cwd: dir, env })
  t.equal(code, 0, stderr)
  t.equal(stderr, 'Exported 5 consent records (JSON lines) to stdout.\n')
  t.ok(stdout.endsWith('\n'))
  t.same(stdout.trimEnd().split('\n').map(l => JSON.parse(l) as unknown), await storeRows(path))
  t.match(stdout, '"page_url":"=HYPERLINK(\\"https://evil.example\\",\\"click\\")"', 'values as stored')
})

t.test('dates are UTC days, --to included; times need their zone; --campaign', async t => {
  const { dir, env } = await sqliteFile(t, seed)
  const times = async (...args: string[]) => {
    const { stdout, stderr, code } = await runCli(['export', '--format', 'jsonl', ...args], { cwd: dir, env })
    t.equal(code, 0, stderr)
    return stdout.trimEnd().split('\n').filter(l => l !== '').map(l => (JSON.parse(l) as ConsentExportRow).created_at)
  }
  t.same(await times('--from', '2026-01-15', '--to', '2026-01-16'), ['2026-01-15T12:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-16T23:59:59.999Z'])
  t.same(await times('--from', '2026-01-16T00:00:00Z', '--to', '2026-01-16T23:59:59.999Z'), ['2026-01-16T00:00:00.000Z'], 'a time: --to excluded')
  t.same(await times('--from', '2026-01-16T01:00:00+02:00', '--to', '2026-01-16T12:00:00-12:00'), ['2026-01-16T00:00:00.000Z', '2026-01-16T23:59:59.999Z'])
  t.same(await times('--to', '2026-01-14'), ['2026-01-14T23:59:59.999Z'])
  t.same(await times('--campaign', 'winter'), ['2026-01-17T00:00:00.000Z'])
  t.same(await times('--campaign', 'summer', '--from', '2026-01-17'), [])
})

t.test('--out: the file appears whole, owner-only, with the same content as stdout; the count says where', async t => {
  const { dir, env } = await sqliteFile(t, seed)
  const out = join(dir, 'consents.csv')
  const { code, stdout, stderr } = await runCli(['export', '--out', out], { cwd: dir, env })
  t.equal(code, 0, stderr)
  t.equal(stdout, '')
  t.equal(stderr, `Exported 5 consent records (CSV) to ${out}.\n`)
  t.equal(statSync(out).mode & 0o777, 0o600)
  t.same(readdirSync(dir).filter(name => name.endsWith('.partial')), [])
  t.equal(readFileSync(out, 'utf8'), (await runCli(['export'], { cwd: dir, env })).stdout)
  // Run again: replaced, not appended to.
  await runCli(['export', '--out', out, '--campaign', 'winter'], { cwd: dir, env })
  t.equal(parseCsv(readFileSync(out, 'utf8')).length, 2)
})

t.test('an empty export still has its header; bad options exit 2 with what is wrong', async t => {
  const { dir, env } = await sqliteFile(t)
  const empty = await runCli(['export'], { cwd: dir, env })
  t.same([empty.code, empty.stdout, empty.stderr], [0, `${CONSENT_EXPORT_COLUMNS.join(',')}\r\n`, 'Exported 0 consent records (CSV) to stdout.\n'])
  for (const [args, message] of [
    [['--format', 'xml'], "--format must be csv or jsonl, got 'xml'"],
    [['--from', '2026-02-30'], "--from must be a date (2026-01-31) or a time with its zone (2026-01-31T08:00:00Z), got '2026-02-30'"],
    [['--to', '2026-01-16T08:00'], "--to must be a date (2026-01-31) or a time with its zone (2026-01-31T08:00:00Z), got '2026-01-16T08:00'"],
    [['--from', '2026-02-01', '--to', '2026-01-31'], '--from must come before --to'],
    [['--out', ''], '--out needs a file name'],
    [['--since', '2026-01-01'], "Unknown option '--since'"]
  ] as const) {
    const { code, stdout, stderr } = await runCli(['export', ...args], { cwd: dir, env })
    t.equal(code, 2, args.join(' '))
    t.equal(stdout, '')
    t.match(stderr, `optline: ${message}\n\nUsage: optline export `)
  }
})

t.test('against PostgreSQL: the same export, read in pages', async t => {
  if (!(await requirePostgres(t))) return
  const schema = newSchemaName()
  t.teardown(() => dropSchema(schema))
  const store = await openStore({ url: postgresUrl, schema })
  let numbers: string[] = []
  try {
    numbers = await seed(store)
    // Past one page (1000 rows), so paging shows.
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.accept(newSignup({ createdAt: at('2026-01-20T00:00:00Z') + i }), DAY)))
  } finally {
    await store.close()
  }
  const url = new URL(postgresUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  const dir = t.testdir()
  const env = { DATABASE_URL: url.toString() }
  const jsonl = await runCli(['export', '--format', 'jsonl', '--to', '2026-01-19'], { cwd: dir, env })
  t.equal(jsonl.code, 0, jsonl.stderr)
  const rows = jsonl.stdout.trimEnd().split('\n').map(l => JSON.parse(l) as ConsentExportRow)
  t.same(rows.map(r => r.e164), numbers.map(n => `+${n}`))
  t.match(rows[1], { user_agent: 'Mozilla/5.0 (X11, "quoted") test', referrer: 'https://a.example/\r\nsecond line', disclosure_text: DISCLOSURE, consent_given: true })
  const csv = await runCli(['export'], { cwd: dir, env })
  t.equal(csv.stderr, 'Exported 1205 consent records (CSV) to stdout.\n')
  const records = parseCsv(csv.stdout)
  t.equal(records.length, 1206)
  t.same(records.slice(1).map(r => r[5]), [...records.slice(1).map(r => r[5] ?? '')].sort(), 'oldest first across pages')
})
