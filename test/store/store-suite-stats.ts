// The dashboard half of the store suite: UTM tags in the consent proof, traffic counters summed across instances,
// signups counted by campaign/source/UTM/status, the signups-over-time series, bucket and number look-ups, migration 6.
import type { Test } from 'tap'
import type { TrafficIncrement } from '../../src/store/types.ts'
import { attemptOf, CONSENT, DAY, type FreshDatabase, type LegacyDatabase, MINUTE, newSignup, nextNumber, T0, TOKEN } from './suite-helpers.ts'

const HOUR = 60 * MINUTE
const H0 = Math.floor(T0 / HOUR) * HOUR

function view (overrides: Partial<TrafficIncrement> = {}): TrafficIncrement {
  return { campaign: 'summer', hour: H0, source: '', utmSource: '', utmMedium: '', utmCampaign: '', event: 'view', reason: '', count: 1, ...overrides }
}

export function runStatsSuite (t: Test, freshDatabase: FreshDatabase, legacyDatabase: LegacyDatabase): void {
  t.test('UTM tags are kept with the consent proof and come back in signupDetail', async t => {
    const store = await (await freshDatabase(t))()
    const utm = { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring sale', utm_term: 'coffee club', utm_content: 'ad-2' }
    const { id } = await store.accept(newSignup({ consent: { ...CONSENT, utm } }), DAY)
    t.same((await store.signupDetail(id))?.consent.utm, utm)
    const partial = await store.accept(newSignup({ consent: { ...CONSENT, utm: { utm_medium: 'sms' } } }), DAY)
    t.same((await store.signupDetail(partial.id))?.consent.utm, { utm_medium: 'sms' }, 'only the tags the URL had')
    const none = await store.accept(newSignup(), DAY)
    t.notOk('utm' in ((await store.signupDetail(none.id))?.consent ?? {}), 'no utm key without tags')
  })

  t.test('addTraffic sums into hourly rows; two instances on one database add up', async t => {
    const open = await freshDatabase(t)
    const a = await open()
    const b = await open()
    await a.addTraffic([view(), view({ count: 2 }), view({ source: 'poster' })])
    await b.addTraffic([view({ count: 4 }), view({ hour: H0 + HOUR, utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'spring' })])
    await b.addTraffic([view({ event: 'refused' }), view({ event: 'refusal', reason: 'phone_too_short', count: 3 }), view({ campaign: 'winter' })])
    await a.addTraffic([])
    const totals = await a.traffic({ from: H0, to: H0 + 2 * HOUR })
    const sorted = (rows: typeof totals) => rows.map(r => `${r.campaign}|${r.source}|${r.utmSource}|${r.utmMedium}|${r.utmCampaign}|${r.event}|${r.reason}=${r.count}`).sort()
    t.same(sorted(totals), [
      'summer|poster||||view|=1',
      'summer|||||refusal|phone_too_short=3',
      'summer|||||refused|=1',
      'summer|||||view|=7',
      'summer||google|cpc|spring|view|=1',
      'winter|||||view|=1'
    ].sort())
    t.same(sorted(await b.traffic({ from: H0, to: H0 + HOUR, campaign: 'summer' })), [
      'summer|poster||||view|=1',
      'summer|||||refusal|phone_too_short=3',
      'summer|||||refused|=1',
      'summer|||||view|=7'
    ].sort(), 'by campaign, and only the hours in [from, to)')
    t.same(await a.traffic({ from: H0 + 2 * HOUR, to: H0 + 3 * HOUR }), [])
  })

  t.test('addTraffic refuses a bad increment and adds nothing of its batch', async t => {
    const store = await (await freshDatabase(t))()
    await t.rejects(store.addTraffic([view(), view({ hour: H0 + 1 })]), /start of a UTC hour/)
    await t.rejects(store.addTraffic([view({ event: 'click' as 'view' })]), /event/)
    await t.rejects(store.addTraffic([view({ count: -1 })]), /count/)
    await t.rejects(store.addTraffic([view({ campaign: '' })]), /campaign/)
    await t.rejects(store.addTraffic([view({ source: 'x'.repeat(201) })]), /at most 200/)
    t.same(await store.traffic({ from: H0, to: H0 + HOUR }), [])
    await t.rejects(store.traffic({ from: H0, to: H0 }), /before/)
  })

  t.test('signupCounts: by campaign, source, UTM, status and held, over a creation range', async t => {
    const store = await (await freshDatabase(t))()
    const tv = { ...CONSENT, source: 'tv', utm: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring', utm_term: 'not a key' } }
    const plain = { ...CONSENT, source: undefined }
    const phoneNumber = nextNumber()
    const first = await store.accept(newSignup({ phoneNumber, consent: tv }), DAY)
    await store.accept(newSignup({ phoneNumber, consent: tv, createdAt: T0 + MINUTE }), DAY) // duplicate
    await store.accept(newSignup({ consent: plain, hold: 'honeypot' }), DAY)
    const released = await store.accept(newSignup({ consent: plain, hold: 'too_fast' }), DAY)
    await store.releaseHeld(released.id, T0 + MINUTE)
    await store.accept(newSignup({ campaign: 'winter', consent: plain }), DAY)
    await store.accept(newSignup({ consent: plain, createdAt: T0 + DAY }), DAY) // outside the range
    const [claimed] = await store.claim(TOKEN, 1, T0 + 2 * MINUTE, MINUTE, 'w1')
    t.equal(claimed?.id, first.id)
    await store.finishAttempt(attemptOf(first.id), { status: 'delivered', contactId: 1 })

    const counts = await store.signupCounts({ from: T0, to: T0 + HOUR })
    const line = (rows: typeof counts) => rows.map(r => `${r.campaign}|${r.source}|${r.utmSource}|${r.utmMedium}|${r.utmCampaign}|${r.status}|${r.held}=${r.count}`).sort()
    t.same(line(counts), [
      'summer|tv|google|cpc|spring|delivered|false=1',
      'summer|tv|google|cpc|spring|duplicate|false=1',
      'summer|||||held|true=1',
      'summer|||||pending|true=1',
      'winter|||||pending|false=1'
    ].sort())
    t.same(line(await store.signupCounts({ from: T0, to: T0 + HOUR, campaign: 'winter' })), ['winter|||||pending|false=1'])
    t.same(await store.signupCounts({ from: T0 + 2 * DAY, to: T0 + 3 * DAY }), [])
  })

  t.test('signupTimeline: signups to be sent per bucket, duplicates and held left out', async t => {
    const store = await (await freshDatabase(t))()
    const phoneNumber = nextNumber()
    await store.accept(newSignup({ phoneNumber, createdAt: H0 + 5 * MINUTE }), DAY)
    await store.accept(newSignup({ phoneNumber, createdAt: H0 + 6 * MINUTE }), DAY) // duplicate
    await store.accept(newSignup({ createdAt: H0 + 7 * MINUTE, hold: 'honeypot' }), DAY)
    await store.accept(newSignup({ createdAt: H0 + 2 * HOUR }), DAY)
    await store.accept(newSignup({ createdAt: H0 + 2 * HOUR + 59 * MINUTE }), DAY)
    await store.accept(newSignup({ campaign: 'winter', createdAt: H0 + 2 * HOUR }), DAY)
    await store.accept(newSignup({ createdAt: H0 + 3 * HOUR }), DAY) // past `to`
    t.same(await store.signupTimeline({ from: H0, to: H0 + 3 * HOUR, bucketMs: HOUR }), [{ index: 0, count: 1 }, { index: 2, count: 3 }])
    t.same(await store.signupTimeline({ from: H0, to: H0 + 3 * HOUR, bucketMs: HOUR, campaign: 'summer' }), [{ index: 0, count: 1 }, { index: 2, count: 2 }])
    t.same(await store.signupTimeline({ from: H0 - DAY, to: H0 + DAY, bucketMs: DAY }), [{ index: 1, count: 5 }])
    await t.rejects(store.signupTimeline({ from: H0, to: H0 + DAY, bucketMs: 10 }), /bucketMs/)
    await t.rejects(store.signupTimeline({ from: H0, to: H0 + 100 * DAY, bucketMs: 1000 }), /buckets/)
  })

  t.test('readBucket reads without changing; numberRecords counts a number per campaign', async t => {
    const store = await (await freshDatabase(t))()
    t.equal(await store.readBucket(TOKEN), undefined)
    const state = { tokens: 3.5, updatedAt: T0, capacity: 60, windowMs: 60_000, blockedUntil: 0 }
    await store.withBucket(TOKEN, () => ({ state, result: undefined }))
    t.same(await store.readBucket(TOKEN), state)
    t.same(await store.readBucket(TOKEN), state, 'a read is not a write')
    const phoneNumber = nextNumber()
    await store.accept(newSignup({ phoneNumber }), DAY)
    await store.accept(newSignup({ phoneNumber, createdAt: T0 + 1 }), DAY)
    await store.accept(newSignup({ phoneNumber, campaign: 'autumn' }), DAY)
    t.same(await store.numberRecords(`+${phoneNumber}`), [{ campaign: 'autumn', signups: 1 }, { campaign: 'summer', signups: 2 }])
    t.same(await store.numberRecords('+15550000000'), [])
    await t.rejects(store.numberRecords('12345'), /E\.164/)
  })

  t.test('migrating from version 5: older consent rows have no UTM tags and still count', async t => {
    const legacy = await legacyDatabase(t, 5)
    await legacy.exec(`
      INSERT INTO signups (campaign, phone_number, phone_prefix, e164, request, token_key, status, next_attempt_at, created_at) VALUES
        ('summer', '16465550177', '1646555', '+16465550177', '{"PhoneNumber":"16465550177"}', '${TOKEN}', 'pending', ${T0}, ${T0});
      INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, page_url, source)
        SELECT id, 'v-old', TRUE, 'https://x.example/c/summer?utm_source=old', 'poster' FROM signups;
    `)
    const store = await legacy.open()
    const counts = await store.signupCounts({ from: T0, to: T0 + 1 })
    t.same(counts.map(c => [c.source, c.utmSource, c.status, c.count]), [['poster', '', 'pending', 1]])
    await store.addTraffic([view()])
    t.equal((await store.traffic({ from: H0, to: H0 + HOUR }))[0]?.count, 1)
  })
}
