// Security headers on every page: strict CSP (no inline script), framing only for listed embedders, HSTS over HTTPS.
import t from 'tap'
import { buildTestApp, formPost, formTokenFor, usCampaign } from '../helper.ts'

const campaigns = {
  summer: usCampaign,
  embedded: { ...usCampaign, embedOrigins: ['https://shop.example.com'] }
}

t.test('every HTML answer carries a strict CSP and the usual hardening headers', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const answers = [
    await app.inject('/c/summer'),
    await app.inject(formPost('/c/summer', { phone: '12' })),
    await app.inject('/c/summer/thanks'),
    await app.inject('/c/nope'),
    await app.inject('/no/such/page'),
    await app.inject({ ...formPost('/c/summer', { phone: '6465550123', consent: 'yes' }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } })
  ]
  for (const res of answers) {
    const csp = String(res.headers['content-security-policy'])
    t.match(res.headers['content-type'], /text\/html/, `${res.statusCode} is a page`)
    t.match(csp, /default-src 'none'/)
    t.match(csp, /script-src 'self'(;|$)/, 'scripts only from our origin')
    t.notMatch(csp, /unsafe-inline|unsafe-eval/)
    t.match(csp, /frame-ancestors 'none'/)
    t.match(csp, /form-action 'self'/)
    t.equal(res.headers['x-frame-options'], 'DENY')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin')
    t.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP')
    t.notMatch(res.body, /<script>|<script [^>]*>[^<]/, 'no inline script in the page')
    t.notMatch(res.body, /\sstyle="|<style/, 'no inline style in the page')
  }
})

t.test('a campaign with embedders may be framed by them only', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject('/c/embedded')
  t.match(res.headers['content-security-policy'], /frame-ancestors https:\/\/shop\.example\.com(;|$)/)
  t.equal(res.headers['x-frame-options'], undefined)
})

t.test('a success redirect to another site is allowed by form-action', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/c/always')
  t.match(res.headers['content-security-policy'], /form-action 'self' https:\/\/example\.com/)
})

t.test('HSTS when served over HTTPS through a trusted proxy', async t => {
  const { app } = await buildTestApp(t, { campaigns, trustProxy: true })
  const res = await app.inject({ url: '/c/summer', headers: { 'x-forwarded-proto': 'https' } })
  t.match(res.headers['strict-transport-security'], /max-age=31536000/)
})

t.test('assets and the embed script carry the hardening headers of a page; a route may lift one', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const answers = {
    stylesheet: await app.inject('/assets/optline.css'),
    'embed script': await app.inject('/embed.js')
  }
  for (const [name, res] of Object.entries(answers)) {
    t.equal(res.statusCode, 200, `${name}: served`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin', `${name}: referrer policy`)
    t.equal(res.headers['cross-origin-opener-policy'], 'same-origin', `${name}: opener policy`)
    t.equal(res.headers['x-permitted-cross-domain-policies'], 'none', `${name}: no Flash/PDF cross-domain policy`)
    t.equal(res.headers['x-powered-by'], undefined, `${name}: no framework banner`)
    t.match(res.headers['content-security-policy'], /default-src 'none'/, `${name}: CSP`)
  }
  t.equal(answers.stylesheet.headers['cross-origin-resource-policy'], 'same-origin', 'same-origin by default')
  t.equal(answers['embed script'].headers['cross-origin-resource-policy'], 'cross-origin', 'the embed script lifts it for other sites')
})

t.test('every JSON API answer, success or refusal, carries the REST set: never cached, framed, sniffed or read cross-site', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const api = (phone: string) => app.inject({
    method: 'POST',
    url: '/api/v1/campaigns/summer/signups',
    payload: { phone, consent: true, formToken: formTokenFor('summer') }
  })
  const answers = {
    'API 202': await api('6465550123'),
    'API 422': await api('12'),
    'API 404 (campaign)': await app.inject('/api/v1/campaigns/nope/form-token'),
    'API 404 (route)': await app.inject('/api/v1/no-such-thing'),
    'form token': await app.inject('/api/v1/campaigns/summer/form-token'),
    'embed form texts': await app.inject('/api/v1/campaigns/embedded/form')
  }
  t.same(Object.fromEntries(Object.entries(answers).map(([name, res]) => [name, res.statusCode])),
    { 'API 202': 202, 'API 422': 422, 'API 404 (campaign)': 404, 'API 404 (route)': 404, 'form token': 200, 'embed form texts': 200 })
  for (const [name, res] of Object.entries(answers)) {
    t.match(res.headers['content-type'], /^application\/json/, `${name}: JSON`)
    t.equal(res.headers['cache-control'], 'no-store', `${name}: never cached`)
    t.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", `${name}: loads nothing, framed by nobody`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${name}: not framed`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(res.headers['cross-origin-resource-policy'], 'same-origin', `${name}: no cross-site no-cors read`)
    t.equal(res.headers['x-powered-by'], undefined, `${name}: no framework banner`)
    // Headers that only govern a rendered document stay off: each would be bytes on every API answer.
    t.equal(res.headers['cross-origin-opener-policy'], undefined, `${name}: no document-only headers`)
  }
  const https = await app.inject({ url: '/api/v1/campaigns/summer/form-token', headers: { 'x-forwarded-proto': 'https' } })
  t.equal(https.headers['strict-transport-security'], undefined, 'no HSTS unless the proxy is trusted')
})

t.test('an API answer over HTTPS (through a trusted proxy) carries HSTS too', async t => {
  const { app } = await buildTestApp(t, { campaigns, trustProxy: true })
  const res = await app.inject({ url: '/api/v1/campaigns/summer/form-token', headers: { 'x-forwarded-proto': 'https' } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['strict-transport-security'], /max-age=31536000/)
})
