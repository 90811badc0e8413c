// /admin: off by default, sign-in with the token or the password, the cookie's flags, rate-limited sign-in, sign-out,
// CSRF refusals, and the dashboard's numbers after page views, refusals and signups (per source and UTM tags).
import t from 'tap'
import type { Test } from 'tap'
import { hashPassword } from '../../src/admin/password-hash.ts'
import { buildTestApp, formPost, type TestApp } from '../helper.ts'

const TOKEN = 'admin-token-0123456789abcdef0123456789'
const PASSWORD = 'correct horse battery staple'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function adminApp (t: Test, admin: { token?: string, passwordHash?: string } = { token: TOKEN }, options: Parameters<typeof buildTestApp>[1] = {}) {
  return buildTestApp(t, { dispatch: false, admin, ...options })
}

async function signIn (app: TestApp['app'], secret = TOKEN, headers: Record<string, string> = {}) {
  const reply = await app.inject({ method: 'POST', url: '/admin/login', headers: { ...FORM, ...headers }, payload: new URLSearchParams({ secret }).toString() })
  const setCookie = reply.headers['set-cookie']
  const cookie = typeof setCookie === 'string' ? setCookie.split(';')[0] ?? '' : ''
  return { reply, cookie }
}

/** The CSRF token a page's forms carry. */
function csrfOf (html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
}

/** A table row's cells as text, found by its first cell. */
function row (html: string, first: string): string[] | undefined {
  for (const match of html.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)) {
    const cells = [...(match[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(c => (c[1] ?? '').replace(/<[^>]+>/g, '').trim())
    if (cells[0] === first) return cells
  }
  return undefined
}

t.test('off by default: /admin and its pages are unknown pages', async t => {
  const { app } = await buildTestApp(t, { dispatch: false })
  for (const url of ['/admin', '/admin/login', '/admin/export', '/admin/consents']) t.equal((await app.inject(url)).statusCode, 404, url)
  t.equal((await app.inject({ method: 'POST', url: '/admin/login', headers: FORM, payload: `secret=${TOKEN}` })).statusCode, 404)
})

t.test('signing in with the token: a signed, HttpOnly, SameSite=Strict cookie; the dashboard opens', async t => {
  const { app, logs } = await adminApp(t)
  const before = await app.inject('/admin')
  t.equal(before.statusCode, 303)
  t.equal(before.headers.location, '/admin/login')
  const login = await app.inject('/admin/login')
  t.equal(login.statusCode, 200)
  t.match(login.body, /<label for="secret">/)
  t.equal(login.headers['cache-control'], 'no-store')
  t.match(login.headers['content-security-policy'], /default-src 'none'/)
  t.notMatch(login.body, /<script|style=/, 'no inline script or style')
  const { reply, cookie } = await signIn(app)
  t.equal(reply.statusCode, 303)
  t.equal(reply.headers.location, '/admin')
  const setCookie = String(reply.headers['set-cookie'])
  t.match(setCookie, /^optline_admin=v1\.[\w-]{22}\.\d{13}\.[^;]+; Max-Age=28800; Path=\/admin; HttpOnly; SameSite=Strict$/, 'plain HTTP: no Secure, path /admin')
  const dashboard = await app.inject({ url: '/admin', headers: { cookie } })
  t.equal(dashboard.statusCode, 200)
  t.match(dashboard.body, /<h1>Dashboard<\/h1>/)
  t.equal(dashboard.headers['cache-control'], 'no-store')
  t.notOk(logs().includes(TOKEN), 'the token is never logged')
})

t.test('over HTTPS (behind a proxy) the cookie is __Host- and Secure, with Path=/', async t => {
  const { app } = await adminApp(t, { token: TOKEN }, { trustProxy: true })
  const { reply, cookie } = await signIn(app, TOKEN, { 'x-forwarded-proto': 'https' })
  t.match(String(reply.headers['set-cookie']), /^__Host-optline_admin=[^;]+; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
  t.equal((await app.inject({ url: '/admin', headers: { cookie, 'x-forwarded-proto': 'https' } })).statusCode, 200)
  t.equal((await app.inject({ url: '/admin', headers: { cookie } })).statusCode, 303, 'the HTTPS cookie is not read over plain HTTP')
})

t.test('the password (scrypt hash): right opens, wrong is refused with a message and logged without it', async t => {
  const passwordHash = await hashPassword(PASSWORD, { ln: 10, r: 8, p: 1 })
  const { app, logs } = await adminApp(t, { passwordHash })
  const wrong = await signIn(app, 'not the password at all')
  t.equal(wrong.reply.statusCode, 401)
  t.equal(wrong.reply.headers['set-cookie'], undefined)
  t.match(wrong.reply.body, /That password or token is not right/)
  t.match(wrong.reply.body, /aria-invalid="true"/)
  t.equal((await signIn(app, TOKEN)).reply.statusCode, 401, 'no token configured: a token-looking guess is just wrong')
  const right = await signIn(app, PASSWORD)
  t.equal(right.reply.statusCode, 303)
  t.equal((await app.inject({ url: '/admin', headers: { cookie: right.cookie } })).statusCode, 200)
  t.notOk(logs().includes(PASSWORD) || logs().includes('not the password at all'), 'what was typed is never logged')
  t.match(logs(), /admin: sign-in refused/)
})

t.test('a forged, tampered or expired cookie is no session', async t => {
  const { app, clock } = await adminApp(t)
  const { cookie } = await signIn(app)
  const [name, value = ''] = cookie.split('=')
  const tampered = `${name}=${value.replace(/\.(\d{13})\./, (_m, ms: string) => `.${Number(ms) + 1}.`)}`
  t.equal((await app.inject({ url: '/admin', headers: { cookie: tampered } })).statusCode, 303, 'a changed time breaks the signature')
  t.equal((await app.inject({ url: '/admin', headers: { cookie: `${name}=v1.AAAAAAAAAAAAAAAAAAAAAA.1700000000000` } })).statusCode, 303, 'unsigned')
  clock.advance(8 * 3_600_000 + 1000)
  t.equal((await app.inject({ url: '/admin', headers: { cookie } })).statusCode, 303, 'eight hours later it has expired')
})

t.test('sign-in attempts are rate-limited per address', async t => {
  const { app } = await adminApp(t)
  const codes = []
  for (let i = 0; i < 6; i++) codes.push((await signIn(app, 'wrong guess')).reply.statusCode)
  t.same(codes, [401, 401, 401, 401, 401, 429])
  const limited = await signIn(app)
  t.equal(limited.reply.statusCode, 429, 'even the right token waits')
  t.match(limited.reply.body, /Too many sign-in attempts/)
  const elsewhere = await signIn(app, TOKEN, { 'x-forwarded-for': '198.51.100.9' })
  t.equal(elsewhere.reply.statusCode, 429, 'X-Forwarded-For is not believed without TRUST_PROXY')
})

t.test('sign out: the cookie is cleared and the sign-in page says so', async t => {
  const { app } = await adminApp(t)
  const { cookie } = await signIn(app)
  const page = await app.inject({ url: '/admin', headers: { cookie } })
  const out = await app.inject({ method: 'POST', url: '/admin/logout', headers: { ...FORM, cookie }, payload: `csrf=${csrfOf(page.body)}` })
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/admin/login?out=1')
  t.match(String(out.headers['set-cookie']), /^optline_admin=; Max-Age=0; Path=\/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/)
  t.match((await app.inject('/admin/login?out=1')).body, /You are signed out/)
})

t.test('CSRF: a POST without the token, with a wrong one, or from another origin is refused', async t => {
  const { app, store } = await adminApp(t)
  const { cookie } = await signIn(app)
  const csrf = csrfOf((await app.inject({ url: '/admin/consents', headers: { cookie } })).body)
  t.ok(csrf.length > 20)
  const post = (payload: Record<string, string>, headers: Record<string, string> = {}) => app.inject({
    method: 'POST', url: '/admin/consents/delete', headers: { ...FORM, cookie, ...headers }, payload: new URLSearchParams(payload).toString()
  })
  const fields = { e164: '+16465550123', note: 'ticket 1' }
  for (const [what, reply] of [
    ['no token', await post(fields)],
    ['wrong token', await post({ ...fields, csrf: 'x'.repeat(43) })],
    ['other origin', await post({ ...fields, csrf }, { origin: 'https://evil.example' })],
    ['no session', await app.inject({ method: 'POST', url: '/admin/consents/delete', headers: FORM, payload: new URLSearchParams({ ...fields, csrf }).toString() })]
  ] as const) {
    t.equal(reply.statusCode, 403, what)
  }
  t.same(await store.listDeletions({ limit: 10 }), [], 'nothing was deleted or recorded')
  t.equal((await app.inject({ method: 'POST', url: '/admin/login', headers: { ...FORM, origin: 'https://evil.example' }, payload: `secret=${TOKEN}` })).statusCode, 403,
    'sign-in from another site is refused too')
  t.equal((await post({ ...fields, csrf }, { origin: 'http://localhost' })).statusCode, 303, 'our own origin with the token goes through')
})

t.test('the dashboard counts views, refusals, signups and holds per campaign, source and UTM tags', async t => {
  const { app } = await adminApp(t)
  const { cookie } = await signIn(app)
  // Three page views: two from the poster with UTM tags, one plain; a view of an unknown campaign does not count.
  await app.inject('/c/summer?src=poster&utm_source=google&utm_medium=cpc&utm_campaign=spring')
  await app.inject('/c/summer?src=poster&utm_source=google&utm_medium=cpc&utm_campaign=spring')
  await app.inject('/c/summer')
  await app.inject('/c/nope?src=poster')
  const page = '/c/summer?src=poster&utm_source=google&utm_medium=cpc&utm_campaign=spring'
  // From that page: one refused (too short, and no consent), two accepted (the second one a duplicate), one honeypot hold.
  const fromPage = { referer: `http://localhost${page}` }
  const submit = async (fields: Record<string, string>) => app.inject({ ...formPost('/c/summer', { source: 'poster', ...fields }), headers: { ...formPost('/c/summer', {}).headers, ...fromPage } })
  t.equal((await submit({ phone: '212' })).statusCode, 422)
  t.equal((await submit({ phone: '(646) 555-0101', consent: 'yes' })).statusCode, 303)
  t.equal((await submit({ phone: '(646) 555-0101', consent: 'yes' })).statusCode, 303)
  t.equal((await submit({ phone: '(646) 555-0102', consent: 'yes', website: 'spam.example' })).statusCode, 303)
  // And one through the API, whose pageUrl carries other tags.
  const api = await app.inject({
    method: 'POST',
    url: '/api/v1/campaigns/summer/signups',
    headers: { 'content-type': 'application/json' },
    payload: { phone: '(646) 555-0103', consent: true, formToken: formPost('/c/summer', {}).payload.split('formToken=')[1]?.split('&')[0], pageUrl: 'https://shop.example/join?utm_source=newsletter&utm_medium=email' }
  })
  t.equal(api.statusCode, 202)

  const html = (await app.inject({ url: '/admin?period=24h', headers: { cookie } })).body
  // Views, Submissions, Refused, Held, Duplicates, Queued, Delivered, Rejected, Conversion.
  t.same(row(html, 'All')?.slice(1), ['3', '5', '1', '1', '1', '2', '0', '0', '66.7%'])
  const summer = html.slice(html.indexOf('id="campaign-summer"'))
  t.same(row(summer, 'All sources')?.slice(1), ['3', '5', '1', '1', '1', '2', '0', '0', '66.7%'])
  t.same(row(html, 'poster'), ['poster', 'google / cpc / spring', '2', '4', '1', '1', '1', '1', '0', '0', '50%'])
  const rows = [...html.matchAll(/<tr><th scope="row">\(none\)<\/th><td>([^<]*)<\/td>((?:<td[^>]*>[^<]*<\/td>)+)<\/tr>/g)]
    .map(m => [m[1], ...[...(m[2] ?? '').matchAll(/>([^<]*)</g)].map(c => c[1]).filter(c => c !== '')])
  t.same(rows.sort(), [['(none)', '1', '0', '0', '0', '0', '0', '0', '0', '0%'], ['newsletter / email / –', '0', '1', '0', '0', '0', '1', '0', '0', '–']].sort())
  t.same(row(html, 'too short'), ['too short', '1'], 'refusals by reason')
  t.same(row(html, 'consent missing'), ['consent missing', '1'])
  t.match(html, /<svg role="img" aria-labelledby="chart-title chart-desc"/)
  t.match(html, /2 signups in total/, 'the chart: signups to be sent, duplicates and held ones not counted')
  t.match(html, /Waiting to be sent<\/dt><dd>2<\/dd>/, 'the queue holds every pending signup')
  t.match(html, /assumed: nothing sent yet/)
  const winterOnly = (await app.inject({ url: '/admin?period=30d&campaign=always', headers: { cookie } })).body
  t.same(row(winterOnly, 'All')?.slice(1, 3), ['0', '0'], 'a campaign filter counts only that campaign')
  t.match(winterOnly, /<option value="30d" selected>/)
})

t.test('values from URLs are escaped on the dashboard, and bad UTM values are not kept', async t => {
  const { app, store } = await adminApp(t)
  const { cookie } = await signIn(app)
  await app.inject(`/c/summer?utm_source=${encodeURIComponent('<img src=x onerror=alert(1)>')}&utm_medium=${encodeURIComponent('a\u202Eb')}`)
  const html = (await app.inject({ url: '/admin?period=24h', headers: { cookie } })).body
  t.notMatch(html, /<img src=x/)
  t.match(html, /&lt;img src=x onerror=alert\(1\)&gt; \/ – \/ –/, 'shown escaped; the bidi override was dropped')
  await store.close()
})

t.test('the queue and rate limit: learned from ProTexting after a delivery; paused is shown', async t => {
  const { app } = await buildTestApp(t, { admin: { token: TOKEN }, standIn: { limit: 30, windowSeconds: 60 } })
  const { cookie } = await signIn(app)
  t.equal((await app.inject(formPost('/c/summer', { phone: '(646) 555-0111', consent: 'yes' }))).statusCode, 303)
  await app.dispatcher.settled()
  const html = (await app.inject({ url: '/admin?period=24h', headers: { cookie } })).body
  t.match(html, /Waiting to be sent<\/dt><dd>0<\/dd>/)
  t.match(html, /nothing waiting/)
  t.match(html, /learned from its X-Rate-Limit headers/)
  t.match(html, /30 calls per 1 min/)
  t.same(row(html, 'All')?.slice(1)[6], '1', 'delivered')
})

t.test('UTM tags survive a refusal: the form keeps them in its action, so the corrected signup carries them', async t => {
  const { app, store } = await adminApp(t)
  const page = await app.inject('/c/summer?utm_source=google&utm_medium=cpc&src=poster')
  t.match(page.body, /action="\/c\/summer\?utm_source=google&amp;utm_medium=cpc"/)
  // formPost names the campaign by the path; the posting URL then gets the page's query, as the form's action does.
  const tagged = (fields: Record<string, string>) => ({ ...formPost('/c/summer', fields), url: '/c/summer?utm_source=google&utm_medium=cpc' })
  const refused = await app.inject(tagged({ phone: '212', source: 'poster' }))
  t.equal(refused.statusCode, 422)
  t.match(refused.body, /action="\/c\/summer\?utm_source=google&amp;utm_medium=cpc"/, 'the page after a refusal posts to the same tags')
  t.equal((await app.inject(tagged({ phone: '(646) 555-0177', consent: 'yes', source: 'poster' }))).statusCode, 303)
  const rows = []
  for await (const row of store.exportConsents({})) rows.push(row)
  t.match(rows, [{ source: 'poster', utm_source: 'google', utm_medium: 'cpc', utm_campaign: null }])
  t.equal((await app.inject('/c/summer')).body.includes('action="/c/summer"'), true, 'no tags: the plain action')
})
