// The one contract suite for both stores: accept, consent record, duplicates, group commit, migrations, counts.
// Claims, attempts and buckets are in store-suite-dispatch.ts, holds and velocity in store-suite-held.ts, the consent
// export and deletions in store-suite-consents.ts; all run from runStoreSuite.
import type { Test } from 'tap'
import { runConsentSuite } from './store-suite-consents.ts'
import { runDispatchSuite } from './store-suite-dispatch.ts'
import { runHeldSuite } from './store-suite-held.ts'
import { runStatsSuite } from './store-suite-stats.ts'
import { acceptMany, acceptOnConsecutiveTurns, CONSENT, DAY, type FreshDatabase, type LegacyDatabase, MINUTE, newSignup, nextNumber, T0 } from './suite-helpers.ts'

export type { FreshDatabase, LegacyDatabase, OpenStore } from './suite-helpers.ts'

export function runStoreSuite (t: Test, freshDatabase: FreshDatabase, legacyDatabase: LegacyDatabase): void {
  t.test('accept, then signupDetail returns the consent proof and the disclosure text', async t => {
    const store = await (await freshDatabase(t))()
    await store.saveDisclosure(CONSENT.disclosureVersion, 'By signing up you agree…', T0)
    await store.saveDisclosure(CONSENT.disclosureVersion, 'a different text', T0 + 1) // first text wins
    const signup = newSignup()
    const result = await store.accept(signup, DAY)
    t.same(result, { id: result.id, duplicate: false, held: undefined })
    t.same(await store.signupDetail(result.id), {
      id: result.id,
      campaign: 'summer',
      e164: signup.e164,
      status: 'pending',
      attempts: 0,
      contactId: undefined,
      lastError: undefined,
      createdAt: T0,
      deliveredAt: undefined,
      holdReason: undefined,
      releasedAt: undefined,
      consent: { ...CONSENT, disclosureText: 'By signing up you agree…' },
      attemptLog: []
    })
    t.equal(await store.signupDetail(result.id + 1000), undefined, 'an unknown id has no detail')
  })

  t.test('optional consent fields and an unsaved disclosure come back undefined', async t => {
    const store = await (await freshDatabase(t))()
    const consent = { disclosureVersion: 'v-unsaved', consentGiven: true, clientIp: undefined, userAgent: undefined, pageUrl: undefined, referrer: undefined, source: undefined }
    const { id } = await store.accept(newSignup({ consent }), DAY)
    t.same((await store.signupDetail(id))?.consent, { ...consent, disclosureText: undefined })
  })

  t.test('text no database column can hold (NUL, a lone surrogate) costs neither that signup nor its batch', async t => {
    const store = await (await freshDatabase(t))()
    // What a hostile JSON body can carry in pageUrl or referrer; a backslash before it must stay a backslash.
    const odd = { ...CONSENT, pageUrl: 'https://shop.example/\u0000a\\u0000b', referrer: 'https://x.example/\ud800?\\', userAgent: 'UA \udfff end' }
    const [first, strange, last] = await Promise.all([
      store.accept(newSignup(), DAY),
      store.accept(newSignup({ consent: odd }), DAY),
      store.accept(newSignup(), DAY)
    ])
    t.ok(first !== undefined && strange !== undefined && last !== undefined && new Set([first.id, strange.id, last.id]).size === 3, 'all three stored')
    const consent = (await store.signupDetail(strange?.id ?? 0))?.consent
    for (const field of ['pageUrl', 'referrer', 'userAgent'] as const) {
      const text = consent?.[field] ?? ''
      t.ok(text.isWellFormed(), `${field} reads back as well-formed text`)
    }
    t.equal(consent?.referrer, 'https://x.example/\ufffd?\\', 'a lone surrogate becomes U+FFFD; backslashes are kept')
    t.equal(consent?.userAgent, 'UA \ufffd end')
    t.match(consent?.pageUrl, /^https:\/\/shop\.example\/.a\\u0000b$/, 'a NUL may become U+FFFD; the literal text "\\u0000" is kept')
  })

  t.test('duplicates: same campaign and number inside the window, recorded but never claimable', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const first = await store.accept(newSignup({ phoneNumber }), DAY)
    const again = await store.accept(newSignup({ phoneNumber, createdAt: T0 + MINUTE }), DAY)
    const otherCampaign = await store.accept(newSignup({ phoneNumber, campaign: 'winter', createdAt: T0 + MINUTE }), DAY)
    t.same([first.duplicate, again.duplicate, otherCampaign.duplicate], [false, true, false])
    t.not(again.id, first.id, 'the duplicate is a row of its own')
    t.equal((await store.signupDetail(again.id))?.status, 'duplicate')
    // The window counts from the last non-duplicate signup, not from the duplicates.
    const later = await store.accept(newSignup({ phoneNumber, createdAt: T0 + DAY + 1 }), DAY)
    t.equal(later.duplicate, false, 'a day later the number is sent again')
    t.equal((await store.accept(newSignup({ phoneNumber, createdAt: T0 + DAY + 2 }), DAY)).duplicate, true)
    const noWindow = await store.accept(newSignup({ phoneNumber, createdAt: T0 + DAY + 3 }), 0)
    t.equal(noWindow.duplicate, false, 'window 0: never a duplicate')
    const claimed = await store.claim(newSignup().tokenKey, 10, T0 + 2 * DAY, MINUTE, 'w1')
    t.same(claimed.map(c => c.id), [first.id, otherCampaign.id, later.id, noWindow.id], 'duplicates are never sent')
    t.match(await store.counts('summer'), { duplicate: 2 })
  })

  t.test('duplicates inside one batch: the first is sent, the rest recorded as duplicates', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const before = store.acceptStats.batches
    const results = await Promise.all([
      store.accept(newSignup({ phoneNumber }), DAY),
      store.accept(newSignup(), DAY),
      store.accept(newSignup({ phoneNumber, createdAt: T0 + 1 }), DAY),
      store.accept(newSignup({ phoneNumber, createdAt: T0 + 2 }), DAY)
    ])
    t.equal(store.acceptStats.batches - before, 1, 'one transaction')
    t.same(results.map(r => r.duplicate), [false, false, true, true])
    t.equal(new Set(results.map(r => r.id)).size, 4)
  })

  t.test('two instances accepting the same number at the same moment send it once', async t => {
    const open = await freshDatabase(t)
    const [a, b] = await Promise.all([open(), open()])
    for (let round = 0; round < 20; round++) {
      const phoneNumber = nextNumber()
      const results = await Promise.all([a, b, a, b].map(store => store.accept(newSignup({ phoneNumber }), DAY)))
      t.equal(results.filter(r => !r.duplicate).length, 1, `round ${round}: exactly one non-duplicate`)
    }
  })

  t.test('two instances accepting the same numbers in opposite orders neither deadlock nor send twice', async t => {
    const open = await freshDatabase(t)
    const [a, b] = await Promise.all([open(), open()])
    for (let round = 0; round < 5; round++) {
      const numbers = Array.from({ length: 200 }, () => nextNumber())
      const started = Date.now()
      const [forward, backward] = await Promise.all([
        Promise.all(numbers.map(phoneNumber => a.accept(newSignup({ phoneNumber }), DAY))),
        Promise.all([...numbers].reverse().map(phoneNumber => b.accept(newSignup({ phoneNumber }), DAY)))
      ])
      backward.reverse()
      const sentTwice = numbers.filter((_, i) => forward[i]?.duplicate === false && backward[i]?.duplicate === false)
      const neverSent = numbers.filter((_, i) => forward[i]?.duplicate === true && backward[i]?.duplicate === true)
      t.same({ sentTwice, neverSent }, { sentTwice: [], neverSent: [] }, `round ${round}: each number sent once`)
      // A deadlock would be detected (deadlock_timeout, 1 s) and retried: correct, but it would show here.
      t.ok(Date.now() - started < 900, `round ${round}: no deadlock wait`)
    }
  })

  t.test('group commit: 500 concurrent accepts share a few transactions, each with its own id', async t => {
    const store = await (await freshDatabase(t))()
    const before = { ...store.acceptStats }
    const ids = await acceptMany(store, 500)
    const batches = store.acceptStats.batches - before.batches
    t.ok(batches <= 8, `500 accepts in ${batches} transactions`)
    t.equal(store.acceptStats.items - before.items, 500)
    t.ok(store.acceptStats.largestBatch <= 256, 'no batch exceeds maxBatch')
    t.equal(new Set(ids).size, 500, 'distinct ids')
    t.match(await store.counts(), { pending: 500, duplicate: 0, held: 0 })
  })

  t.test('group commit off (maxBatch 1): one transaction per accept', async t => {
    const store = await (await freshDatabase(t))({ maxBatch: 1 })
    const ids = await acceptMany(store, 20)
    t.equal(store.acceptStats.batches, 20)
    t.equal(new Set(ids).size, 20)
  })

  t.test('batchDelayMs: accepts from different event-loop turns join one batch', async t => {
    const store = await (await freshDatabase(t))({ batchDelayMs: 50 })
    await acceptOnConsecutiveTurns(store)
    t.equal(store.acceptStats.batches, 1)
    t.equal(store.acceptStats.largestBatch, 2)
  })

  t.test('a failed batch rejects every signup in it and stores none of them', async t => {
    const store = await (await freshDatabase(t))()
    const broken = newSignup({ consent: { ...CONSENT, disclosureVersion: null as unknown as string } })
    const results = await Promise.allSettled([store.accept(newSignup(), DAY), store.accept(broken, DAY), store.accept(newSignup(), DAY)])
    t.same(results.map(r => r.status), ['rejected', 'rejected', 'rejected'])
    t.equal(store.acceptStats.failedBatches, 1)
    t.match(await store.counts(), { pending: 0, duplicate: 0, held: 0 })
    t.equal((await store.accept(newSignup(), DAY)).duplicate, false, 'the next batch works')
  })

  t.test('close() commits what is queued, then refuses new signups', async t => {
    const open = await freshDatabase(t)
    const store = await open()
    const queued = store.accept(newSignup(), DAY)
    await store.close()
    t.equal((await queued).duplicate, false, 'the queued signup was committed')
    await t.rejects(store.accept(newSignup(), DAY), /after close/)
    await store.close() // twice is fine
    t.match(await (await open()).counts(), { pending: 1 })
  })

  t.test('counts per campaign and overall', async t => {
    const store = await (await freshDatabase(t))()
    await acceptMany(store, 3)
    await acceptMany(store, 2, { campaign: 'winter' })
    const phoneNumber = nextNumber()
    await store.accept(newSignup({ phoneNumber, campaign: 'winter' }), DAY)
    await store.accept(newSignup({ phoneNumber, campaign: 'winter' }), DAY)
    t.same(await store.counts('summer'), { pending: 3, sending: 0, delivered: 0, rejected: 0, duplicate: 0, held: 0 })
    t.same(await store.counts('winter'), { pending: 3, sending: 0, delivered: 0, rejected: 0, duplicate: 1, held: 0 })
    t.same(await store.counts(), { pending: 6, sending: 0, delivered: 0, rejected: 0, duplicate: 1, held: 0 })
    t.same(await store.counts('nobody'), { pending: 0, sending: 0, delivered: 0, rejected: 0, duplicate: 0, held: 0 })
  })

  t.test('migrate: instances starting together, and again later, change nothing', async t => {
    const open = await freshDatabase(t)
    const [a, b, c] = await Promise.all([open(), open(), open()])
    const { id } = await a.accept(newSignup(), DAY)
    await b.migrate()
    await c.migrate()
    t.equal((await c.signupDetail(id))?.status, 'pending', 'data kept')
    t.match(await (await open()).counts(), { pending: 1 })
  })

  t.test('bad times are refused, not stored', async t => {
    const store = await (await freshDatabase(t))()
    await t.rejects(store.accept(newSignup({ createdAt: Number.NaN }), DAY), /finite/)
    await t.rejects(store.claim('x', 1, Number.NaN, MINUTE, 'w'), /finite/)
  })

  runDispatchSuite(t, freshDatabase)
  runHeldSuite(t, freshDatabase, legacyDatabase)
  runConsentSuite(t, freshDatabase, legacyDatabase)
  runStatsSuite(t, freshDatabase, legacyDatabase)
}
