// CAPTCHA verification over real HTTP against the local siteverify stand-in: verdicts, failures, and the secret kept out of sight.

import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createCaptchaVerifier } from '../../src/abuse/captcha.ts'
import type { CaptchaCheck } from '../../src/abuse/captcha.ts'
import { STAND_IN_GOOD_TOKEN } from '../../src/abuse/captcha-stand-in.ts'
import { CANARY_SECRET, captureLog, liveKit } from './helper.ts'

const GOOD = STAND_IN_GOOD_TOKEN

t.test('turnstile: the good token passes, posted form-encoded with the visitor address', async (t) => {
  const { standIn, verifier, log } = await liveKit(t)
  t.same(await verifier.verify(GOOD, '203.0.113.7'), { ok: true })
  t.match(standIn.calls, [{
    contentType: 'application/x-www-form-urlencoded',
    secret: 'valid',
    response: GOOD,
    remoteip: '203.0.113.7',
    sitekey: undefined,
    status: 200
  }])
  t.same(await verifier.verify(GOOD, undefined), { ok: true }, 'without an address')
  t.equal(standIn.calls[1]?.remoteip, undefined)
  t.equal(log.lines.length, 0, 'a verdict is not logged here: the caller logs with its context')
})

t.test('a wrong or spent token is rejected with the provider codes', async (t) => {
  const { standIn, verifier } = await liveKit(t, { singleUse: true })
  t.same(await verifier.verify('forged-token', '203.0.113.7'), { ok: false, reason: 'rejected', errorCodes: ['invalid-input-response'] })
  t.same(await verifier.verify(GOOD, '203.0.113.7'), { ok: true })
  t.same(await verifier.verify(GOOD, '203.0.113.7'), { ok: false, reason: 'rejected', errorCodes: ['timeout-or-duplicate'] })
  t.equal(standIn.calls.length, 3)
})

t.test('no token, a non-string or an oversized token is settled without a call', async (t) => {
  const { standIn, verifier } = await liveKit(t)
  for (const token of [undefined, null, '']) {
    t.same(await verifier.verify(token, '203.0.113.7'), { ok: false, reason: 'missing', errorCodes: ['missing-input-response'] })
  }
  for (const token of [42, {}, [GOOD], true, 'x'.repeat(2049)]) {
    t.same(await verifier.verify(token, '203.0.113.7'), { ok: false, reason: 'rejected', errorCodes: ['invalid-input-response'] })
  }
  t.equal(standIn.calls.length, 0)
  t.same(await verifier.verify('x'.repeat(2048), undefined), { ok: false, reason: 'rejected', errorCodes: ['invalid-input-response'] }, '2048 chars is still sent')
  t.equal(standIn.calls.length, 1)
})

t.test('an address that is not an IP is left out rather than failing the visitor', async (t) => {
  const { standIn, verifier } = await liveKit(t, { provider: 'hcaptcha' })
  for (const ip of ['unknown', '1.2.3', '', '::ffff:203.0.113.7 ', 'a'.repeat(5000)]) {
    t.same(await verifier.verify(GOOD, ip), { ok: true }, JSON.stringify(ip.slice(0, 20)))
  }
  t.same(standIn.calls.map((call) => call.remoteip), [undefined, undefined, undefined, undefined, undefined])
  t.same(await verifier.verify(GOOD, '2001:db8::1'), { ok: true })
  t.equal(standIn.calls.at(-1)?.remoteip, '2001:db8::1')
})

t.test('hcaptcha: site key sent, a mismatch or a bad secret is an operator problem', async (t) => {
  const { standIn, verifier, log, url } = await liveKit(t, { provider: 'hcaptcha', siteKey: 'site-a', singleUse: true })
  t.same(await verifier.verify(GOOD, '203.0.113.7', { siteKey: 'site-a' }), { ok: true })
  t.equal(standIn.calls[0]?.sitekey, 'site-a')
  t.same(await verifier.verify(GOOD, '203.0.113.7', { siteKey: 'site-a' }), { ok: false, reason: 'rejected', errorCodes: ['already-seen-response'] })
  standIn.reset()
  t.same(await verifier.verify(GOOD, '203.0.113.7', { siteKey: 'site-b' }), { ok: false, reason: 'unavailable', errorCodes: ['sitekey-secret-mismatch'] })
  t.match(log.lines, [{ level: 50, captcha: 'hcaptcha', outcome: 'unavailable', errorCodes: ['sitekey-secret-mismatch'], status: 200 }])

  const wrong = createCaptchaVerifier({ provider: 'hcaptcha', secret: 'not-the-secret', verifyUrl: url, logger: log.logger })
  t.teardown(() => wrong.close())
  t.same(await wrong.verify(GOOD, undefined), { ok: false, reason: 'unavailable', errorCodes: ['invalid-input-secret'] })
  t.equal(standIn.calls.at(-1)?.secret, 'invalid')
  t.notOk(log.text().includes('not-the-secret'))
})

t.test('turnstile sends no site key', async (t) => {
  const { standIn, verifier } = await liveKit(t)
  t.same(await verifier.verify(GOOD, undefined, { siteKey: 'ignored' }), { ok: true })
  t.equal(standIn.calls[0]?.sitekey, undefined)
})

t.test('a slow provider is unavailable at the deadline, not later', async (t) => {
  const { standIn, verifier, log } = await liveKit(t, {}, { timeoutMs: 150 })
  standIn.failNext({ delayMs: 5_000 })
  const started = performance.now()
  t.same(await verifier.verify(GOOD, '203.0.113.7'), { ok: false, reason: 'unavailable', errorCodes: ['siteverify-timeout'] })
  const took = performance.now() - started
  t.ok(took >= 140 && took < 1_000, `gave up after ${Math.round(took)} ms`)
  t.match(log.lines, [{ level: 40, outcome: 'unavailable', errorCodes: ['siteverify-timeout'] }])

  standIn.failNext({ delayMs: 20 })
  t.same(await verifier.verify(GOOD, undefined), { ok: true }, 'a little slow is fine')
})

t.test('5xx, garbage and a dropped connection are unavailable', async (t) => {
  const { standIn, verifier } = await liveKit(t)
  const cases: Array<[Parameters<typeof standIn.failNext>[0], string]> = [
    [{ status: 500, body: { success: true } }, 'siteverify-http-500'],
    [{ status: 503, body: '<html>Service Unavailable</html>' }, 'siteverify-http-503'],
    [{ status: 200, body: '<html>Attention Required! | Cloudflare</html>' }, 'siteverify-bad-response'],
    [{ status: 200, body: '{"success":"true"}', contentType: 'application/json' }, 'siteverify-bad-response'],
    [{ status: 200, body: '{"success":tru', contentType: 'application/json' }, 'siteverify-bad-response'],
    [{ status: 200, body: '' }, 'siteverify-bad-response'],
    [{ status: 200, body: [true] }, 'siteverify-bad-response'],
    [{ status: 404, body: 'Not Found' }, 'siteverify-http-404'],
    [{ status: 200, body: { success: false, 'error-codes': ['internal-error'] } }, 'internal-error'],
    [{ destroy: true }, 'siteverify-unreachable']
  ]
  for (const [spec, code] of cases) {
    standIn.failNext(spec)
    t.same(await verifier.verify(GOOD, '203.0.113.7'), { ok: false, reason: 'unavailable', errorCodes: [code] }, code)
  }
  t.same(await verifier.verify(GOOD, '203.0.113.7'), { ok: true }, 'and the next call works')
})

t.test('a refused connection is unavailable', async (t) => {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  const log = captureLog()
  const verifier = createCaptchaVerifier({ provider: 'turnstile', secret: CANARY_SECRET, verifyUrl: `http://127.0.0.1:${port}/turnstile/v0/siteverify`, logger: log.logger })
  t.teardown(() => verifier.close())
  t.same(await verifier.verify(GOOD, undefined), { ok: false, reason: 'unavailable', errorCodes: ['siteverify-unreachable'] })
  t.match(log.lines, [{ level: 40, code: 'ECONNREFUSED' }])
})

t.test('after close, verify answers unavailable instead of throwing; close is idempotent', async (t) => {
  const { verifier } = await liveKit(t)
  await verifier.close()
  await verifier.close()
  t.same(await verifier.verify(GOOD, undefined), { ok: false, reason: 'unavailable', errorCodes: ['siteverify-unreachable'] })
})

t.test('the secret never appears in a log line, a result or an error', async (t) => {
  const { standIn, verifier, log, url } = await liveKit(t, { singleUse: true }, { timeoutMs: 100 })
  const results: CaptchaCheck[] = []
  const specs: Array<Parameters<typeof standIn.failNext>[0] | undefined> = [
    undefined,
    { delayMs: 1_000 },
    { status: 500, body: `upstream said ${CANARY_SECRET}` },
    { status: 200, body: `<pre>secret=${encodeURIComponent(CANARY_SECRET)}</pre>` },
    // A misbehaving endpoint that echoes our secret back inside its error codes.
    { status: 200, body: { success: false, 'error-codes': [`invalid-input-secret ${CANARY_SECRET}`, encodeURIComponent(CANARY_SECRET)] } },
    { destroy: true }
  ]
  for (const spec of specs) {
    if (spec !== undefined) standIn.failNext(spec)
    results.push(await verifier.verify(GOOD, '203.0.113.7'))
  }
  results.push(await verifier.verify(GOOD, '203.0.113.7'), await verifier.verify('bad', undefined))
  const wrongSecret = createCaptchaVerifier({ provider: 'turnstile', secret: `${CANARY_SECRET}-old`, verifyUrl: url, logger: log.logger })
  results.push(await wrongSecret.verify(GOOD, undefined))
  await wrongSecret.close()

  const errors: string[] = []
  for (const bad of [{ secret: CANARY_SECRET, verifyUrl: 'ftp://example.com' }, { secret: CANARY_SECRET, timeoutMs: -1 }, { secret: ' ' }]) {
    try {
      createCaptchaVerifier({ provider: 'turnstile', ...bad })
    } catch (err) {
      errors.push(String(err), (err as Error).stack ?? '')
    }
  }
  t.equal(errors.length, 6)

  t.ok(log.lines.length >= 5, `${log.lines.length} log lines`)
  t.match(results[4], { ok: false, errorCodes: ['invalid-input-secret [REDACTED]', '[REDACTED]'] })
  const everything = [log.text(), JSON.stringify(results), errors.join('\n'), JSON.stringify(standIn.calls), JSON.stringify(verifier)].join('\n')
  for (const form of [CANARY_SECRET, encodeURIComponent(CANARY_SECRET), new URLSearchParams({ s: CANARY_SECRET }).toString().slice(2)]) {
    t.notOk(everything.includes(form), `no ${form}`)
  }
  t.equal(standIn.calls.filter((call) => call.secret === 'valid').length, 8, 'while the real secret did reach siteverify')
})
