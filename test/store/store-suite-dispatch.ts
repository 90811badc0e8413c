// The dispatch half of the store suite: claims, leases, attempts, release, nextDue, and the shared rate bucket.
import type { Test } from 'tap'
import type { BucketState } from '../../src/store/types.ts'
import { acceptMany, attemptOf, DAY, type FreshDatabase, MINUTE, T0, TOKEN } from './suite-helpers.ts'

const LEASE = 30_000

export function runDispatchSuite (t: Test, freshDatabase: FreshDatabase): void {
  t.test('claim: oldest first, up to the limit, this token only, then marked sending', async t => {
    const store = await (await freshDatabase(t))()
    const ids = await acceptMany(store, 5)
    await acceptMany(store, 2, { tokenKey: 'other-token' })
    const first = await store.claim(TOKEN, 2, T0, LEASE, 'w1')
    t.same(first.map(c => c.id), ids.slice(0, 2))
    const signup = first[0]
    t.match(signup, { campaign: 'summer', tokenKey: TOKEN, attempts: 0, createdAt: T0, request: { GroupIds: [12, 15], SendCTAMessage: 1 } })
    t.equal(signup?.request.PhoneNumber, signup?.phoneNumber)
    t.same((await store.claim(TOKEN, 10, T0, LEASE, 'w1')).map(c => c.id), ids.slice(2), 'the rest, not the claimed ones')
    t.same(await store.claim(TOKEN, 10, T0, LEASE, 'w1'), [], 'nothing left')
    t.match(await store.counts(), { sending: 5, pending: 2 })
  })

  t.test('claim: a signup is not due before its createdAt / nextAttemptAt', async t => {
    const store = await (await freshDatabase(t))()
    const [id] = await acceptMany(store, 1, { createdAt: T0 + MINUTE })
    t.same(await store.claim(TOKEN, 10, T0, LEASE, 'w1'), [])
    const [claimed] = await store.claim(TOKEN, 10, T0 + MINUTE, LEASE, 'w1')
    t.equal(claimed?.id, id)
    await store.finishAttempt(attemptOf(id ?? 0, { outcome: 'unavailable', httpStatus: 503, detail: 'down' }),
      { status: 'pending', nextAttemptAt: T0 + 5 * MINUTE, error: 'HTTP 503' })
    t.same(await store.claim(TOKEN, 10, T0 + 5 * MINUTE - 1, LEASE, 'w1'), [], 'backing off')
    t.match(await store.claim(TOKEN, 10, T0 + 5 * MINUTE, LEASE, 'w1'), [{ id, attempts: 1 }], 'retried with its attempt count')
  })

  t.test('concurrent claimers never get the same signup', async t => {
    const open = await freshDatabase(t)
    const [a, b] = await Promise.all([open(), open()])
    const ids = await acceptMany(a, 200)
    const seen: number[] = []
    const drain = async (store: typeof a, owner: string) => {
      for (;;) {
        const claimed = await store.claim(TOKEN, 7, T0, LEASE, owner)
        if (claimed.length === 0) return
        seen.push(...claimed.map(c => c.id))
      }
    }
    await Promise.all([drain(a, 'a1'), drain(a, 'a2'), drain(b, 'b1'), drain(b, 'b2')])
    t.equal(seen.length, 200, 'every signup claimed once')
    t.same([...new Set(seen)].sort((x, y) => x - y), ids)
  })

  t.test('claim says whether an earlier attempt may have reached the upstream', async t => {
    const store = await (await freshDatabase(t))()
    const [refused, unknown] = await acceptMany(store, 2)
    t.same((await store.claim(TOKEN, 2, T0, LEASE, 'w1')).map(c => c.maybeSentBefore), [false, false], 'fresh')
    await store.finishAttempt(attemptOf(refused as number, { outcome: 'rate_limited', httpStatus: 429, maybeProcessed: false }),
      { status: 'pending', nextAttemptAt: T0, error: '429' })
    await store.finishAttempt(attemptOf(unknown as number, { outcome: 'unavailable', httpStatus: 504, maybeProcessed: true }),
      { status: 'pending', nextAttemptAt: T0, error: 'timeout' })
    t.same((await store.claim(TOKEN, 2, T0, LEASE, 'w1')).map(c => [c.id, c.attempts, c.maybeSentBefore]), [[refused, 1, false], [unknown, 1, true]])
  })

  t.test('an expired lease is reclaimed (its dispatcher died), with attempts unchanged, and says so', async t => {
    const store = await (await freshDatabase(t))()
    const [id, other] = await acceptMany(store, 2)
    t.match(await store.claim(TOKEN, 1, T0, LEASE, 'dead'), [{ id, reclaimed: false }])
    t.same(await store.claim(TOKEN, 1, T0 + LEASE - 1, LEASE, 'alive').then(c => c.map(s => s.id)), [other], 'lease still held')
    await store.release([other as number])
    t.equal(await store.nextDue(TOKEN), T0, 'the released one is due')
    t.match(await store.claim(TOKEN, 2, T0 + LEASE, LEASE, 'alive'), [{ id, attempts: 0, reclaimed: true }, { id: other, reclaimed: false }],
      'the dead claim is taken over and flagged (its call may have gone out); the released one is fresh')
  })

  t.test('finishAttempt: delivered, rejected, retry; each attempt logged and counted', async t => {
    const store = await (await freshDatabase(t))()
    const [delivered, rejected, retried] = (await acceptMany(store, 3)) as [number, number, number]
    await store.claim(TOKEN, 3, T0, LEASE, 'w1')
    const ok = attemptOf(delivered, { detail: '{"Id":77,"Number":"16465550100"}' })
    await store.finishAttempt(ok, { status: 'delivered', contactId: 77 })
    t.match(await store.signupDetail(delivered), { status: 'delivered', attempts: 1, contactId: 77, deliveredAt: ok.finishedAt, lastError: undefined, attemptLog: [ok] })

    const refused = attemptOf(rejected, { outcome: 'rejected', httpStatus: 422, detail: '[{"field":"PhoneNumber","message":"bad"}]' })
    await store.finishAttempt(refused, { status: 'rejected', error: 'PhoneNumber: bad' })
    t.match(await store.signupDetail(rejected), { status: 'rejected', attempts: 1, lastError: 'PhoneNumber: bad', deliveredAt: undefined, attemptLog: [refused] })

    const timeout = attemptOf(retried, { outcome: 'unavailable', httpStatus: undefined, detail: 'timeout', maybeProcessed: true })
    await store.finishAttempt(timeout, { status: 'pending', nextAttemptAt: T0 + MINUTE + 0.5, error: 'timeout' })
    const second = attemptOf(retried, { startedAt: T0 + 2 * MINUTE, finishedAt: T0 + 2 * MINUTE + 90 })
    await store.finishAttempt(second, { status: 'delivered', contactId: undefined })
    t.same((await store.signupDetail(retried))?.attemptLog, [timeout, second], 'both attempts, in order')
    t.match(await store.signupDetail(retried), { status: 'delivered', attempts: 2, contactId: undefined })
    t.same(await store.counts(), { pending: 0, sending: 0, delivered: 2, rejected: 1, duplicate: 0, held: 0 })
  })

  t.test('a late answer for a finished signup is logged but does not reopen it', async t => {
    const store = await (await freshDatabase(t))()
    const [id] = (await acceptMany(store, 1)) as [number]
    await store.claim(TOKEN, 1, T0, LEASE, 'slow')
    await store.claim(TOKEN, 1, T0 + LEASE, LEASE, 'fast')
    await store.finishAttempt(attemptOf(id), { status: 'delivered', contactId: 5 })
    await store.finishAttempt(attemptOf(id, { outcome: 'unavailable', detail: 'late timeout' }),
      { status: 'pending', nextAttemptAt: T0 + DAY, error: 'late timeout' })
    t.match(await store.signupDetail(id), { status: 'delivered', attempts: 2, contactId: 5 })
    t.equal((await store.signupDetail(id))?.attemptLog.length, 2)
  })

  t.test('release gives claimed signups back, attempts unchanged', async t => {
    const store = await (await freshDatabase(t))()
    const ids = await acceptMany(store, 3)
    await store.claim(TOKEN, 3, T0, LEASE, 'w1')
    await store.release([])
    await store.release(ids.slice(0, 2))
    t.match(await store.counts(), { pending: 2, sending: 1 })
    t.match(await store.claim(TOKEN, 10, T0, LEASE, 'w2'), [{ id: ids[0], attempts: 0 }, { id: ids[1], attempts: 0 }])
  })

  t.test('nextDue: earliest pending retry or lease expiry of this token', async t => {
    const store = await (await freshDatabase(t))()
    t.equal(await store.nextDue(TOKEN), undefined, 'nothing queued')
    const [a, b] = (await acceptMany(store, 2, { createdAt: T0 + 10 })) as [number, number]
    await acceptMany(store, 1, { tokenKey: 'other-token', createdAt: T0 })
    t.equal(await store.nextDue(TOKEN), T0 + 10)
    await store.claim(TOKEN, 2, T0 + 10, LEASE, 'w1')
    t.equal(await store.nextDue(TOKEN), T0 + 10 + LEASE)
    await store.finishAttempt(attemptOf(a), { status: 'pending', nextAttemptAt: T0 + 5000, error: '503' })
    t.equal(await store.nextDue(TOKEN), T0 + 5000)
    await store.finishAttempt(attemptOf(a), { status: 'delivered', contactId: 1 })
    await store.finishAttempt(attemptOf(b), { status: 'rejected', error: '422' })
    t.equal(await store.nextDue(TOKEN), undefined, 'all finished')
  })

  t.test('withBucket: first read sees nothing, then the stored state, exactly', async t => {
    const store = await (await freshDatabase(t))()
    const state: BucketState = { tokens: 12.375, updatedAt: T0 + 0.25, capacity: 60, windowMs: 60_000, blockedUntil: 0 }
    const seen = await store.withBucket(TOKEN, before => ({ state, result: before }))
    t.equal(seen, undefined)
    t.same(await store.withBucket(TOKEN, before => ({ state: before ?? state, result: before })), state)
    t.equal(await store.withBucket('other-token', before => ({ state, result: before })), undefined, 'one bucket per token')
  })

  t.test('withBucket: 50 concurrent increments from two instances end at exactly 50', async t => {
    const open = await freshDatabase(t)
    const [a, b] = await Promise.all([open(), open()])
    const increment = (before: BucketState | undefined) => {
      const tokens = (before?.tokens ?? 0) + 1
      return { state: { tokens, updatedAt: T0, capacity: 60, windowMs: 60_000, blockedUntil: 0 }, result: tokens }
    }
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).withBucket(TOKEN, increment)))
    t.same([...results].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1), 'each saw a distinct count')
    t.equal(await a.withBucket(TOKEN, before => ({ state: before ?? increment(undefined).state, result: before?.tokens })), 50)
  })

  t.test('adoptSignups: another token\'s unfinished signups move to this one, as they are; finished ones and excepted tokens stay', async t => {
    const store = await (await freshDatabase(t))()
    const [pending, claimed, delivered] = await acceptMany(store, 3, { tokenKey: 'old-token' })
    const [held] = await acceptMany(store, 1, { tokenKey: 'old-token', hold: 'honeypot' })
    const [demo] = await acceptMany(store, 1, { tokenKey: 'sandbox' })
    const [mine] = await acceptMany(store, 1)
    await store.claim('old-token', 1, T0, LEASE, 'w1') // the oldest: `pending`
    const [sending] = await store.claim('old-token', 1, T0, LEASE, 'w1')
    t.equal(sending?.id, claimed)
    await store.finishAttempt(attemptOf(pending as number), { status: 'pending', nextAttemptAt: T0 + LEASE, error: 'timeout' })
    const [third] = await store.claim('old-token', 1, T0, LEASE, 'w1')
    await store.finishAttempt(attemptOf(third?.id as number), { status: 'delivered', contactId: 9 })
    t.equal(third?.id, delivered)

    t.equal(await store.adoptSignups(TOKEN, ['sandbox']), 3, 'the pending, the claimed and the held one')
    t.equal(await store.adoptSignups(TOKEN, ['sandbox']), 0, 'once')
    t.equal(await store.nextDue('old-token'), undefined, 'nothing left under the old token')
    t.match(await store.signupDetail(pending as number), { status: 'pending', attempts: 1 }, 'as it was')
    t.same(await store.claim(TOKEN, 10, T0 + LEASE - 1, LEASE, 'w2').then(c => c.map(s => s.id)), [mine], 'the claimed one keeps its lease')
    t.same(await store.claim(TOKEN, 10, T0 + LEASE, LEASE, 'w2').then(c => c.map(s => [s.id, s.reclaimed])), [[pending, false], [claimed, true]], 'the pending one at its retry time, the claimed one once its lease runs out')
    t.equal(await store.releaseHeld(held as number, T0 + LEASE), true)
    t.same(await store.claim(TOKEN, 10, T0 + LEASE, LEASE, 'w2').then(c => c.map(s => s.id)), [held], 'the held one, once released')
    t.same(await store.claim('sandbox', 10, T0, LEASE, 'w3').then(c => c.map(s => s.id)), [demo], 'the excepted token keeps its own')
    t.match(await store.signupDetail(delivered as number), { status: 'delivered', contactId: 9 })
  })

  t.test('withBucket: an update that throws changes nothing', async t => {
    const store = await (await freshDatabase(t))()
    const state: BucketState = { tokens: 3, updatedAt: T0, capacity: 60, windowMs: 60_000, blockedUntil: 0 }
    await store.withBucket(TOKEN, () => ({ state, result: undefined }))
    await t.rejects(store.withBucket(TOKEN, () => { throw new Error('boom') }), /boom/)
    await t.rejects(store.withBucket(TOKEN, () => ({ state: { ...state, tokens: Number.NaN }, result: 1 })), /finite/)
    t.same(await store.withBucket(TOKEN, before => ({ state, result: before })), state)
  })
}
