// A campaign with a CAPTCHA: the widget on the page, the token verified server-side, fail closed when the provider is down.
import t, { type Test } from 'tap'
import { buildTestApp, formPost, usCampaign } from '../helper.ts'
import { createCaptchaStandIn, STAND_IN_GOOD_TOKEN, STAND_IN_SECRET } from '../../src/abuse/captcha-stand-in.ts'
import { createCaptchaVerifier } from '../../src/abuse/captcha.ts'

const campaigns = { guarded: { ...usCampaign, protection: { captcha: { provider: 'turnstile', siteKey: '0x4AAAAAAAtestsitekey' } } } }

async function setup (t: Test) {
  const verifyStandIn = createCaptchaStandIn({ provider: 'turnstile' })
  const verifyUrl = await verifyStandIn.listen()
  t.teardown(() => verifyStandIn.close())
  const verifier = createCaptchaVerifier({ provider: 'turnstile', secret: STAND_IN_SECRET, verifyUrl, timeoutMs: 1000 })
  t.teardown(() => verifier.close())
  return { verifyStandIn, ...await buildTestApp(t, { campaigns, captcha: { turnstile: verifier }, dispatch: false }) }
}

t.test('the page shows the widget and its CSP lets the provider in, nothing else', async t => {
  const { app } = await setup(t)
  const res = await app.inject('/c/guarded')
  t.match(res.body, /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAtestsitekey"><\/div>/)
  t.match(res.body, /<script src="https:\/\/challenges.cloudflare.com\/turnstile\/v0\/api.js" async defer><\/script>/)
  t.match(res.headers['content-security-policy'], /script-src 'self' https:\/\/challenges.cloudflare.com;/)
  t.match(res.headers['content-security-policy'], /frame-src https:\/\/challenges.cloudflare.com;/)
})

t.test('a solved CAPTCHA signs up; none or a wrong one is asked to try again; nothing is stored', async t => {
  const { app, store } = await setup(t)
  const post = (token: string | undefined) => app.inject(formPost('/c/guarded', {
    phone: '(646) 555-0123', consent: 'yes', ...(token === undefined ? {} : { 'cf-turnstile-response': token })
  }))
  for (const token of [undefined, 'forged']) {
    const res = await post(token)
    t.equal(res.statusCode, 422)
    t.match(res.body, /Please complete the verification/)
  }
  t.match(await store.counts(), { pending: 0 })
  t.equal((await post(STAND_IN_GOOD_TOKEN)).statusCode, 303)
  t.match(await store.counts(), { pending: 1 })
})

t.test('the CAPTCHA service down: refused with a retry, not let through (fail closed)', async t => {
  const { app, store, verifyStandIn, logs } = await setup(t)
  verifyStandIn.failNext({ status: 500 })
  const res = await app.inject(formPost('/c/guarded', { phone: '(646) 555-0123', consent: 'yes', 'cf-turnstile-response': STAND_IN_GOOD_TOKEN }))
  t.equal(res.statusCode, 503)
  t.match(res.body, /try again in a few minutes/)
  t.match(await store.counts(), { pending: 0 })
  t.notOk(logs().includes(STAND_IN_SECRET), 'the CAPTCHA secret is not logged')
})
