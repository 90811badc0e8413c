// The siteverify stand-in itself: check order, both providers' shapes, JSON and odd requests, canned answers, reset.

import t from 'tap'
import { createCaptchaStandIn, STAND_IN_GOOD_TOKEN, STAND_IN_SECRET } from '../../src/abuse/captcha-stand-in.ts'
import type { CaptchaStandInOptions } from '../../src/abuse/captcha-stand-in.ts'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

function standIn (t: { teardown: (fn: () => unknown) => void }, options: CaptchaStandInOptions = {}) {
  const instance = createCaptchaStandIn({ now: () => Date.UTC(2026, 10, 27, 12), ...options })
  t.teardown(() => instance.close())
  const path = instance.provider === 'turnstile' ? '/turnstile/v0/siteverify' : '/siteverify'
  const post = async (fields: Record<string, string>) => {
    const response = await instance.app.inject({ method: 'POST', url: path, headers: FORM, payload: new URLSearchParams(fields).toString() })
    return { status: response.statusCode, body: response.json() as Record<string, unknown> }
  }
  return { instance, path, post }
}

t.test('turnstile: the checks in order, and the shapes of success and failure', async (t) => {
  const { instance, post } = standIn(t, { singleUse: true, hostname: 'signup.example' })
  const good = { secret: STAND_IN_SECRET, response: STAND_IN_GOOD_TOKEN }
  t.same(await post({}), { status: 200, body: { success: false, 'error-codes': ['missing-input-secret'], messages: [] } })
  t.match(await post({ secret: 'nope', response: 'x' }), { body: { 'error-codes': ['invalid-input-secret'] } })
  t.match(await post({ secret: STAND_IN_SECRET }), { body: { 'error-codes': ['missing-input-response'] } })
  t.match(await post({ secret: STAND_IN_SECRET, response: 'forged' }), { body: { 'error-codes': ['invalid-input-response'] } })
  t.match(await post({ ...good, remoteip: 'not-an-ip' }), { status: 200, body: { success: true } }, 'remoteip is not strictly validated')
  t.same(await post(good), { status: 200, body: { success: false, 'error-codes': ['timeout-or-duplicate'], messages: [] } })
  instance.reset()
  t.same(await post(good), {
    status: 200,
    body: { success: true, 'error-codes': [], challenge_ts: '2026-11-27T12:00:00.000Z', hostname: 'signup.example', action: '', cdata: '', metadata: { interactive: false } }
  })
  t.same(instance.calls.map((call) => call.secret), ['valid'])
})

t.test('hcaptcha: its codes, remoteip and sitekey checks, its success shape', async (t) => {
  const { post } = standIn(t, { provider: 'hcaptcha', goodToken: 'P1_good', secret: '0xabc', siteKey: 'site-a', singleUse: true })
  t.same(await post({ secret: '0xabc', response: 'P1_good', remoteip: '999.1.1.1' }), { status: 200, body: { success: false, 'error-codes': ['invalid-remoteip'] } })
  t.match(await post({ secret: '0xabc', response: 'P1_good', sitekey: 'site-b' }), { body: { 'error-codes': ['sitekey-secret-mismatch'] } })
  t.same(await post({ secret: '0xabc', response: 'P1_good', sitekey: 'site-a', remoteip: '203.0.113.9' }), {
    status: 200,
    body: { success: true, challenge_ts: '2026-11-27T12:00:00.000Z', hostname: 'localhost', credit: false }
  })
  t.match(await post({ secret: '0xabc', response: 'P1_good' }), { body: { 'error-codes': ['already-seen-response'] } })
})

t.test('JSON bodies are read; other content types and methods are refused', async (t) => {
  const { instance, path } = standIn(t)
  const json = await instance.app.inject({ method: 'POST', url: path, payload: { secret: STAND_IN_SECRET, response: STAND_IN_GOOD_TOKEN } })
  t.match(json.json(), { success: true })
  const weird = await instance.app.inject({ method: 'POST', url: path, payload: { secret: 7, response: ['a'] } })
  t.match(weird.json(), { success: false, 'error-codes': ['missing-input-secret'] })
  const text = await instance.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'text/plain' }, payload: 'secret=x' })
  t.equal(text.statusCode, 400)
  t.match(text.json(), { 'error-codes': ['bad-request'] })
  const get = await instance.app.inject({ method: 'GET', url: path })
  t.equal(get.statusCode, 405)
  t.equal(get.headers.allow, 'POST')
  t.match(instance.calls.map((call) => call.secret), ['valid', 'absent', 'absent'])
})

t.test('canned answers: repeated, then back to normal; a delay wakes on close', async (t) => {
  const { instance, post } = standIn(t)
  const good = { secret: STAND_IN_SECRET, response: STAND_IN_GOOD_TOKEN }
  instance.failNext({ status: 502, body: 'Bad Gateway', times: 2 })
  for (let i = 0; i < 2; i++) {
    const response = await instance.app.inject({ method: 'POST', url: '/turnstile/v0/siteverify', headers: FORM, payload: new URLSearchParams(good).toString() })
    t.equal(response.statusCode, 502)
    t.equal(response.body, 'Bad Gateway')
    t.match(response.headers['content-type'], /text\/html/)
  }
  t.match(await post(good), { status: 200, body: { success: true } })
  t.same(instance.calls.map((call) => call.status), [502, 502, 200])

  instance.failNext({ delayMs: 60_000 })
  const slow = instance.app.inject({ method: 'POST', url: '/turnstile/v0/siteverify', headers: FORM, payload: new URLSearchParams(good).toString() })
  while (instance.calls.length < 4) await new Promise((resolve) => setTimeout(resolve, 5))
  const started = performance.now()
  await instance.close()
  t.match((await slow).json(), { success: true })
  t.ok(performance.now() - started < 1_000, 'close did not wait for the delay')
})
