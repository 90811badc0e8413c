// Security headers on every page: strict CSP (no inline script), framing only for listed embedders, HSTS over HTTPS.
import t from 'tap'
import { buildTestApp, formPost, usCampaign } from '../helper.ts'

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
