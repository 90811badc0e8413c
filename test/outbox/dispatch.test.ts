// The outbox through the whole app: accepted first, sent after, every upstream outcome handled, nothing lost.
import t from 'tap'
import { stringify } from 'yaml'
import { buildTestApp, formPost, TEST_TOKEN, testCampaigns } from '../helper.ts'
import { parseCampaigns } from '../../src/campaigns/load.ts'
import type { FailSpec } from '../../src/sandbox/stand-in.ts'
import { retryDelay } from '../../src/outbox/backoff.ts'

const signup = (phone = '(646) 555-0123', slug = 'summer') => ({
  ...formPost(`/c/${slug}`, { phone, consent: 'yes', source: 'poster-lobby', referrer: 'https://news.example/story' }),
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Mozilla/5.0 (iPhone) test',
    referer: 'http://localhost/c/summer?src=poster-lobby'
  }
})

t.test('a signup is durable and answered before anything is sent, with its consent proof', async t => {
  const { app, store, standIn } = await buildTestApp(t, { dispatch: false })
  const res = await app.inject(signup())
  t.equal(res.statusCode, 303)
  t.equal(standIn.calls.length, 0, 'the answer did not wait for ProTexting')
  t.match(await store.counts('summer'), { pending: 1, delivered: 0 })
  const detail = await store.signupDetail(1)
  t.match(detail, {
    campaign: 'summer',
    e164: '+16465550123',
    status: 'pending',
    consent: {
      consentGiven: true,
      clientIp: '127.0.0.1',
      userAgent: 'Mozilla/5.0 (iPhone) test',
      pageUrl: 'http://localhost/c/summer?src=poster-lobby',
      referrer: 'https://news.example/story',
      source: 'poster-lobby',
      disclosureText: /Reply HELP for help, STOP to cancel/
    }
  })
  t.match(detail?.consent.disclosureVersion, /^[0-9a-f]{16}$/)
  t.match(detail?.createdAt, Number)
})

t.test('201: delivered, with the contact id and the answer kept', async t => {
  const { app, store, standIn } = await buildTestApp(t)
  await app.inject(signup())
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1)
  const detail = await store.signupDetail(1)
  t.match(detail, { status: 'delivered', attempts: 1, contactId: Number })
  t.equal(detail?.attemptLog.length, 1)
  t.match(detail?.attemptLog[0], { outcome: 'created', httpStatus: 201, maybeProcessed: false })
  t.match(detail?.attemptLog[0]?.detail, /"contactId":\d+/)
})

t.test('the same number again within the window: answered the same, recorded, not sent', async t => {
  const { app, store, standIn } = await buildTestApp(t)
  const first = await app.inject(signup())
  const again = await app.inject(signup('646-555-0123'))
  t.equal(again.statusCode, first.statusCode)
  t.equal(again.headers.location, first.headers.location)
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1)
  t.match(await store.counts('summer'), { delivered: 1, duplicate: 1 })
})

t.test('422: rejected with the upstream field messages, never retried', async t => {
  const { app, store, standIn, clock } = await buildTestApp(t)
  standIn.failNext({ status: 422, body: [{ field: 'PhoneNumber', message: 'Phone Number is invalid.' }] })
  await app.inject(signup())
  await app.dispatcher.settled()
  clock.advance(24 * 3_600_000)
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1)
  t.match(await store.signupDetail(1), { status: 'rejected', lastError: 'PhoneNumber: Phone Number is invalid.' })
})

t.test('401: paused for the token, alerted, nothing lost, resumes when the upstream accepts again', async t => {
  const { app, store, standIn, clock, logs } = await buildTestApp(t)
  standIn.failNext({ status: 401, body: { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 } })
  await app.inject(signup('(646) 555-0101'))
  await app.dispatcher.settled()
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { status: 'not ready', problems: [/ProTexting answered 401.*sending is paused/] })
  t.match(logs(), /"level":50.*sending is paused/)

  // Signups keep being accepted while paused, and wait.
  t.equal((await app.inject(signup('(646) 555-0102'))).statusCode, 303)
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1, 'no call while paused')
  t.match(await store.counts(), { pending: 2 })

  clock.advance(5 * 60_000) // the pause probe
  await new Promise(resolve => setImmediate(resolve))
  await app.dispatcher.settled()
  t.match(await store.counts(), { pending: 0, delivered: 2 })
  t.equal((await app.inject('/readyz')).statusCode, 200)
  t.notOk(logs().includes(TEST_TOKEN))
})

t.test('401, then a probe answered 422: the token works again, so sending resumes at once', async t => {
  const { app, store, standIn, clock, logs } = await buildTestApp(t)
  standIn.failNext({ status: 401, body: { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 } })
  await app.inject(signup('(646) 555-0101'))
  await app.dispatcher.settled()
  t.equal((await app.inject('/readyz')).statusCode, 503)
  await app.inject(signup('(646) 555-0102'))
  // The probe's own signup is refused on its fields: a 422 comes after the token check, so the token is fine.
  standIn.failNext({ status: 422, body: [{ field: 'PhoneNumber', message: 'Phone Number is invalid.' }] })
  clock.advance(5 * 60_000)
  await new Promise(resolve => setImmediate(resolve))
  await app.dispatcher.settled()
  t.equal(app.dispatcher.status().paused, undefined, 'no longer paused')
  t.equal((await app.inject('/readyz')).statusCode, 200)
  t.match(await store.counts(), { pending: 0, rejected: 1, delivered: 1 }, 'the other signup went out without another 5-minute wait')
  t.equal(standIn.calls.length, 3)
  t.match(logs(), /sending resumed/)
})

t.test('429: waits for the bucket to refill, then delivers; no hammering', async t => {
  const { app, store, standIn } = await buildTestApp(t)
  standIn.failNext({ status: 429, resetSeconds: 60 })
  await app.inject(signup())
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 2)
  t.match(await store.signupDetail(1), { status: 'delivered', attempts: 2 })
  const [rejected, retried] = standIn.calls
  // Limit 60 per 60 s: one token takes a second to refill after Yii restarts its clock.
  t.ok((retried?.time ?? 0) - (rejected?.time ?? 0) >= 950, 'waited for a token before calling again')
})

t.test('429 on an "always" campaign: the retry keeps SendCTAMessage, since the refused call sent nothing', async t => {
  const { app, store, standIn } = await buildTestApp(t)
  standIn.failNext({ status: 429, resetSeconds: 60 })
  await app.inject(signup('(646) 555-0123', 'always'))
  await app.dispatcher.settled()
  t.match(await store.signupDetail(1), { status: 'delivered', attempts: 2 })
  const bodies = standIn.calls.map(call => call.body as { SendCTAMessage?: number })
  t.same(bodies.map(body => body.SendCTAMessage), [1, 1], 'an opted-in contact still gets the CTA the campaign asks for')
  t.equal(app.dispatcher.status().possibleDoubleSends, 0)
})

const retryable: Array<[string, FailSpec, string, boolean]> = [
  ['500', { status: 500, body: { name: 'Internal Server Error', message: 'oops', code: 0, status: 500 } }, 'server_error', true],
  ['502 HTML page', { status: 502, body: '<html><h1>502 Bad Gateway</h1></html>', contentType: 'text/html' }, 'server_error', true],
  ['connection reset', { destroy: true }, 'connection', true],
  ['timeout', { delayMs: 2500 }, 'timeout', true]
]

for (const [name, spec, reason, maybe] of retryable) {
  t.test(`${name}: retried with backoff, logged with its reason, delivered later`, async t => {
    const { app, store, standIn, clock, logs } = await buildTestApp(t)
    standIn.failNext(spec)
    const before = clock.now()
    await app.inject(signup('(646) 555-0123', 'always'))
    await app.dispatcher.settled()
    const detail = await store.signupDetail(1)
    t.match(detail, { status: 'pending', attempts: 1 })
    t.match(detail?.attemptLog[0], { outcome: 'unavailable', maybeProcessed: maybe })
    t.match(logs(), new RegExp(`"reason":"${reason}".*opt-in will be retried`))
    t.equal(app.dispatcher.status().possibleDoubleSends, maybe ? 1 : 0)

    const wait = retryDelay(1, () => 0.5)
    t.ok(wait >= 1000, `backs off (${wait} ms)`)
    clock.advance(wait + 1)
    await new Promise(resolve => setImmediate(resolve))
    await app.dispatcher.settled()
    t.match(await store.signupDetail(1), { status: 'delivered', attempts: 2 })
    const bodies = standIn.calls.map(call => call.body as { SendCTAMessage?: number })
    t.equal(bodies.at(-1)?.SendCTAMessage, undefined, 'the retry leaves SendCTAMessage out: no second CTA')
    t.ok(clock.now() - before >= wait)
  })
}

t.test('trustProxy: the client address comes from X-Forwarded-For only when configured', async t => {
  const forwarded = { ...signup(), headers: { ...signup().headers, 'x-forwarded-for': '203.0.113.9' } }
  const direct = await buildTestApp(t, { dispatch: false })
  await direct.app.inject(forwarded)
  t.equal((await direct.store.signupDetail(1))?.consent.clientIp, '127.0.0.1', 'not spoofable without a proxy')
  const proxied = await buildTestApp(t, { dispatch: false, trustProxy: true })
  await proxied.app.inject(forwarded)
  t.equal((await proxied.store.signupDetail(1))?.consent.clientIp, '203.0.113.9')
})

t.test('logs: one line per request and per upstream call, the number masked, the token nowhere', async t => {
  const { app, logs } = await buildTestApp(t)
  await app.inject(signup())
  await app.dispatcher.settled()
  const lines = logs().trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>)
  const calls = lines.filter(line => line.call === 'contacts-opt-in/create')
  t.equal(calls.length, 1)
  t.match(calls[0], { campaign: 'summer', status: 201, outcome: 'created', phone: '*******0123', latencyMs: Number })
  const requests = lines.filter(line => line.msg === 'request')
  t.match(requests, [{ method: 'POST', url: '/c/summer', status: 303, campaign: 'summer', ms: Number }])
  t.notOk(logs().includes('6465550123'), 'the whole number is never logged')
  t.notOk(logs().includes(TEST_TOKEN))
})

t.test('a campaigns reload lifts a pause at once (the operator says it is fixed)', async t => {
  const { app, store, standIn } = await buildTestApp(t)
  standIn.failNext({ status: 403, body: { name: 'Forbidden', message: 'Account suspended', code: 0, status: 403 } })
  await app.inject(signup())
  await app.dispatcher.settled()
  t.equal((await app.inject('/readyz')).statusCode, 503)
  await app.reloadCampaigns(parseCampaigns(stringify({ campaigns: testCampaigns })).campaigns)
  await new Promise(resolve => setImmediate(resolve))
  await app.dispatcher.settled()
  t.match(await store.counts(), { delivered: 1, pending: 0 })
  t.equal((await app.inject('/readyz')).statusCode, 200)
})
