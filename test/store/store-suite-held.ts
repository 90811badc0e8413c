// The held-signups half of the store suite: holds decided by the caller, listHeld, releaseHeld, and bad input.
// Per-prefix velocity and the migration that brought holds are in store-suite-velocity.ts (run from here).
import type { Test } from 'tap'
import type { ConsentProof } from '../../src/store/types.ts'
import { runVelocitySuite } from './store-suite-velocity.ts'
import { attemptOf, CONSENT, DAY, type FreshDatabase, type LegacyDatabase, MINUTE, newSignup, nextNumber, T0, TOKEN } from './suite-helpers.ts'

const LEASE = 30_000

export function runHeldSuite (t: Test, freshDatabase: FreshDatabase, legacyDatabase: LegacyDatabase): void {
  t.test('held by the caller: kept with its reason, never claimed, and never blocking the number\'s owner', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const bot = await store.accept(newSignup({ phoneNumber, hold: 'honeypot' }), DAY)
    t.same(bot, { id: bot.id, duplicate: false, held: 'honeypot' })
    t.match(await store.signupDetail(bot.id), { status: 'held', holdReason: 'honeypot', releasedAt: undefined, consent: CONSENT })
    t.same(await store.claim(TOKEN, 10, T0 + DAY, LEASE, 'w1'), [], 'never claimed')
    t.equal(await store.nextDue(TOKEN), undefined, 'nothing for the dispatcher to wake up for')

    const owner = await store.accept(newSignup({ phoneNumber, createdAt: T0 + MINUTE }), DAY)
    t.same(owner, { id: owner.id, duplicate: false, held: undefined }, 'the owner is not a duplicate of the bot')
    t.equal((await store.accept(newSignup({ phoneNumber, createdAt: T0 + 2 * MINUTE }), DAY)).duplicate, true,
      'the owner\'s signup does block the next one')
    // The caller's hold is decided before the duplicate check: a replay is held with its reason, not a duplicate.
    const replay = await store.accept(newSignup({ phoneNumber, createdAt: T0 + 3 * MINUTE, hold: 'too_fast' }), DAY)
    t.same(replay, { id: replay.id, duplicate: false, held: 'too_fast' })
    t.same((await store.claim(TOKEN, 10, T0 + DAY, LEASE, 'w1')).map(c => c.id), [owner.id], 'only the owner is sent')
    t.same(await store.counts('summer'), { pending: 0, sending: 1, delivered: 0, rejected: 0, duplicate: 1, held: 2 })
    t.same(await store.counts(), await store.counts('summer'))
  })

  t.test('held by the caller inside one batch: the owner in the same batch is still sent', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const before = store.acceptStats.batches
    const results = await Promise.all([
      store.accept(newSignup({ phoneNumber, hold: 'captcha_failed' }), DAY),
      store.accept(newSignup({ phoneNumber, createdAt: T0 + 1 }), DAY),
      store.accept(newSignup({ phoneNumber, createdAt: T0 + 2 }), DAY),
      store.accept(newSignup({ phoneNumber, createdAt: T0 + 3, hold: 'honeypot' }), DAY)
    ])
    t.equal(store.acceptStats.batches - before, 1, 'one transaction')
    t.same(results.map(r => [r.duplicate, r.held]), [[false, 'captcha_failed'], [false, undefined], [true, undefined], [false, 'honeypot']])
    t.same((await store.claim(TOKEN, 10, T0 + DAY, LEASE, 'w1')).map(c => c.id), [results[1]?.id])
  })

  t.test('listHeld: newest first, paged by id, per campaign or overall; released ones leave the list', async t => {
    const store = await (await freshDatabase(t))()
    const anonymous: ConsentProof = { ...CONSENT, clientIp: undefined, source: undefined }
    const summer: number[] = []
    for (let i = 0; i < 5; i++) summer.push((await store.accept(newSignup({ hold: 'honeypot', createdAt: T0 + i }), DAY)).id)
    const winterSignup = newSignup({ campaign: 'winter', hold: 'too_fast', consent: anonymous, createdAt: T0 + 10 })
    const winter = [(await store.accept(winterSignup, DAY)).id, (await store.accept(newSignup({ campaign: 'winter', hold: 'too_fast' }), DAY)).id]
    await store.accept(newSignup(), DAY) // pending: never listed
    t.same(await store.counts(), { pending: 1, sending: 0, delivered: 0, rejected: 0, duplicate: 0, held: 7 })

    const first = await store.listHeld({ limit: 3 })
    t.same(first.map(h => h.id), [winter[1], winter[0], summer[4]])
    t.same(first[1], { id: winter[0], campaign: 'winter', e164: winterSignup.e164, reason: 'too_fast', createdAt: T0 + 10, clientIp: undefined, source: undefined })
    t.match(first[2], { campaign: 'summer', reason: 'honeypot', createdAt: T0 + 4, clientIp: CONSENT.clientIp, source: CONSENT.source })
    const second = await store.listHeld({ limit: 3, before: first.at(-1)?.id })
    t.same(second.map(h => h.id), [summer[3], summer[2], summer[1]])
    t.same((await store.listHeld({ limit: 3, before: second.at(-1)?.id })).map(h => h.id), [summer[0]])
    t.same(await store.listHeld({ limit: 3, before: summer[0] }), [], 'nothing before the oldest')

    t.same((await store.listHeld({ campaign: 'summer', limit: 10 })).map(h => h.id), [...summer].reverse())
    t.same((await store.listHeld({ campaign: 'summer', limit: 2, before: summer[3] })).map(h => h.id), [summer[2], summer[1]])
    t.same((await store.listHeld({ campaign: 'winter', limit: 10 })).map(h => h.id), [winter[1], winter[0]])
    t.same(await store.listHeld({ campaign: 'nobody', limit: 10 }), [])
    t.same(await store.listHeld({ limit: 0 }), [])

    t.equal(await store.releaseHeld(summer[4] ?? 0, T0 + MINUTE), true)
    t.same((await store.listHeld({ campaign: 'summer', limit: 10 })).map(h => h.id), [summer[3], summer[2], summer[1], summer[0]])
    await t.rejects(store.listHeld({ limit: -1 }), /limit/)
    await t.rejects(store.listHeld({ limit: 10, before: Number.NaN }), /before/)
  })

  t.test('releaseHeld: pending and due at once, claimed once, reason kept; false for anything not held', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const held = await store.accept(newSignup({ phoneNumber, hold: 'captcha_failed' }), DAY)
    const other = await store.accept(newSignup(), DAY)
    t.same((await store.claim(TOKEN, 10, T0, LEASE, 'w1')).map(c => c.id), [other.id])
    await store.finishAttempt(attemptOf(other.id), { status: 'delivered', contactId: 1 })
    t.equal(await store.releaseHeld(other.id, T0 + 5 * MINUTE), false, 'a signup that is not held')
    t.equal(await store.releaseHeld(held.id + 1000, T0 + 5 * MINUTE), false, 'an unknown id')

    t.equal(await store.releaseHeld(held.id, T0 + 5 * MINUTE), true)
    t.match(await store.signupDetail(held.id), { status: 'pending', holdReason: 'captcha_failed', releasedAt: T0 + 5 * MINUTE, attempts: 0 })
    t.equal(await store.nextDue(TOKEN), T0 + 5 * MINUTE, 'the dispatcher wakes up for it')
    t.same(await store.claim(TOKEN, 10, T0 + 5 * MINUTE - 1, LEASE, 'w1'), [], 'due from the release, not before')
    t.match(await store.claim(TOKEN, 10, T0 + 5 * MINUTE, LEASE, 'w1'), [{ id: held.id, attempts: 0, createdAt: T0 }])
    t.same(await store.claim(TOKEN, 10, T0 + 5 * MINUTE, LEASE, 'w1'), [], 'claimed once')
    t.equal(await store.releaseHeld(held.id, T0 + 6 * MINUTE), false, 'a second release does nothing')
    t.equal((await store.signupDetail(held.id))?.releasedAt, T0 + 5 * MINUTE)

    // Released, it is a signup like any other: the number's next signup within the window is a duplicate of it.
    t.equal((await store.accept(newSignup({ phoneNumber, createdAt: T0 + 7 * MINUTE }), DAY)).duplicate, true)
    t.match(await store.counts(), { held: 0, sending: 1, delivered: 1, duplicate: 1 })
  })

  t.test('bad holds, velocity limits and release times are refused, not stored', async t => {
    const store = await (await freshDatabase(t))()
    await t.rejects(store.accept(newSignup({ hold: '' }), DAY), /hold must be a non-empty reason/)
    await t.rejects(store.accept(newSignup(), DAY, { max: 0, windowMs: MINUTE }), /velocity max/)
    await t.rejects(store.accept(newSignup(), DAY, { max: 1.5, windowMs: MINUTE }), /velocity max/)
    await t.rejects(store.accept(newSignup(), DAY, { max: 3, windowMs: Number.NaN }), /finite/)
    const { id } = await store.accept(newSignup({ hold: 'honeypot' }), DAY)
    await t.rejects(store.releaseHeld(id, Number.NaN), /finite/)
    t.same(await store.counts(), { pending: 0, sending: 0, delivered: 0, rejected: 0, duplicate: 0, held: 1 })
  })

  runVelocitySuite(t, freshDatabase, legacyDatabase)
}
