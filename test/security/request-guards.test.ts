// Refusals that protect the form itself: cross-site posts, wrong content types, floods from one address, GETs.
import t from 'tap'
import { buildTestApp, formPost, formTokenFor, usCampaign } from '../helper.ts'

const campaigns = {
  summer: usCampaign,
  embedded: { ...usCampaign, embedOrigins: ['https://shop.example.com'] },
  kiosk: { ...usCampaign, protection: { perIpPerMinute: 0 } }
}
const withOrigin = (slug: string, origin: string) => {
  const post = formPost(`/c/${slug}`, { phone: '(646) 555-0123', consent: 'yes' })
  return { ...post, headers: { ...post.headers, origin } }
}

t.test('CSRF: a cross-site form post is refused unless the campaign lists that origin', async t => {
  const { app, store } = await buildTestApp(t, { campaigns, dispatch: false })
  const evil = await app.inject(withOrigin('summer', 'https://evil.example'))
  t.equal(evil.statusCode, 403)
  t.match(evil.body, /This form can only be sent from its own page/)
  t.equal((await app.inject(withOrigin('summer', 'http://localhost'))).statusCode, 303, 'our own origin')
  t.equal((await app.inject(withOrigin('embedded', 'https://shop.example.com'))).statusCode, 303, 'a listed embedder')
  t.equal((await app.inject(withOrigin('embedded', 'https://other.example'))).statusCode, 403)
  // A sandboxed frame or a data: document on a listed site posts with an opaque origin: not the site itself.
  const opaque = withOrigin('embedded', 'null')
  t.equal((await app.inject({ ...opaque, headers: { ...opaque.headers, referer: 'https://shop.example.com/p' } })).statusCode, 403, 'Origin: null, whatever the Referer')
  t.match(await store.counts(), { pending: 2 })
})

t.test('each route takes only its own content type (415)', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const jsonToForm = await app.inject({ method: 'POST', url: '/c/summer', headers: { 'content-type': 'application/json' }, payload: '{"phone":"6465550123","consent":"yes"}' })
  t.equal(jsonToForm.statusCode, 415)
  const formToApi = await app.inject({ method: 'POST', url: '/api/v1/campaigns/summer/signups', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'phone=6465550123&consent=true' })
  t.equal(formToApi.statusCode, 415)
  t.same(formToApi.json(), { errors: [{ field: 'request', message: 'This address does not accept that content type.' }] })
  const text = await app.inject({ method: 'POST', url: '/api/v1/campaigns/summer/signups', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 415)
})

t.test('per-IP limit: the 11th submission in a minute is refused with 429, per campaign setting', async t => {
  const { app } = await buildTestApp(t, { campaigns, dispatch: false, trustProxy: true })
  const from = (ip: string, slug = 'summer') => {
    const post = formPost(`/c/${slug}`, { phone: '12' })
    return { ...post, headers: { ...post.headers, 'x-forwarded-for': ip } }
  }
  for (let i = 0; i < 10; i++) t.equal((await app.inject(from('198.51.100.7'))).statusCode, 422)
  const limited = await app.inject(from('198.51.100.7'))
  t.equal(limited.statusCode, 429)
  t.match(limited.body, /Too many attempts from your connection/)
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await app.inject(from('198.51.100.8'))).statusCode, 422, 'another address has its own budget')
  const api = await app.inject({ method: 'POST', url: '/api/v1/campaigns/summer/signups', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' }, payload: JSON.stringify({ phone: '12', formToken: formTokenFor('summer') }) })
  t.equal(api.statusCode, 429, 'form and API share the budget')
  t.match(api.json(), { errors: [{ field: 'form', message: /Too many attempts/ }] })
  for (let i = 0; i < 15; i++) t.equal((await app.inject(from('198.51.100.7', 'kiosk'))).statusCode, 422, 'perIpPerMinute: 0 turns it off')
})

t.test('no GET ever records or sends a signup', async t => {
  const { app, store, standIn } = await buildTestApp(t, { campaigns })
  for (const url of ['/c/summer?phone=6465550123&consent=yes', '/api/v1/campaigns/summer/signups?phone=6465550123&consent=true', '/c/summer/thanks?phone=6465550123']) {
    t.not((await app.inject(url)).statusCode, 303)
  }
  await app.dispatcher.settled()
  t.match(await store.counts(), { pending: 0, delivered: 0 })
  t.equal(standIn.calls.length, 0)
})

t.test('paths cannot reach files outside public/', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  for (const url of ['/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/..%2fpackage.json', '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/c/..%2f..%2fpackage.json', '/c/%2e%2e']) {
    const res = await app.inject(url)
    t.ok(res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 400, `${url} → ${res.statusCode}`)
    t.notMatch(res.body, /"dependencies"|root:x:0/)
  }
})

t.test('CORS: only listed embedders may call the API from a browser', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const preflight = (origin: string, slug = 'embedded') => app.inject({
    method: 'OPTIONS',
    url: `/api/v1/campaigns/${slug}/signups`,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
  })
  const allowed = await preflight('https://shop.example.com')
  t.equal(allowed.statusCode, 204, 'a listed embedder\'s preflight is answered at once')
  t.match(allowed.headers, {
    'access-control-allow-origin': 'https://shop.example.com',
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
    vary: /Origin/
  })
  t.equal(allowed.body, '')
  for (const [origin, slug, why] of [['https://evil.example', 'embedded', 'an unlisted origin'], ['https://shop.example.com', 'summer', 'a campaign that lists nobody'],
    ['https://shop.example.com', 'nope', 'an unknown campaign']] as const) {
    const refused = await preflight(origin, slug)
    t.equal(refused.statusCode, 404, `no preflight for ${why}`)
    t.equal(refused.headers['access-control-allow-origin'], undefined, `no CORS header for ${why}`)
    t.equal(refused.headers['access-control-allow-methods'], undefined)
  }
  const token = await app.inject({ url: '/api/v1/campaigns/embedded/form-token', headers: { origin: 'https://shop.example.com' } })
  t.equal(token.headers['access-control-allow-origin'], 'https://shop.example.com')
  t.match(token.headers.vary, /Origin/, 'a shared cache keys API answers by Origin')
  t.match(token.json(), { formToken: String, minSubmitSeconds: 3 })
  const signup = await app.inject({ method: 'POST', url: '/api/v1/campaigns/embedded/signups', headers: { origin: 'https://evil.example' }, payload: { phone: '2015550123', consent: true } })
  t.equal(signup.headers['access-control-allow-origin'], undefined, 'an unlisted origin\'s POST gets no CORS header: its page cannot read the answer')
  const page = await app.inject({ url: '/c/embedded', headers: { origin: 'https://shop.example.com' } })
  t.equal(page.headers['access-control-allow-origin'], undefined, 'pages are not shared cross-origin')
})

t.test('URLs the router cannot read get a plain refusal with the usual headers, echoing nothing', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  for (const [url, status] of [['/c/%ZZ<script>', 400], [`/c/${'a'.repeat(150)}`, 414], ['/api/v1/campaigns/%ZZ/signups', 400]] as const) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url.slice(0, 40))
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.match(res.headers['content-security-policy'], /default-src 'none'/)
    t.notMatch(res.body, /%ZZ|<script>|aaaaaaaaaa/)
    t.equal(res.headers['cache-control'], 'no-store')
    if (url.startsWith('/api/')) {
      // The API's own set, like every other API answer (security-headers.ts API_HEADERS).
      t.match(res.headers['content-type'], /^application\/json/)
      t.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'")
      t.equal(res.headers['cross-origin-resource-policy'], 'same-origin')
    } else {
      t.match(res.headers['content-type'], /^text\/html/)
    }
  }
})
