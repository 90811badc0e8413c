// Per-prefix velocity in the store suite: neighbouring numbers held, the window, what counts, batches, and the
// migration from the schema before holds (its phone_prefix backfill is what velocity reads for old rows).
import type { Test } from 'tap'
import type { InstrumentedStore, NewSignup } from '../../src/store/types.ts'
import { DAY, type FreshDatabase, type LegacyDatabase, MINUTE, newSignup, numberIn, T0, TOKEN } from './suite-helpers.ts'

const VELOCITY = { max: 3, windowMs: 10 * MINUTE }
// Three prefixes (the number minus its last 4 digits), none of them the one nextNumber() uses.
const P = '1212555'
const Q = '1212556'
const R = '1212557'

/** Accepts number `prefix` + `last4` at T0 + `minutes`, with the velocity limit; resolves to [duplicate, held]. */
function at (store: InstrumentedStore, prefix: string, last4: number, minutes: number, overrides: Partial<NewSignup> = {}) {
  const signup = newSignup({ phoneNumber: numberIn(prefix, last4), createdAt: T0 + minutes * MINUTE, ...overrides })
  return store.accept(signup, DAY, VELOCITY).then(r => [r.duplicate, r.held] as const)
}

const SENT = [false, undefined]
const HELD = [false, 'prefix_velocity']
const DUPLICATE = [true, undefined]

export function runVelocitySuite (t: Test, freshDatabase: FreshDatabase, legacyDatabase: LegacyDatabase): void {
  t.test('velocity: the 4th neighbouring number within 10 minutes is held; another prefix or campaign is not', async t => {
    const store = await (await freshDatabase(t))()
    t.same([await at(store, P, 1, 0), await at(store, P, 2, 1), await at(store, P, 3, 2)], [SENT, SENT, SENT])
    const fourth = await store.accept(newSignup({ phoneNumber: numberIn(P, 4), createdAt: T0 + 3 * MINUTE }), DAY, VELOCITY)
    t.same(fourth, { id: fourth.id, duplicate: false, held: 'prefix_velocity' })
    t.match(await store.signupDetail(fourth.id), { status: 'held', holdReason: 'prefix_velocity' })
    t.same(await at(store, Q, 4, 3), SENT, 'another prefix')
    t.same(await at(store, P, 4, 3, { campaign: 'winter' }), SENT, 'another campaign')
    t.same(await at(store, P, 1, 4), DUPLICATE, 'a repeat is a duplicate first: duplicates are decided before velocity')
    const unlimited = await store.accept(newSignup({ phoneNumber: numberIn(P, 5), createdAt: T0 + 3 * MINUTE }), DAY)
    t.equal(unlimited.held, undefined, 'no velocity argument, no velocity check')

    const claimed = (await store.claim(TOKEN, 10, T0 + DAY, MINUTE, 'w1')).map(c => c.id)
    t.equal(claimed.length, 6, 'everything but the held one and the duplicate')
    t.notOk(claimed.includes(fourth.id), 'the held one is never sent')
    t.same(await store.listHeld({ limit: 10 }), [{ id: fourth.id, campaign: 'summer', e164: `+${numberIn(P, 4)}`, reason: 'prefix_velocity', createdAt: T0 + 3 * MINUTE, clientIp: '203.0.113.7', source: 'tv' }])
    t.match(await store.counts('summer'), { held: 1, duplicate: 1, sending: 5 })

    // The held signup took no dedupe key: once the burst is out of the window, that number's owner is sent.
    t.same(await at(store, P, 4, 20), SENT)
  })

  t.test('velocity: rows outside the window and duplicates do not count; held rows do', async t => {
    const store = await (await freshDatabase(t))()
    // The window is (createdAt - 10 min, …]: a row exactly 10 minutes older is already out.
    t.same([await at(store, P, 1, -20), await at(store, P, 2, -10)], [SENT, SENT])
    t.same([await at(store, P, 3, 0), await at(store, P, 4, 0), await at(store, P, 5, 0)], [SENT, SENT, SENT])
    t.same(await at(store, P, 6, 0), HELD)

    t.same([await at(store, Q, 1, 0), await at(store, Q, 1, 0), await at(store, Q, 1, 0)], [SENT, DUPLICATE, DUPLICATE])
    t.same([await at(store, Q, 2, 0), await at(store, Q, 3, 0), await at(store, Q, 4, 0)], [SENT, SENT, HELD])

    t.same(await at(store, R, 1, 0, { hold: 'honeypot' }), [false, 'honeypot'], 'the caller\'s hold comes first')
    t.same(await at(store, R, 2, 0, { hold: 'too_fast' }), [false, 'too_fast'])
    t.same([await at(store, R, 3, 0), await at(store, R, 4, 0), await at(store, R, 5, 0)], [SENT, HELD, HELD])
    t.match(await store.counts(), { pending: 9, duplicate: 2, held: 6 })
  })

  t.test('velocity: rows earlier in the same batch count, after the committed ones', async t => {
    const store = await (await freshDatabase(t))()
    t.same(await at(store, R, 1, 0), SENT)
    const before = store.acceptStats.batches
    const results = await Promise.all([
      at(store, P, 1, 0),
      at(store, P, 1, 0), // a duplicate: does not count
      at(store, P, 2, 0, { hold: 'honeypot' }), // held by the caller: counts
      at(store, Q, 1, 0),
      at(store, P, 3, 0),
      at(store, P, 4, 0),
      at(store, P, 4, 0), // the held 4 took no dedupe key: held again, not a duplicate
      at(store, R, 2, 0),
      at(store, R, 3, 0),
      at(store, R, 4, 0) // with the committed R 1: the fourth
    ])
    t.equal(store.acceptStats.batches - before, 1, 'one transaction')
    t.same(results, [SENT, DUPLICATE, [false, 'honeypot'], SENT, SENT, HELD, HELD, SENT, SENT, HELD])
    t.match(await store.counts(), { pending: 6, duplicate: 1, held: 4 })
  })

  t.test('migrating from version 3 with rows in it: kept, prefixes backfilled, velocity counts them', async t => {
    const legacy = await legacyDatabase(t, 3)
    // Rows as the build before holds wrote them; plain SQL that both engines take (TRUE is 1 in SQLite).
    const row = (prefix: string, last4: number, status: string, extra: string) =>
      `('summer', '${numberIn(prefix, last4)}', '+${numberIn(prefix, last4)}', '{"PhoneNumber":"${numberIn(prefix, last4)}","GroupIds":[12]}', '${TOKEN}', '${status}', ${extra})`
    await legacy.exec(`
      INSERT INTO signups (campaign, phone_number, e164, request, token_key, status, next_attempt_at, created_at, delivered_at, contact_id) VALUES
        ${row(P, 1, 'pending', `${T0}, ${T0}, NULL, NULL`)},
        ${row(P, 2, 'pending', `${T0}, ${T0}, NULL, NULL`)},
        ${row(P, 3, 'delivered', `NULL, ${T0}, ${T0 + 1250}, 77`)},
        ${row(P, 1, 'duplicate', `NULL, ${T0}, NULL, NULL`)},
        ${row(Q, 1, 'pending', `${T0}, ${T0}, NULL, NULL`)};
      INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, client_ip, source)
        SELECT id, 'v-old', TRUE, '198.51.100.7', 'poster' FROM signups;
      INSERT INTO signup_attempts (signup_id, started_at, finished_at, outcome, http_status, detail, maybe_processed)
        SELECT id, ${T0 + 1000}, ${T0 + 1250}, 'created', 201, '{"Id":77}', FALSE FROM signups WHERE status = 'delivered';
    `)
    const store = await legacy.open()
    t.same(await store.counts(), { pending: 3, sending: 0, delivered: 1, rejected: 0, duplicate: 1, held: 0 })
    t.match(await store.signupDetail(3), {
      status: 'delivered',
      contactId: 77,
      holdReason: undefined,
      releasedAt: undefined,
      consent: { disclosureVersion: 'v-old', consentGiven: true, clientIp: '198.51.100.7', source: 'poster' },
      attemptLog: [{ signupId: 3, outcome: 'created', httpStatus: 201, maybeProcessed: false }]
    })
    // P 1, P 2 and the delivered P 3 are three signups of prefix P in the window (the duplicate is not).
    t.same(await at(store, P, 9, 1), HELD, 'old rows count: their prefix was backfilled')
    t.same(await at(store, Q, 9, 1), SENT)
    const claimed = await store.claim(TOKEN, 10, T0 + MINUTE, MINUTE, 'w1')
    t.same(claimed.map(c => c.phoneNumber), [numberIn(P, 1), numberIn(P, 2), numberIn(Q, 1), numberIn(Q, 9)], 'old pending rows are sent')
    t.equal((await store.listHeld({ limit: 10 }))[0]?.e164, `+${numberIn(P, 9)}`)
  })
}
