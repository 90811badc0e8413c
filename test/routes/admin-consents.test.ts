// /admin/consents and /admin/export: the consent export streamed as CSV or JSON lines by campaign and date range (also
// for scripts with the Bearer token), clear refusals of bad ranges, deletion of a number with its confirmation step
// and the deletion log.
import t from 'tap'
import type { Test } from 'tap'
import { CONSENT_EXPORT_COLUMNS } from '../../src/store/types.ts'
import { buildTestApp } from '../helper.ts'
import { parseCsv } from '../cli/helpers.ts'
import { CONSENT, DAY, newSignup } from '../store/suite-helpers.ts'

const TOKEN = 'admin-token-0123456789abcdef0123456789'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const JAN = (day: number, hour = 12) => Date.UTC(2026, 0, day, hour)

async function signedIn (t: Test) {
  const built = await buildTestApp(t, { dispatch: false, admin: { token: TOKEN } })
  const { app, store } = built
  const login = await app.inject({ method: 'POST', url: '/admin/login', headers: FORM, payload: `secret=${TOKEN}` })
  const cookie = String(login.headers['set-cookie']).split(';')[0] ?? ''
  const csrf = /name="csrf" value="([^"]+)"/.exec((await app.inject({ url: '/admin/consents', headers: { cookie } })).body)?.[1] ?? ''
  await store.saveDisclosure(CONSENT.disclosureVersion, 'Texts from Summer, "up to 4/mo". Reply STOP.', JAN(1))
  const utm = { utm_source: 'google', utm_medium: 'cpc' }
  for (const [day, campaign] of [[10, 'summer'], [11, 'winter'], [12, 'summer'], [20, 'summer']] as const) {
    await store.accept(newSignup({ campaign, createdAt: JAN(day), phoneNumber: `164655501${day}`, consent: { ...CONSENT, utm } }), DAY)
  }
  const get = (url: string, headers: Record<string, string> = { cookie }) => app.inject({ url, headers })
  const post = (url: string, fields: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: new URLSearchParams({ csrf, ...fields }).toString() })
  return { ...built, cookie, get, post }
}

t.test('CSV export: a download of the range asked for, every column, the UTM tags and the disclosure text', async t => {
  const { get } = await signedIn(t)
  const reply = await get('/admin/export?campaign=summer&from=2026-01-10&to=2026-01-12&format=csv')
  t.equal(reply.statusCode, 200)
  t.equal(reply.headers['content-type'], 'text/csv; charset=utf-8; header=present')
  t.equal(reply.headers['content-disposition'], 'attachment; filename="optline-consents-summer-2026-01-10-to-2026-01-12.csv"')
  t.equal(reply.headers['cache-control'], 'no-store')
  t.equal(reply.headers['transfer-encoding'], 'chunked', 'streamed, not buffered with a length')
  const [header, ...records] = parseCsv(reply.body)
  t.same(header, CONSENT_EXPORT_COLUMNS)
  const column = (name: string) => CONSENT_EXPORT_COLUMNS.indexOf(name as typeof CONSENT_EXPORT_COLUMNS[number])
  t.same(records.map(r => r[column('e164')]), ['+16465550110', '+16465550112'], '--to is a whole UTC day: the 12th is in, the 20th and winter are not')
  t.same(records.map(r => [r[column('utm_source')], r[column('utm_medium')], r[column('utm_campaign')]]), [['google', 'cpc', ''], ['google', 'cpc', '']])
  t.equal(records[0]?.[column('disclosure_text')], 'Texts from Summer, "up to 4/mo". Reply STOP.')
})

t.test('JSON lines export of everything, and the Bearer token works for scripts', async t => {
  const { get, logs } = await signedIn(t)
  const reply = await get('/admin/export?format=jsonl', { authorization: `Bearer ${TOKEN}` })
  t.equal(reply.statusCode, 200)
  t.equal(reply.headers['content-type'], 'application/jsonl; charset=utf-8')
  t.match(reply.headers['content-disposition'], /filename="optline-consents-all-campaigns-all-to-all\.jsonl"/)
  const lines = reply.body.trimEnd().split('\n').map(line => JSON.parse(line) as Record<string, unknown>)
  t.same(lines.map(l => l.campaign), ['summer', 'winter', 'summer', 'summer'])
  t.equal(lines[0]?.utm_source, 'google')
  t.match(logs(), /"via":"token","msg":"admin: consent export"/)
  t.notOk(logs().includes(TOKEN))
  const wrong = await get('/admin/export', { authorization: 'Bearer wrong-token-0123456789abcdef0123' })
  t.equal(wrong.statusCode, 401, 'a wrong token is refused, not sent to a sign-in page a script would save as its file')
  t.equal(wrong.headers['www-authenticate'], 'Bearer')
  t.notOk(wrong.headers['content-disposition'])
  t.match(logs(), /admin: wrong Authorization header refused/)
  t.equal((await get('/admin/export?format=jsonl', { authorization: `bearer ${TOKEN}` })).statusCode, 200, 'the scheme name in any case')
})

t.test('the Bearer token opens the export only, and wrong ones count against the sign-in limit', async t => {
  const { get, app } = await signedIn(t)
  const dashboard = await get('/admin', { authorization: `Bearer ${TOKEN}` })
  t.equal(dashboard.statusCode, 303, 'not the dashboard')
  const deletion = await app.inject({ method: 'POST', url: '/admin/consents/delete', headers: { ...FORM, authorization: `Bearer ${TOKEN}` }, payload: 'e164=%2B16465550110&note=x' })
  t.equal(deletion.statusCode, 403, 'nor a deletion')
  const codes: number[] = []
  for (let i = 0; i < 7; i++) codes.push((await get('/admin/export', { authorization: `Bearer guess-${i}-0123456789abcdef0123456789` })).statusCode)
  t.same(codes, [401, 401, 401, 401, 401, 429, 429], 'five guesses a minute, then 429')
  t.equal((await get('/admin/export?format=jsonl', { authorization: `Bearer ${TOKEN}` })).statusCode, 200, 'the right token is not held back by the wrong ones')
  t.equal((await app.inject({ method: 'HEAD', url: '/admin/export', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 404, 'no HEAD: it would run a whole export for nothing')
})

t.test('a bad range or format is refused with what is wrong, never a 500', async t => {
  const { get } = await signedIn(t)
  const reversed = await get('/admin/export?from=2026-01-12&to=2026-01-10')
  t.equal(reversed.statusCode, 400)
  t.match(reversed.body, /The end date must come after the start date/)
  t.match(reversed.body, /id="export-to"[^>]*value="2026-01-10"[^>]*aria-invalid="true"/, 'the typed value is kept and marked')
  const notADate = await get('/admin/export?from=2026-02-30')
  t.equal(notADate.statusCode, 400)
  t.match(notADate.body, /Use a date such as 2026-01-31/)
  t.equal((await get('/admin/export?format=xlsx')).statusCode, 400)
  t.equal((await get('/admin/export?campaign=%3Cscript%3E')).statusCode, 400)
  t.equal((await get('/admin/export?from=2026-01-01&from=2026-01-02')).statusCode, 400, 'two dates for one bound')
})

t.test('deleting a number: checked first (masked, nothing changed), then deleted and recorded', async t => {
  const { get, post, store, logs } = await signedIn(t)
  const check = await post('/admin/consents/delete/check', { phone: '(646) 555-0110', country: 'US', note: 'ticket 4471, asked by email on 2026-01-21' })
  t.equal(check.statusCode, 200)
  t.match(check.body, /Delete the records of \*{7}0110\?/)
  t.match(check.body, /<strong>1 signup<\/strong>/)
  t.match(check.body, /<li>summer: 1<\/li>/)
  t.equal((await store.numberRecords('+16465550110')).length, 1, 'nothing deleted by the check')

  const done = await post('/admin/consents/delete', { e164: '+16465550110', note: 'ticket 4471, asked by email on 2026-01-21' })
  t.equal(done.statusCode, 303)
  t.match(done.headers.location, /^\/admin\/consents\?deleted=\d+$/)
  t.same(await store.numberRecords('+16465550110'), [])
  const page = await get(String(done.headers.location))
  t.match(page.body, /Deleted 1 signup \(summer\)/)
  t.match(page.body, /ticket 4471, asked by email on 2026-01-21/, 'the deletion log shows the note')
  t.notMatch(page.body, /555-?0110|16465550110/, 'but never the number')
  t.notMatch(logs(), /16465550110/, 'nor does the log')
  const [record] = await store.listDeletions({ limit: 1 })
  t.match(record, { signups: 1, campaigns: ['summer'], note: 'ticket 4471, asked by email on 2026-01-21' })
  t.notMatch(page.body, new RegExp(record?.e164Sha256 ?? 'none'), 'the log shows the start of the hash, not all of it')

  const again = await post('/admin/consents/delete', { e164: '+16465550110', note: 'ticket 4471, asked by email on 2026-01-21' })
  t.equal(again.headers.location, done.headers.location, 'a second click shows the same deletion')
  t.equal((await store.listDeletions({ limit: 10 })).length, 1, 'recorded once')
})

t.test('deletion input is checked with a clear message; an unknown number is still recorded', async t => {
  const { post, store } = await signedIn(t)
  const bad = await post('/admin/consents/delete/check', { phone: '12', country: 'US', note: '' })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, /id="delete-phone-error"/)
  t.match(bad.body, /Say why/)
  const quoting = await post('/admin/consents/delete/check', { phone: '+1 646 555 0111', country: 'US', note: 'for 646 555 0111' })
  t.equal(quoting.statusCode, 422)
  t.match(quoting.body, /Leave the number out of the note/)
  t.match((await post('/admin/consents/delete/check', { phone: '6465550111', country: 'ZZ', note: 'x' })).body, /two-letter code/)
  const unknown = await post('/admin/consents/delete/check', { phone: '+44 7700 900123', country: 'US', note: 'request 9' })
  t.match(unknown.body, /No records of this number were found/)
  t.equal((await post('/admin/consents/delete', { e164: '+447700900123', note: 'request 9' })).statusCode, 303)
  t.match(await store.listDeletions({ limit: 1 }), [{ signups: 0, campaigns: [], note: 'request 9' }])
  t.equal((await post('/admin/consents/delete', { e164: 'not-a-number', note: 'x' })).statusCode, 400)
})
