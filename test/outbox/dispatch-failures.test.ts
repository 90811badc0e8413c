// The dispatcher when something other than the upstream's answer goes wrong: the store fails, a claim's owner died,
// the rate bucket cannot be written, the upstream refuses connections. Nothing is lost, nothing is sent twice
// uncounted, and nothing hammers.
import t, { type Test } from 'tap'
import { buildTestApp, formPost, TEST_TOKEN } from '../helper.ts'
import { openStore } from '../../src/store/open.ts'
import type { Store } from '../../src/store/types.ts'
import { tokenKeyOf } from '../../src/outbox/token-key.ts'
import { createProtextingClient } from '../../src/upstream/client.ts'
import { SANDBOX_TOKEN } from '../../src/sandbox/stand-in.ts'

const signup = (phone = '(646) 555-0123', slug = 'summer') => formPost(`/c/${slug}`, { phone, consent: 'yes' })
const TOKEN_KEY = tokenKeyOf(TEST_TOKEN)
const LEASE_MS = 30_000
const NO_CONTEXT = { disclosureVersion: 'v1', consentGiven: true, clientIp: undefined, userAgent: undefined, pageUrl: undefined, referrer: undefined, source: undefined }

/** A fresh in-memory store whose method `name` throws for its next `times` calls. */
async function failingStore (name: 'nextDue' | 'withBucket', times: number, after = 0): Promise<Store> {
  const real = await openStore({ url: ':memory:' })
  const store: Store = Object.create(real)
  const original = real[name].bind(real) as (...args: unknown[]) => Promise<unknown>
  let calls = 0
  Object.assign(store, {
    [name]: async (...args: unknown[]) => {
      calls++
      if (calls > after && calls <= after + times) throw new Error('Connection terminated unexpectedly')
      return await original(...args)
    }
  })
  return store
}

const tick = () => new Promise(resolve => setImmediate(resolve))

async function until (t: Test, condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  t.fail(`timed out waiting for ${what}`)
}

t.test('a store error holds dispatching up, shows on /readyz, and it resumes by itself: nothing stays behind', async t => {
  const store = await failingStore('nextDue', 2, 1)
  const { app, standIn, clock, logs } = await buildTestApp(t, { store })
  t.equal((await app.inject(signup())).statusCode, 303, 'accepting does not depend on the dispatcher')
  await until(t, () => app.dispatcher.status().storeError !== undefined, 'the store error')

  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  t.match(ready.json().problems, [/the store failed \(Connection terminated unexpectedly\)/])
  t.match(logs(), /"failures":1.*dispatcher: the store failed; trying again/)
  t.equal(standIn.calls.length, 0)

  // Two failures in a row, each waited out (500 ms, then up to 1 s): then the store answers again.
  for (let i = 0; i < 2; i++) {
    clock.advance(1000)
    await tick()
  }
  await until(t, () => standIn.calls.length === 1, 'the delivery')
  await app.dispatcher.settled()
  t.match(await store.counts('summer'), { delivered: 1, pending: 0 })
  t.equal(app.dispatcher.status().storeError, undefined)
  t.equal((await app.inject('/readyz')).statusCode, 200)
  t.match(logs(), /the store answers again: dispatching resumed/)
})

t.test('a claim whose owner died is sent again without SendCTAMessage, logged and counted as a possible double CTA', async t => {
  const { app, store, standIn, clock, logs } = await buildTestApp(t, { dispatch: false })
  await app.inject(signup('(646) 555-0123', 'always'))
  // Another instance claimed it and died mid-call: its lease runs for LEASE_MS.
  const at = clock.now()
  const [held] = await store.claim(TOKEN_KEY, 1, at, LEASE_MS, 'instance-that-died')
  t.match(held, { id: 1, reclaimed: false, request: { SendCTAMessage: 1 } }, 'the first claim sends the CTA')

  const [early] = await store.claim(TOKEN_KEY, 1, at + LEASE_MS - 1, LEASE_MS, 'survivor')
  t.equal(early, undefined, 'not before the lease runs out')
  const [reclaimed] = await store.claim(TOKEN_KEY, 1, at + LEASE_MS, LEASE_MS, 'survivor')
  t.match(reclaimed, { id: 1, reclaimed: true, attempts: 0 })
  // Back to the state the survivor's dispatcher finds: claimed by the dead one, lease run out.
  await store.release([1])
  await store.claim(TOKEN_KEY, 1, clock.now(), LEASE_MS, 'instance-that-died')
  clock.advance(LEASE_MS)

  app.dispatcher.start()
  await until(t, () => standIn.calls.length === 1, 'the reclaimed call')
  await app.dispatcher.settled()
  const body = standIn.calls[0]?.body as { SendCTAMessage?: number, PhoneNumber?: string }
  t.equal(body.PhoneNumber, '16465550123')
  t.equal(body.SendCTAMessage, undefined, 'no second CTA if the dead instance\'s call went through')
  t.match(await store.signupDetail(1), { status: 'delivered', attempts: 1 })
  t.match(app.dispatcher.status(), { possibleDoubleSends: 1, retries: 1, delivered: 1 })
  t.match(logs(), /"reason":"lease_expired".*"maybeProcessed":true.*opt-in retried after an earlier claim expired/)
})

t.test('claim tells a fresh signup from a reclaimed one, and a released one is fresh again', async t => {
  const store = await openStore({ url: ':memory:' })
  t.teardown(() => store.close())
  await store.migrate()
  const consent = NO_CONTEXT
  for (const phone of ['16465550101', '16465550102']) {
    await store.accept({ campaign: 'summer', phoneNumber: phone, e164: `+${phone}`, request: { PhoneNumber: phone, GroupIds: [1] }, tokenKey: TOKEN_KEY, consent, createdAt: 1000 }, 60_000)
  }
  t.same((await store.claim(TOKEN_KEY, 1, 1000, LEASE_MS, 'a')).map(c => [c.id, c.reclaimed]), [[1, false]])
  t.same((await store.claim(TOKEN_KEY, 5, 1000 + LEASE_MS, LEASE_MS, 'b')).map(c => [c.id, c.reclaimed]), [[1, true], [2, false]],
    'oldest first, each with what it was')
  await store.release([1, 2])
  t.same((await store.claim(TOKEN_KEY, 5, 1000 + LEASE_MS, LEASE_MS, 'c')).map(c => [c.id, c.reclaimed]), [[1, false], [2, false]])
})

t.test('a 201 is recorded even when the rate bucket cannot be written afterwards: never sent again', async t => {
  // withBucket: the first call takes the token, the second (after the answer) fails.
  const store = await failingStore('withBucket', 1, 1)
  const { app, standIn, clock, logs } = await buildTestApp(t, { store })
  await app.inject(signup())
  await until(t, () => standIn.calls.length === 1, 'the call')
  await app.dispatcher.settled()
  t.match(await store.signupDetail(1), { status: 'delivered', attempts: 1 })
  t.match(logs(), /could not update the rate bucket after a call/)
  clock.advance(10 * LEASE_MS)
  await tick()
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1, 'no second call once the lease would have run out')
})

t.test('an upstream that refuses connections is tried at the bucket\'s pace, not as fast as the loop turns', async t => {
  const { app, store, logs } = await buildTestApp(t, {
    dispatch: false,
    // Port 1 on 127.0.0.1: nothing listens, every call is refused before anything is sent.
    upstream: (_baseUrl, logger) => createProtextingClient({ baseUrl: 'http://127.0.0.1:1', accessToken: TEST_TOKEN, logger })
  })
  const backlog = 150
  for (let i = 0; i < backlog; i++) {
    const phone = `1646555${String(1000 + i)}`
    await store.accept({ campaign: 'bulk', phoneNumber: phone, e164: `+${phone}`, request: { PhoneNumber: phone, GroupIds: [1] }, tokenKey: TOKEN_KEY, consent: NO_CONTEXT, createdAt: Date.now() }, 60_000)
  }
  app.dispatcher.start()
  // The bucket starts full (60 calls a minute by default): those go at once; one token comes back for the first
  // refusal in a row. Without a limit on refunds the whole backlog would be tried in this time.
  await new Promise(resolve => setTimeout(resolve, 1500))
  const tried = (logs().match(/"reason":"connection"[^\n]*opt-in will be retried/g) ?? []).length
  t.ok(tried >= 60, `the bucket's tokens are used (${tried} tried)`)
  t.ok(tried <= 63, `then it waits for the bucket (${tried} of ${backlog} tried in 1.5 s)`)
  t.equal((await store.counts('bulk')).pending, backlog, 'every signup still pending, nothing lost')
})

t.test('a replaced access token: the queue accepted under the old one goes out with the new one; a sandbox demo never does', async t => {
  const store = await openStore({ url: ':memory:' })
  await store.migrate()
  const queued = async (phone: string, tokenKey: string) => await store.accept({
    campaign: 'summer', phoneNumber: phone, e164: `+${phone}`, request: { PhoneNumber: phone, GroupIds: [12, 15] }, tokenKey, consent: NO_CONTEXT, createdAt: Date.now()
  }, 60_000)
  // Accepted while the old token was paused with a 401, then the operator put in a new one and restarted.
  await queued('16465550101', tokenKeyOf('revoked-token'))
  await queued('16465550102', tokenKeyOf('revoked-token'))
  // Accepted by a sandbox run on the same database before the account was set up.
  await queued('16465550199', tokenKeyOf(SANDBOX_TOKEN))

  const { app, standIn, logs } = await buildTestApp(t, { store })
  await until(t, () => standIn.calls.length === 2, 'the two queued signups')
  await app.dispatcher.settled()
  t.same(standIn.calls.map(call => (call.body as { PhoneNumber?: string }).PhoneNumber).sort(), ['16465550101', '16465550102'])
  t.match(logs(), /"signups":2.*unfinished signups accepted under another access token will be sent with this one/)
  t.match(await store.counts('summer'), { delivered: 2, pending: 1 }, 'the sandbox demo stays unsent')

  // And the other way round: a sandbox run on a database with real signups leaves them for the real token.
  const live = await openStore({ url: ':memory:' })
  await live.migrate()
  await live.accept({ campaign: 'summer', phoneNumber: '16465550123', e164: '+16465550123', request: { PhoneNumber: '16465550123', GroupIds: [12, 15] }, tokenKey: tokenKeyOf('live-token'), consent: NO_CONTEXT, createdAt: Date.now() }, 60_000)
  const sandboxRun = await buildTestApp(t, { store: live, sandbox: true })
  await sandboxRun.app.dispatcher.settled()
  t.equal(sandboxRun.standIn.calls.length, 0, 'a sandbox run sends nobody else\'s signups to its stand-in')
  t.notMatch(sandboxRun.logs(), /another access token/)
  t.equal((await live.claim(tokenKeyOf('live-token'), 1, Date.now(), LEASE_MS, 'w')).length, 1, 'still the live token\'s')
})
