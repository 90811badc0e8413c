// The access token never leaks: a canary token, every route and error path walked, every answer, log line (trace) and stored attempt searched.
import t from 'tap'
import type { Test } from 'tap'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { Writable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { pino } from 'pino'
import { stringify } from 'yaml'
import { buildApp } from '../../src/app.ts'
import { parseCampaigns } from '../../src/campaigns/load.ts'
import { loggerOptions } from '../../src/logger.ts'
import { createStandIn, type FailSpec } from '../../src/sandbox/stand-in.ts'
import { createProtextingClient } from '../../src/upstream/client.ts'
import { openStore } from '../../src/store/open.ts'
import type { SignupDetail, Store } from '../../src/store/types.ts'
import { tokenKeyOf } from '../../src/outbox/token-key.ts'
import { createFormTokens } from '../../src/abuse/form-token.ts'
import { createTestClock } from '../test-clock.ts'
import { TEST_FORM_SECRET, usCampaign } from '../helper.ts'

// Distinctive, and with characters that URL-encode (/ + =), so an encoded leak is caught too.
const CANARY = 'CanaryTok3n7Hq2Vx9Lm4Pz8/Wd+Ks=Rf6'
const NEEDLES = [
  CANARY, encodeURIComponent(CANARY), // whole, raw or URL-encoded
  'canarytok3n7hq2vx9lm4pz8', // its first part, in any case (a truncated or re-encoded leak)
  'wd+ks=rf6', 'wd ks=rf6', 'wd%2bks%3drf6', // its last part, raw, form-decoded, encoded
  Buffer.from(CANARY).toString('base64').slice(0, 24).toLowerCase()
]
/** Which needles a text holds (case-insensitive). */
const leaks = (text: string) => NEEDLES.filter(needle => text.toLowerCase().includes(needle.toLowerCase()))

const OPT_IN_URL = `/v1/contacts-opt-in/create?access_token=${encodeURIComponent(CANARY)}`
const MINUTE = 60_000

const open = { perIpPerMinute: 0, prefixVelocity: { max: 0, windowMinutes: 10 } }
const campaignsConfig = {
  summer: { ...usCampaign, protection: open },
  world: { ...usCampaign, allowedCountries: ['US', 'CA', 'GB'], protection: open },
  always: { ...usCampaign, sendCtaMessage: 'always', successRedirectUrl: 'https://example.com/welcome', protection: open },
  embedded: { ...usCampaign, embedOrigins: ['https://shop.example.com'], protection: open },
  strict: { ...usCampaign, protection: { perIpPerMinute: 1 } },
  // Turnstile without a configured secret: no verdict, so the signup is refused with 503.
  captcha: { ...usCampaign, protection: { ...open, captcha: { provider: 'turnstile', siteKey: 'site-key-1' } } },
  // An hCaptcha verifier that throws: the unexpected-error path (500).
  crashy: { ...usCampaign, protection: { ...open, captcha: { provider: 'hcaptcha', siteKey: 'site-key-2' } } }
}

/** A store whose accept() can be made to fail, for the "could not record" path. */
function breakableStore (store: Store) {
  const control = { failAccept: false }
  const wrapped = new Proxy(store, {
    get (target, property, receiver) {
      if (property === 'accept' && control.failAccept) return async () => { throw new Error('SQLITE_FULL: database or disk is full') }
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { store: wrapped, control }
}

/** The app as server.ts builds it, with the canary as PROTEXTING_ACCESS_TOKEN and every log line kept at trace. */
async function buildCanaryApp (t: Test) {
  let logText = ''
  const sink = new Writable({ write (chunk, _encoding, done) { logText += String(chunk); done() } })
  const logger = pino(loggerOptions('trace'), sink)
  const standIn = createStandIn({ accessToken: CANARY, limit: 1000, logger: logger.child({ component: 'sandbox' }) })
  const baseUrl = await standIn.listen()
  t.teardown(() => standIn.close())
  const { campaigns } = parseCampaigns(stringify({ campaigns: campaignsConfig }))
  // Short timeouts, so the timeout path takes about a second.
  const upstream = createProtextingClient({ baseUrl, accessToken: CANARY, logger: logger.child({ component: 'upstream' }), headersTimeoutMs: 300, bodyTimeoutMs: 300 })
  const { store, control } = breakableStore(await openStore({ url: ':memory:' }))
  const clock = createTestClock()
  const app = await buildApp({
    campaigns,
    upstream,
    store,
    tokenKey: tokenKeyOf(CANARY),
    sandbox: false,
    logger,
    clock,
    random: () => 0.5,
    trustProxy: true,
    formTokenSecret: TEST_FORM_SECRET,
    captcha: { hcaptcha: { verify: async () => { throw new Error('hcaptcha verifier crashed') } } }
  })
  await app.ready()
  t.teardown(() => app.close())
  return { app, standIn, store, clock, control, logs: () => logText }
}

type Request = string | InjectOptions

t.test('the canary access token appears in no answer, header, log line at any level, or stored attempt, on any route or failure', async t => {
  const canary = await buildCanaryApp(t)
  const { app, standIn, store, clock, control } = canary
  const tokens = createFormTokens({ secret: TEST_FORM_SECRET, now: () => clock.now() - 10_000, minAgeMs: 0 })
  const seen: Array<{ what: string, res: LightMyRequestResponse }> = []
  const statuses = new Set<number>()
  const hit = async (what: string, request: Request, status?: number) => {
    const res = await app.inject(request)
    seen.push({ what, res })
    statuses.add(res.statusCode)
    if (status !== undefined) t.equal(res.statusCode, status, `${what} → ${status}`)
    return res
  }
  let line = 0
  // A new number per signup: each is a new opt-in call.
  const nextPhone = () => `(646) 555-${String(1000 + line++)}`
  const form = (slug: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Request => ({
    method: 'POST',
    url: `/c/${slug}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({ phone: nextPhone(), consent: 'yes', formToken: tokens.issue(slug), ...fields }).toString()
  })
  const api = (slug: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}): Request => ({
    method: 'POST',
    url: `/api/v1/campaigns/${slug}/signups`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ phone: nextPhone(), consent: true, formToken: tokens.issue(slug), ...fields })
  })
  const raw = (url: string, contentType: string, payload: string): Request => ({ method: 'POST', url, headers: { 'content-type': contentType }, payload })

  // Every page and endpoint a browser, an embedder or a probe can GET.
  const page = await hit('the form', '/c/summer', 200)
  const css = /href="(\/assets\/[^"]+)"/.exec(page.body)?.[1] ?? '/assets/optline.css'
  await hit('the form with a source tag', '/c/summer?src=poster-lobby', 200)
  await hit('the multi-country form', '/c/world', 200)
  await hit('a form with a success redirect', '/c/always', 200)
  await hit('a form with a CAPTCHA widget', '/c/captcha', 200)
  await hit('the thank-you page', '/c/summer/thanks?to=0123', 200)
  await hit('the thank-you page without digits', '/c/summer/thanks', 200)
  await hit('an unknown campaign', '/c/nope', 404)
  await hit('an unknown campaign\'s thank-you', '/c/nope/thanks', 404)
  await hit('an unknown page', '/no/such/page', 404)
  await hit('an unknown API path', '/api/v1/nope', 404)
  await hit('the stylesheet', css, 200)
  await hit('the stylesheet without its hash', '/assets/optline.css', 200)
  await hit('a missing asset', '/assets/missing.css', 404)
  await hit('a path escaping the assets', '/assets/%2e%2e/package.json')
  await hit('liveness', '/healthz', 200)
  await hit('readiness', '/readyz', 200)
  await hit('a form token', '/api/v1/campaigns/summer/form-token', 200)
  await hit('a form token for an embedder', { url: '/api/v1/campaigns/embedded/form-token', headers: { origin: 'https://shop.example.com' } }, 200)
  await hit('a form token for an unknown campaign', '/api/v1/campaigns/nope/form-token', 404)
  await hit('a CORS preflight', { method: 'OPTIONS', url: '/api/v1/campaigns/embedded/signups', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } })
  await hit('a GET of the API', '/api/v1/campaigns/summer/signups?phone=6465550123&consent=true')
  await hit('a PUT', { method: 'PUT', url: '/c/summer', payload: 'x' })
  await hit('a HEAD', { method: 'HEAD', url: '/c/summer' })
  await hit('an overlong slug', `/c/${'a'.repeat(150)}`)
  await hit('a broken percent-encoding', '/c/%E0%A4%A')

  // Signups, valid and refused, on both routes, and every request-level refusal.
  await hit('a valid form signup', form('summer'), 303)
  await hit('a valid API signup', api('summer'), 202)
  await hit('a signup redirected to the campaign\'s site', form('always'), 303)
  await hit('a multi-country signup', form('world', { country: 'GB', phone: '07400 123456' }), 303)
  await hit('a refused phone (form)', form('summer', { phone: '12' }), 422)
  await hit('a refused phone (API)', api('summer', { phone: '+44 20 7946 0958' }), 422)
  await hit('no consent (form)', form('summer', { consent: '' }), 422)
  await hit('a schema refusal (API)', api('summer', { consent: 'maybe' }), 422)
  await hit('no form token', form('summer', { formToken: '' }), 422)
  await hit('a forged form token', api('summer', { formToken: 'AAAA.BBBB' }), 422)
  await hit('the honeypot filled in', form('summer', { website: 'http://spam.example' }), 303)
  await hit('submitted too fast', form('summer', { formToken: createFormTokens({ secret: TEST_FORM_SECRET, now: () => clock.now(), minAgeMs: 0 }).issue('summer') }), 303)
  await hit('a cross-site form post', form('summer', {}, { origin: 'https://evil.example' }), 403)
  await hit('a form body too large', raw('/c/summer', 'application/x-www-form-urlencoded', 'phone=' + '1'.repeat(20_000)), 413)
  await hit('an API body too large', raw('/api/v1/campaigns/summer/signups', 'application/json', JSON.stringify({ phone: '1'.repeat(20_000) })), 413)
  await hit('JSON to the form', raw('/c/summer', 'application/json', '{"phone":"6465550123"}'), 415)
  await hit('a form body to the API', raw('/api/v1/campaigns/summer/signups', 'application/x-www-form-urlencoded', 'phone=6465550123'), 415)
  await hit('XML to the API', raw('/api/v1/campaigns/summer/signups', 'application/xml', '<phone/>'), 415)
  await hit('broken JSON', raw('/api/v1/campaigns/summer/signups', 'application/json', '{"phone":'), 400)
  await hit('an empty JSON body', raw('/api/v1/campaigns/summer/signups', 'application/json', ''), 400)
  await hit('a __proto__ key', raw('/api/v1/campaigns/summer/signups', 'application/json', '{"__proto__":{"polluted":1}}'), 400)
  await hit('a signup for an unknown campaign (form)', form('nope'), 404)
  await hit('a signup for an unknown campaign (API)', api('nope'), 404)
  await hit('the first submission from an address', form('strict', {}, { 'x-forwarded-for': '198.51.100.7' }), 303)
  await hit('over the per-IP limit (form)', form('strict', {}, { 'x-forwarded-for': '198.51.100.7' }), 429)
  await hit('over the per-IP limit (API)', api('strict', {}, { 'x-forwarded-for': '198.51.100.7' }), 429)
  await hit('CAPTCHA unavailable (form)', form('captcha', { 'cf-turnstile-response': 'xyz' }), 503)
  await hit('CAPTCHA unavailable (API)', api('captcha', { captchaToken: 'xyz' }), 503)
  await hit('a crashing CAPTCHA verifier (form)', form('crashy', { 'h-captcha-response': 'xyz' }), 500)
  await hit('a crashing CAPTCHA verifier (API)', api('crashy', { captchaToken: 'xyz' }), 500)
  control.failAccept = true
  await hit('the store refusing a signup (form)', form('summer'), 503)
  await hit('the store refusing a signup (API)', api('summer'), 503)
  control.failAccept = false
  await app.dispatcher.settled()

  // Upstream failures that are retried later. Several answers quote the request URL, token included,
  // as misbehaving proxies and debug pages do.
  const retried: Array<[string, FailSpec]> = [
    ['422 quoting the URL', { status: 422, body: [{ field: 'PhoneNumber', message: `Bad request to ${OPT_IN_URL}` }, { field: 'token', message: `token ${CANARY} is not allowed here` }] }],
    ['429 with a debug header', { status: 429, resetSeconds: 1, headers: { 'x-debug-url': `https://api2.protexting.com${OPT_IN_URL}` }, body: { name: 'Too Many Requests', message: `Rate limit exceeded for ${CANARY}`, code: 0, status: 429 } }],
    ['500 JSON quoting the URL', { status: 500, body: { name: 'Internal Server Error', message: `Unhandled error at ${OPT_IN_URL}`, code: 0, status: 500 } }],
    ['502 HTML page quoting the URL', { status: 502, contentType: 'text/html', body: `<html><head><title>502 Bad Gateway: POST ${OPT_IN_URL}</title></head><body><h1>502 Bad Gateway</h1><p>upstream request: POST https://api2.protexting.com${OPT_IN_URL}</p><p>access_token=${CANARY}</p></body></html>` }],
    ['503 XML quoting the token', { status: 503, contentType: 'application/xml', body: `<?xml version="1.0"?><response><name>Service Unavailable</name><message>maintenance; retry ${OPT_IN_URL}</message></response>` }],
    ['200 text quoting the token', { status: 200, contentType: 'text/plain', body: `OK ${CANARY}` }],
    ['connection reset', { destroy: true }],
    // undici checks its timeouts on a coarse (about 1 s) tick: the answer must come well after that.
    ['timeout', { delayMs: 1500 }]
  ]
  for (const [name, spec] of retried) {
    standIn.failNext(spec)
    await hit(`a signup, then upstream ${name}`, form('summer'), 303)
    await app.dispatcher.settled()
  }
  // A 201 whose body quotes the token: delivered, and its answer is kept in the attempt log.
  standIn.failNext({ status: 201, body: { Id: 77, PhoneNumber: '16465550199', note: `created via ${OPT_IN_URL}` } })
  await hit('a signup, then upstream 201 quoting the URL', api('summer'), 202)
  await app.dispatcher.settled()

  // Failures that pause sending until the operator acts; each probe (every 5 minutes) meets the next one.
  const pausing: Array<[string, FailSpec]> = [
    ['401', { status: 401, body: { name: 'Unauthorized', message: `Your request was made with invalid credentials: ${CANARY}`, code: 0, status: 401 } }],
    ['403', { status: 403, body: { name: 'Forbidden', message: `Token ${encodeURIComponent(CANARY)} may not do this`, code: 0, status: 403 } }],
    ['404', { status: 404, body: { name: 'Not Found', message: `Page not found: ${OPT_IN_URL}`, code: 0, status: 404 } }],
    ['302 to a login page', { status: 302, headers: { location: `https://login.protexting.com/?next=${encodeURIComponent(OPT_IN_URL)}&access_token=${CANARY}` }, body: '' }]
  ]
  for (const [index, [name, spec]] of pausing.entries()) {
    standIn.failNext(spec)
    if (index === 0) {
      await hit(`a signup, then upstream ${name}`, form('summer'), 303)
    } else {
      clock.advance(5 * MINUTE)
      await nextTurn()
    }
    await app.dispatcher.settled()
    const ready = await hit(`readiness after upstream ${name}`, '/readyz', 503)
    t.match(ready.json(), { status: 'not ready', problems: [new RegExp(`ProTexting answered ${spec.status ?? ''}`)] }, `paused after ${name}, and says why`)
    await hit(`a signup while paused after ${name}`, api('summer'), 202)
  }
  // The operator fixed it: the probe goes through, sending resumes, every retry is delivered.
  for (let round = 0; round < 5 && (await store.counts()).pending > 0; round++) {
    clock.advance(5 * MINUTE)
    await nextTurn()
    await app.dispatcher.settled()
  }
  await hit('readiness once resumed', '/readyz', 200)
  // Every label the metrics hold by now (campaigns, outcomes, statuses, reasons): no token among them.
  await hit('metrics after every outcome', '/metrics', 200)
  t.match(await store.counts(), { pending: 0, sending: 0 }, 'everything was sent in the end')

  // The token was really in use: the stand-in checked it on every call.
  t.ok(standIn.calls.length >= retried.length + pausing.length + 10, `${standIn.calls.length} upstream calls made`)
  t.ok(standIn.calls.every(call => call.token === 'valid'), 'every call carried the canary')
  t.ok([200, 202, 303, 400, 403, 404, 413, 415, 422, 429, 500, 503].every(status => statuses.has(status)), `answers seen: ${[...statuses].sort().join(' ')}`)

  for (const { what, res } of seen) {
    t.same(leaks(res.body), [], `${what} (${res.statusCode}): not in the body`)
    t.same(leaks(JSON.stringify(res.headers)), [], `${what} (${res.statusCode}): not in a header, Location included`)
  }
  const logs = canary.logs()
  t.equal(app.log.level, 'trace', 'the app logged at trace level')
  t.match(logs, /"level":50,/, 'error lines were captured')
  t.same(leaks(logs), [], `not in any of the ${logs.split('\n').length - 1} log lines`)
  let id = 1
  let attempts = 0
  const details: SignupDetail[] = []
  for (let detail = await store.signupDetail(id); detail !== undefined; detail = await store.signupDetail(++id)) {
    details.push(detail)
    attempts += detail.attemptLog.length
    t.same(leaks(JSON.stringify(detail)), [], `signup ${id}: not in its attempt log (${detail.attemptLog.map(a => a.httpStatus ?? a.outcome).join(', ')}) or last error`)
  }
  t.ok(attempts >= retried.length + pausing.length, `${attempts} stored attempts searched`)
  const outcomes = new Set(details.flatMap(detail => detail.attemptLog.map(a => `${a.outcome}:${a.httpStatus ?? JSON.parse(a.detail).reason}`)))
  for (const outcome of ['rejected:422', 'rate_limited:429', 'unavailable:500', 'unavailable:502', 'unavailable:503', 'unavailable:200', 'unavailable:connection', 'unavailable:timeout', 'created:201', 'unauthorized:401', 'unauthorized:403', 'misconfigured:404', 'misconfigured:302']) {
    t.ok(outcomes.has(outcome), `the ${outcome} path was taken`)
  }
  t.match(logs, /\[REDACTED\]/, 'token-bearing upstream text reached the log, scrubbed')
  t.same(leaks(JSON.stringify(app.dispatcher.status())), [], 'not in the dispatcher status')
})

t.test('a programmer error from the client (closed pool) is rethrown without the token', async t => {
  const standIn = createStandIn({ accessToken: CANARY })
  const baseUrl = await standIn.listen()
  t.teardown(() => standIn.close())
  let logText = ''
  const logger = pino(loggerOptions('trace'), new Writable({ write (chunk, _encoding, done) { logText += String(chunk); done() } }))
  const client = createProtextingClient({ baseUrl: `${baseUrl}?access_token=${CANARY}`, accessToken: CANARY, logger })
  await client.close()
  const error = await client.optIn({ PhoneNumber: '16465550123', GroupIds: [1] }, { campaign: 'summer' }).then(() => undefined, (err: unknown) => err)
  t.ok(error instanceof Error, 'rethrown')
  t.same(leaks(String((error as Error).message) + String((error as Error).stack)), [], 'not in the message or stack')
  t.same(leaks(logText), [], 'not in the log')
})
