// CAPTCHA verification edge cases through undici's MockAgent (no network): exact request, odd answers, transport errors, options.

import t from 'tap'
import { errors, MockAgent } from 'undici'
import { CAPTCHA_DEFAULTS, createCaptchaVerifier } from '../../src/abuse/captcha.ts'
import type { CaptchaProvider, CaptchaVerifierOptions } from '../../src/abuse/captcha.ts'
import { CANARY_SECRET, captureLog } from './helper.ts'

const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com'
const TURNSTILE_PATH = '/turnstile/v0/siteverify'
const JSON_TYPE = { headers: { 'content-type': 'application/json' } }

function mockKit (t: { teardown: (fn: () => unknown) => void }, options: Partial<CaptchaVerifierOptions> = {}) {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const log = captureLog()
  const verifier = createCaptchaVerifier({ provider: 'turnstile', secret: CANARY_SECRET, dispatcher: agent, logger: log.logger, ...options })
  t.teardown(async () => {
    await verifier.close()
    agent.assertNoPendingInterceptors()
    await agent.close()
  })
  return { agent, log, verifier, pool: agent.get(TURNSTILE_ORIGIN) }
}

t.test('the provider facts', async (t) => {
  t.match(CAPTCHA_DEFAULTS.turnstile, {
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    scriptUrl: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    widgetClass: 'cf-turnstile',
    responseField: 'cf-turnstile-response',
    cspScriptSrc: ['https://challenges.cloudflare.com'],
    cspFrameSrc: ['https://challenges.cloudflare.com'],
    maxTokenLength: 2048
  })
  t.match(CAPTCHA_DEFAULTS.hcaptcha, {
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
    scriptUrl: 'https://js.hcaptcha.com/1/api.js',
    widgetClass: 'h-captcha',
    responseField: 'h-captcha-response',
    cspScriptSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    cspFrameSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com']
  })
  t.ok(Object.isFrozen(CAPTCHA_DEFAULTS) && Object.isFrozen(CAPTCHA_DEFAULTS.turnstile))
})

t.test('each provider is called at its own siteverify URL with exactly secret, response, remoteip', async (t) => {
  const hosts: Record<CaptchaProvider, [string, string]> = {
    turnstile: [TURNSTILE_ORIGIN, TURNSTILE_PATH],
    hcaptcha: ['https://api.hcaptcha.com', '/siteverify']
  }
  for (const [provider, [origin, path]] of Object.entries(hosts) as Array<[CaptchaProvider, [string, string]]>) {
    const { agent, verifier } = mockKit(t, { provider })
    const bodies: string[] = []
    agent.get(origin).intercept({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: (body) => { bodies.push(body); return true }
    }).reply(200, { success: true, 'error-codes': [] }, JSON_TYPE)
    t.same(await verifier.verify('tok+en/=&x', '198.51.100.4', { siteKey: 'sk' }), { ok: true }, provider)
    const sent = Object.fromEntries(new URLSearchParams(bodies[0]))
    t.same(sent, {
      secret: CANARY_SECRET,
      response: 'tok+en/=&x',
      remoteip: '198.51.100.4',
      ...(provider === 'hcaptcha' ? { sitekey: 'sk' } : {})
    })
  }
})

t.test('a verifyUrl keeps its path and query; a passed dispatcher is not closed', async (t) => {
  const { agent, verifier } = mockKit(t, { verifyUrl: 'http://captcha.test:8080/proxy/siteverify?region=eu' })
  agent.get('http://captcha.test:8080').intercept({ path: '/proxy/siteverify?region=eu', method: 'POST' })
    .reply(200, { success: true }, JSON_TYPE).times(2)
  t.same(await verifier.verify('t', undefined), { ok: true })
  await verifier.close()
  const again = createCaptchaVerifier({ provider: 'turnstile', secret: CANARY_SECRET, dispatcher: agent, verifyUrl: 'http://captcha.test:8080/proxy/siteverify?region=eu' })
  t.same(await again.verify('t', undefined), { ok: true }, 'the agent still works after the first verifier closed')
})

t.test('answers that are not a plain success', async (t) => {
  const { pool, verifier, log } = mockKit(t)
  const codes = Array.from({ length: 50 }, (_, i) => `code-${i}-${'x'.repeat(100)}`)
  const cases: Array<[number, unknown, unknown]> = [
    [200, { success: false }, { ok: false, reason: 'rejected', errorCodes: [] }],
    [200, { success: false, 'error-codes': 'invalid-input-response' }, { ok: false, reason: 'rejected', errorCodes: [] }],
    [200, { success: false, 'error-codes': [1, null, 'invalid-input-response', { a: 1 }] }, { ok: false, reason: 'rejected', errorCodes: ['invalid-input-response'] }],
    [400, { success: false, 'error-codes': ['bad-request'] }, { ok: false, reason: 'unavailable', errorCodes: ['bad-request'] }],
    [200, { success: false, 'error-codes': ['missing-input-secret'] }, { ok: false, reason: 'unavailable', errorCodes: ['missing-input-secret'] }],
    [403, { success: true }, { ok: false, reason: 'unavailable', errorCodes: ['siteverify-http-403'] }],
    [302, '', { ok: false, reason: 'unavailable', errorCodes: ['siteverify-http-302'] }],
    [200, { success: 1 }, { ok: false, reason: 'unavailable', errorCodes: ['siteverify-bad-response'] }],
    [200, null, { ok: false, reason: 'unavailable', errorCodes: ['siteverify-bad-response'] }],
    [200, `{"success":true,"pad":"${'x'.repeat(20_000)}"}`, { ok: false, reason: 'unavailable', errorCodes: ['siteverify-bad-response'] }]
  ]
  for (const [status, body, expected] of cases) {
    pool.intercept({ path: TURNSTILE_PATH, method: 'POST' }).reply(status, typeof body === 'string' ? body : JSON.stringify(body), JSON_TYPE)
    t.same(await verifier.verify('token', undefined), expected, `${status} ${JSON.stringify(body)?.slice(0, 60)}`)
  }
  pool.intercept({ path: TURNSTILE_PATH, method: 'POST' }).reply(200, { success: false, 'error-codes': codes }, JSON_TYPE)
  const capped = await verifier.verify('token', undefined)
  t.equal(capped.ok ? 0 : capped.errorCodes.length, 10, 'at most 10 codes')
  t.ok(capped.ok || capped.errorCodes.every((code) => code.length === 64), 'each at most 64 characters')
  t.match(log.lines.filter((line) => line.level === 50), [{ errorCodes: ['bad-request'] }, { errorCodes: ['missing-input-secret'] }])
})

t.test('transport errors: undici timeouts, resets, an unexpected throw', async (t) => {
  const { pool, verifier, log } = mockKit(t)
  const cases: Array<[Error, string]> = [
    [new errors.HeadersTimeoutError(), 'siteverify-timeout'],
    [new errors.BodyTimeoutError(), 'siteverify-timeout'],
    [new errors.ConnectTimeoutError(), 'siteverify-timeout'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'siteverify-unreachable'],
    [new errors.SocketError('other side closed'), 'siteverify-unreachable'],
    [new Error(`boom ${CANARY_SECRET}`), 'siteverify-unreachable']
  ]
  for (const [error, code] of cases) {
    pool.intercept({ path: TURNSTILE_PATH, method: 'POST' }).replyWithError(error)
    t.same(await verifier.verify('token', '192.0.2.1'), { ok: false, reason: 'unavailable', errorCodes: [code] }, error.message)
  }
  t.equal(log.lines.length, cases.length)
  t.notOk(log.text().includes(CANARY_SECRET))
  t.match(log.lines.at(-1), { level: 40, error: 'boom [REDACTED]' })
})

t.test('the deadline also applies to a mocked slow answer', async (t) => {
  const { pool, verifier } = mockKit(t, { timeoutMs: 50 })
  pool.intercept({ path: TURNSTILE_PATH, method: 'POST' }).reply(200, { success: true }, JSON_TYPE).delay(2_000)
  const started = performance.now()
  t.same(await verifier.verify('token', undefined), { ok: false, reason: 'unavailable', errorCodes: ['siteverify-timeout'] })
  t.ok(performance.now() - started < 1_000)
})

t.test('bad options fail at construction and never quote the secret', async (t) => {
  const base = { provider: 'turnstile' as const, secret: CANARY_SECRET }
  t.throws(() => createCaptchaVerifier({ ...base, provider: 'recaptcha' as CaptchaProvider }), /turnstile or hcaptcha/)
  t.throws(() => createCaptchaVerifier({ ...base, provider: 'toString' as CaptchaProvider }), /turnstile or hcaptcha/)
  t.throws(() => createCaptchaVerifier({ ...base, secret: '' }), /secret is required/)
  t.throws(() => createCaptchaVerifier({ ...base, secret: undefined as unknown as string }), /secret is required/)
  t.throws(() => createCaptchaVerifier({ ...base, verifyUrl: 'file:///etc/passwd' }), /http\(s\)/)
  t.throws(() => createCaptchaVerifier({ ...base, verifyUrl: 'not a url' }))
  t.throws(() => createCaptchaVerifier({ ...base, timeoutMs: 0 }), /timeoutMs/)
  t.throws(() => createCaptchaVerifier({ ...base, timeoutMs: Number.NaN }), /timeoutMs/)
  const verifier = createCaptchaVerifier(base)
  t.teardown(() => verifier.close())
  t.same(Object.keys(verifier).sort(), ['close', 'verify'], 'the secret is held in a closure, not on the object')
})
