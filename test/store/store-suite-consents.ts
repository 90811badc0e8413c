// The consent half of the store suite: exportConsents (content, order, filters, streaming past a page), deleteNumber
// (what goes, what stays, the deletion record, a call in flight, ids never handed out again) and the migration that
// brought them.
import type { Test } from 'tap'
import { createHash } from 'node:crypto'
import { CONSENT_EXPORT_COLUMNS, type ConsentExportQuery, type ConsentExportRow, type InstrumentedStore } from '../../src/store/types.ts'
import { acceptMany, attemptOf, CONSENT, DAY, type FreshDatabase, type LegacyDatabase, MINUTE, newSignup, nextNumber, T0, TOKEN } from './suite-helpers.ts'

const LEASE = 30_000
const DISCLOSURE = 'By signing up you agree to get texts from Summer Deals, "up to 4/month", rates apply.\nReply STOP.'

async function exported (store: InstrumentedStore, query: ConsentExportQuery = {}): Promise<ConsentExportRow[]> {
  const rows: ConsentExportRow[] = []
  for await (const row of store.exportConsents(query)) rows.push(row)
  return rows
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export function runConsentSuite (t: Test, freshDatabase: FreshDatabase, legacyDatabase: LegacyDatabase): void {
  t.test('exportConsents: every status, oldest first, each record complete with its disclosure text', async t => {
    const store = await (await freshDatabase(t))()
    await store.saveDisclosure(CONSENT.disclosureVersion, DISCLOSURE, T0)
    const phoneNumber = nextNumber()
    // Accepted out of creation order: the export follows created_at, not ids.
    const withUtm = { ...CONSENT, utm: { utm_source: 'newsletter', utm_medium: 'email' } }
    const late = await store.accept(newSignup({ phoneNumber, createdAt: T0 + 2 * MINUTE, consent: withUtm }), DAY)
    const early = await store.accept(newSignup({ campaign: 'winter', createdAt: T0 }), DAY)
    const duplicate = await store.accept(newSignup({ phoneNumber, createdAt: T0 + 3 * MINUTE }), DAY)
    const heldConsent = { ...CONSENT, disclosureVersion: 'v-unsaved', userAgent: undefined }
    const held = await store.accept(newSignup({ hold: 'honeypot', createdAt: T0 + MINUTE, consent: heldConsent }), DAY)
    const claimed = await store.claim(TOKEN, 10, T0 + 5 * MINUTE, LEASE, 'w1')
    t.same(claimed.map(c => c.id), [late.id, early.id])
    await store.finishAttempt(attemptOf(late.id, { startedAt: T0 + 5 * MINUTE, finishedAt: T0 + 5 * MINUTE + 250 }), { status: 'delivered', contactId: 77 })
    await store.finishAttempt(attemptOf(early.id, { outcome: 'rejected', httpStatus: 422 }), { status: 'rejected', error: 'PhoneNumber: is invalid' })

    const rows = await exported(store)
    t.same(rows.map(r => [r.id, r.status]), [[early.id, 'rejected'], [held.id, 'held'], [late.id, 'delivered'], [duplicate.id, 'duplicate']])
    t.same(Object.keys(rows[0] ?? {}), CONSENT_EXPORT_COLUMNS, 'the columns, in the export order')
    t.same(rows[2], {
      id: late.id,
      campaign: 'summer',
      e164: `+${phoneNumber}`,
      status: 'delivered',
      hold_reason: null,
      created_at: '2026-01-15T12:02:00.000Z',
      consent_given: true,
      disclosure_version: CONSENT.disclosureVersion,
      disclosure_text: DISCLOSURE,
      client_ip: CONSENT.clientIp,
      user_agent: CONSENT.userAgent,
      page_url: CONSENT.pageUrl,
      referrer: CONSENT.referrer,
      source: CONSENT.source,
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
      attempts: 1,
      delivered_at: '2026-01-15T12:05:00.250Z',
      contact_id: 77,
      last_error: null
    })
    t.match(rows[0], { campaign: 'winter', status: 'rejected', attempts: 1, last_error: 'PhoneNumber: is invalid', delivered_at: null, contact_id: null })
    t.match(rows[1], { status: 'held', hold_reason: 'honeypot', disclosure_version: 'v-unsaved', disclosure_text: null, user_agent: null, attempts: 0, utm_source: null })
    t.match(rows[3], { status: 'duplicate', e164: `+${phoneNumber}`, created_at: '2026-01-15T12:03:00.000Z' })
  })

  t.test('exportConsents: by campaign and by [from, to); a bad query fails the call itself', async t => {
    const store = await (await freshDatabase(t))()
    const ids: number[] = []
    for (let minute = 0; minute < 6; minute++) {
      ids.push((await store.accept(newSignup({ campaign: minute % 2 === 0 ? 'summer' : 'winter', createdAt: T0 + minute * MINUTE }), DAY)).id)
    }
    const idsOf = async (query: ConsentExportQuery) => (await exported(store, query)).map(r => r.id)
    t.same(await idsOf({}), ids)
    t.same(await idsOf({ campaign: 'winter' }), [ids[1], ids[3], ids[5]])
    t.same(await idsOf({ from: T0 + MINUTE, to: T0 + 3 * MINUTE }), [ids[1], ids[2]], 'from included, to excluded')
    t.same(await idsOf({ campaign: 'summer', from: T0 + MINUTE }), [ids[2], ids[4]])
    t.same(await idsOf({ from: T0 + 0.5, to: T0 + MINUTE + 0.5 }), [ids[1]], 'fractional bounds are exact')
    t.same(await idsOf({ from: T0 + 10 * MINUTE }), [])
    t.same(await idsOf({ campaign: 'nobody' }), [])
    t.throws(() => store.exportConsents({ from: Number.NaN }), /finite/)
    t.throws(() => store.exportConsents({ campaign: '' }), /campaign/)
  })

  t.test('exportConsents streams past a page (2500 rows, one creation time: ties go by id); stopping early leaves nothing open', async t => {
    const store = await (await freshDatabase(t))()
    const ids: number[] = []
    for (let i = 0; i < 10; i++) ids.push(...await acceptMany(store, 250))
    let count = 0
    let previous = 0
    let ordered = true
    for await (const row of store.exportConsents({ campaign: 'summer' })) {
      if (row.id <= previous) ordered = false
      previous = row.id
      count++
    }
    t.equal(count, 2500)
    t.ok(ordered, 'ids ascending within one creation time')
    t.equal(previous, Math.max(...ids))

    // Two exports at once, read in turns, then abandoned half-way: each stays whole, and the store goes on.
    const a = store.exportConsents({})[Symbol.asyncIterator]()
    const b = store.exportConsents({})[Symbol.asyncIterator]()
    const seenA: number[] = []
    const seenB: number[] = []
    for (let i = 0; i < 1200; i++) {
      seenA.push((await a.next()).value?.id)
      seenB.push((await b.next()).value?.id)
    }
    t.same(seenA, seenB)
    t.same(seenA.slice(0, 3), ids.slice(0, 3))
    await a.return?.()
    await b.return?.()
    const c = store.exportConsents({})[Symbol.asyncIterator]()
    t.equal((await c.next()).value?.id, ids[0])
    await c.return?.()
    const more = await store.accept(newSignup({ createdAt: T0 + MINUTE }), DAY)
    t.same((await exported(store, { from: T0 + 1 })).map(r => r.id), [more.id], 'writes and exports go on')
  })

  t.test('deleteNumber: every record of the number, in every campaign, gone; the deletion recorded; others kept', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const e164 = `+${phoneNumber}`
    const first = await store.accept(newSignup({ phoneNumber }), DAY)
    const repeat = await store.accept(newSignup({ phoneNumber, createdAt: T0 + MINUTE }), DAY)
    const winter = await store.accept(newSignup({ phoneNumber, campaign: 'winter', hold: 'too_fast' }), DAY)
    const other = await store.accept(newSignup(), DAY)
    await store.claim(TOKEN, 10, T0, LEASE, 'w1')
    await store.finishAttempt(attemptOf(first.id), { status: 'delivered', contactId: 77 })
    t.equal(repeat.duplicate, true)

    const note = 'ticket #4411, asked by email on 2026-01-16'
    t.same(await store.deleteNumber(e164, T0 + DAY, note), { signups: 3, campaigns: ['summer', 'winter'] })
    for (const id of [first.id, repeat.id, winter.id]) t.equal(await store.signupDetail(id), undefined, `signup ${id} is gone`)
    t.same((await exported(store)).map(r => r.id), [other.id], 'the export keeps only the other number')
    t.match(await store.signupDetail(other.id), { status: 'sending', consent: CONSENT })
    t.same(await store.counts(), { pending: 0, sending: 1, delivered: 0, rejected: 0, duplicate: 0, held: 0 })
    t.same(await store.listHeld({ limit: 10 }), [])

    const [record] = await store.listDeletions({ limit: 10 })
    t.same(record, { id: record?.id, e164Sha256: sha256(e164), campaigns: ['summer', 'winter'], signups: 3, deletedAt: T0 + DAY, note })
    t.notOk(JSON.stringify(record).includes(phoneNumber.slice(-7)), 'the record does not hold the number')

    // Its signups are gone, so its next one is a fresh signup, not a duplicate (on Postgres its dedupe key went too).
    const again = await store.accept(newSignup({ phoneNumber, createdAt: T0 + 2 * MINUTE }), DAY)
    t.same(again, { id: again.id, duplicate: false, held: undefined })
  })

  t.test('deleteNumber: a number with no records is recorded too; listDeletions pages newest first', async t => {
    const store = await (await freshDatabase(t))()
    t.same(await store.deleteNumber('+16465550100', T0, 'request 1'), { signups: 0, campaigns: [] })
    await store.deleteNumber('+447700900123', T0 + 1, 'request 2')
    await store.deleteNumber('+16465550100', T0 + 2, 'request 3, the same number again')
    const all = await store.listDeletions({ limit: 10 })
    t.same(all.map(d => d.note), ['request 3, the same number again', 'request 2', 'request 1'])
    t.equal(all[0]?.e164Sha256, all[2]?.e164Sha256, 'the same number, the same hash')
    t.same((await store.listDeletions({ limit: 1, before: all[0]?.id })).map(d => d.note), ['request 2'])
    t.same(await store.listDeletions({ limit: 0 }), [])
    await t.rejects(store.listDeletions({ limit: -1 }), /limit/)
  })

  t.test('deleteNumber: bad numbers, times and notes are refused before anything is deleted', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    await store.accept(newSignup({ phoneNumber }), DAY)
    const e164 = `+${phoneNumber}`
    await t.rejects(store.deleteNumber(phoneNumber, T0, 'no plus'), /E\.164/)
    await t.rejects(store.deleteNumber('+1 646 555 0101', T0, 'spaces'), /E\.164/)
    await t.rejects(store.deleteNumber(e164, T0, '   '), /needs a note/)
    await t.rejects(store.deleteNumber(e164, T0, 'x'.repeat(1001)), /at most 1000/)
    const written = `asked by (${phoneNumber.slice(1, 4)}) ${phoneNumber.slice(4, 7)}-${phoneNumber.slice(7)}`
    await t.rejects(store.deleteNumber(e164, T0, written), /must not contain the number/)
    await t.rejects(store.deleteNumber(e164, Number.NaN, 'bad time'), /finite/)
    t.equal((await exported(store)).length, 1)
    t.same(await store.listDeletions({ limit: 10 }), [])
  })

  t.test('a call in flight when its signup is deleted: finishing it changes nothing', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    const { id } = await store.accept(newSignup({ phoneNumber }), DAY)
    t.same((await store.claim(TOKEN, 10, T0, LEASE, 'w1')).map(c => c.id), [id])
    await store.deleteNumber(`+${phoneNumber}`, T0 + 100, 'deleted while sending')
    await store.finishAttempt(attemptOf(id), { status: 'delivered', contactId: 5 })
    t.equal(await store.signupDetail(id), undefined, 'not recreated')
    t.same(await exported(store), [])
    t.equal(await store.nextDue(TOKEN), undefined)
  })

  t.test('a deleted signup\'s id is never handed out again: a late finishAttempt or releaseHeld for it touches nobody', async t => {
    const store = await (await freshDatabase(t))()
    // The newest signup each time: an engine handing out max(id) + 1 would give its id to the next visitor.
    const sent = nextNumber()
    const { id: sentId } = await store.accept(newSignup({ phoneNumber: sent }), DAY)
    t.same((await store.claim(TOKEN, 10, T0, LEASE, 'w1')).map(c => c.id), [sentId])
    await store.deleteNumber(`+${sent}`, T0 + 100, 'deleted while sending')
    const next = await store.accept(newSignup({ createdAt: T0 + 200 }), DAY)
    t.ok(next.id > sentId, 'a new id, above the deleted one')
    await store.finishAttempt(attemptOf(sentId), { status: 'delivered', contactId: 5 })
    t.match(await store.signupDetail(next.id), { status: 'pending', attempts: 0, contactId: undefined, attemptLog: [] },
      'the dispatcher\'s late answer did not mark the new signup delivered')

    const bot = nextNumber()
    const { id: heldId } = await store.accept(newSignup({ phoneNumber: bot, createdAt: T0 + 300, hold: 'honeypot' }), DAY)
    await store.deleteNumber(`+${bot}`, T0 + 400, 'deleted while listed')
    const held = await store.accept(newSignup({ createdAt: T0 + 500, hold: 'honeypot' }), DAY)
    t.ok(held.id > heldId, 'a new id, above the deleted one')
    t.equal(await store.releaseHeld(heldId, T0 + 600), false, 'an id from an older listing releases nobody')
    t.match(await store.signupDetail(held.id), { status: 'held', releasedAt: undefined })
  })

  t.test('migrating from version 4 with rows in it: they export, and their numbers can be deleted', async t => {
    const legacy = await legacyDatabase(t, 4)
    // Rows as the build before the export wrote them; plain SQL both engines take (TRUE is 1 in SQLite).
    await legacy.exec(`
      INSERT INTO signups (campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason, created_at) VALUES
        ('summer', '16465550177', '1646555', '+16465550177', '{"PhoneNumber":"16465550177"}', '${TOKEN}', 'held', 'honeypot', ${T0 + MINUTE}),
        ('summer', '16465550178', '1646555', '+16465550178', '{"PhoneNumber":"16465550178"}', '${TOKEN}', 'duplicate', NULL, ${T0});
      INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, client_ip, source)
        SELECT id, 'v-old', TRUE, '198.51.100.7', 'poster' FROM signups;
      INSERT INTO disclosures (version, text, created_at) VALUES ('v-old', 'the old wording', ${T0});
    `)
    const store = await legacy.open()
    const rows = await exported(store)
    t.same(rows.map(r => [r.e164, r.status, r.disclosure_text, r.client_ip]), [
      ['+16465550178', 'duplicate', 'the old wording', '198.51.100.7'],
      ['+16465550177', 'held', 'the old wording', '198.51.100.7']
    ])
    t.same(await store.deleteNumber('+16465550177', T0 + DAY, 'old row'), { signups: 1, campaigns: ['summer'] })
    t.same((await exported(store)).map(r => r.e164), ['+16465550178'])
  })
}
