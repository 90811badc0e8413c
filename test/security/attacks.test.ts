// Simulated SMS pumping and SMS bombing through the real app and the ProTexting stand-in: what reaches the upstream stays within budget.
import t from 'tap'
import type { Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp, TEST_FORM_SECRET, usCampaign, type TestApp } from '../helper.ts'
import { createFormTokens } from '../../src/abuse/form-token.ts'
import { normalizePhone } from '../../src/phone/normalize.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

interface Budget { perIpPerMinute: number, prefixMax: number, windowMinutes: number }
// The documented defaults (campaigns/schema.ts): what a campaign that says nothing gets.
const DEFAULTS: Budget = { perIpPerMinute: 10, prefixMax: 5, windowMinutes: 10 }
const TUNED: Budget = { perIpPerMinute: 4, prefixMax: 2, windowMinutes: 30 }
const campaigns = {
  summer: usCampaign,
  tuned: { ...usCampaign, protection: { perIpPerMinute: TUNED.perIpPerMinute, prefixVelocity: { max: TUNED.prefixMax, windowMinutes: TUNED.windowMinutes } } }
}

type Via = 'form' | 'api'
interface Attempt {
  ip: string
  phone: string
  via: Via
  /** The US PhoneNumber minus its last 4 digits, for numbers the campaign takes; undefined for ones it must refuse. */
  prefix: string | undefined
}

const line = (n: number) => String(n % 10_000).padStart(4, '0')
// Neighbouring US mobiles: what a pumping bot walks through (prefix = all but the last 4 digits).
const US_RANGES = [
  { prefix: '1646555', write: (n: number) => `+1 646 555 ${line(n)}` },
  { prefix: '1212555', write: (n: number) => `(212) 555-${line(n)}` },
  { prefix: '1415734', write: (n: number) => `415.734.${line(n)}` }
]
// Numbers a US-only campaign must never text: premium and toll-free US ranges, and the "+1 but abroad"
// Caribbean ranges and other countries that toll fraud favours.
const REFUSED = [
  (n: number) => `+1 900 555 ${line(n)}`, // US premium rate
  (n: number) => `+1 876 555 ${line(n)}`, // Jamaica
  (n: number) => `+44 7400 12${line(n)}`, // UK mobile
  (n: number) => `+1 800 234 ${line(n)}`, // US toll-free
  (n: number) => `+1 268 464 ${line(n)}`, // Antigua
  (n: number) => `+371 2000 ${line(n)}`, // Latvia
  (n: number) => `+1 649 231 ${line(n)}`, // Turks and Caicos
  (n: number) => `+882 16 00 ${line(n)}` // international networks
]

/** One attempt per index: four in ten are US neighbours in the given ranges, the rest numbers to refuse. */
function pumping (count: number, ips: string[], ranges = US_RANGES, offset = 0): Attempt[] {
  return Array.from({ length: count }, (_, i) => {
    const ip = ips[i % ips.length] as string
    const via: Via = Math.floor(i / ips.length) % 2 === 0 ? 'form' : 'api'
    const n = offset + i
    if (i % 5 < 2) {
      const range = ranges[Math.floor(i / 5) % ranges.length] as typeof US_RANGES[number]
      return { ip, via, phone: range.write(n), prefix: range.prefix }
    }
    return { ip, via, phone: (REFUSED[n % REFUSED.length] as (n: number) => string)(n), prefix: undefined }
  })
}

const ipsFrom = (base: string, count: number) => Array.from({ length: count }, (_, i) => `${base}.${i + 1}`)

type Outcome = 'sent' | 'held' | 'refused' | 'limited'
/** The budget as the campaign file states it, applied attempt by attempt in order: the most that may get through. */
function budgetModel (attempts: Attempt[], budget: Budget, usedPerIp = new Map<string, number>(), perPrefix = new Map<string, number>()): Outcome[] {
  return attempts.map(({ ip, prefix }) => {
    const used = (usedPerIp.get(ip) ?? 0) + 1
    usedPerIp.set(ip, used)
    if (used > budget.perIpPerMinute) return 'limited'
    if (prefix === undefined) return 'refused'
    const seen = (perPrefix.get(prefix) ?? 0) + 1
    perPrefix.set(prefix, seen)
    return seen > budget.prefixMax ? 'held' : 'sent'
  })
}

const STATUS: Record<Via, Record<Outcome, number>> = {
  form: { sent: 303, held: 303, refused: 422, limited: 429 },
  api: { sent: 202, held: 202, refused: 422, limited: 429 }
}

/** Submits like a patient bot: a fresh, valid form token on every post (so only the budgets can stop it). */
function attacker (target: TestApp, slug: string) {
  const tokens = createFormTokens({ secret: TEST_FORM_SECRET, now: () => target.clock.now() - 10_000, minAgeMs: 0 })
  return (attempt: Attempt) => {
    const formToken = tokens.issue(slug)
    if (attempt.via === 'form') {
      return target.app.inject({
        method: 'POST',
        url: `/c/${slug}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': attempt.ip },
        payload: new URLSearchParams({ phone: attempt.phone, consent: 'yes', formToken }).toString()
      })
    }
    return target.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${slug}/signups`,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': attempt.ip },
      payload: JSON.stringify({ phone: attempt.phone, consent: true, formToken })
    })
  }
}

const last4 = (phone: string) => phone.replace(/\D/g, '').slice(-4)
// Headers whose values differ between any two answers, whatever the outcome.
const VOLATILE = new Set(['date', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'location', 'content-length'])
const stableHeaders = (res: LightMyRequestResponse) => Object.fromEntries(Object.entries(res.headers).filter(([name]) => !VOLATILE.has(name)).sort(([a], [b]) => a.localeCompare(b)))

/**
 * Runs an attack and checks every answer: the model's status, and success answers identical whatever happened behind
 * them (sent or held). Returns the outcome tallies and the PhoneNumbers that reached the upstream, for the caller to weigh.
 */
async function attack (t: Test, target: TestApp, slug: string, attempts: Attempt[], expected: Outcome[]) {
  const submit = attacker(target, slug)
  const callsBefore = target.standIn.calls.length
  const successes: Record<Via, LightMyRequestResponse[]> = { form: [], api: [] }
  const tally = new Map<string, number>()
  const wrong: string[] = []
  for (const [i, attempt] of attempts.entries()) {
    const res = await submit(attempt)
    const outcome = expected[i] as Outcome
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1)
    const what = `attempt ${i} (${attempt.via} ${attempt.phone} from ${attempt.ip}, ${outcome})`
    if (res.statusCode !== STATUS[attempt.via][outcome]) wrong.push(`${what}: ${res.statusCode}, expected ${STATUS[attempt.via][outcome]}`)
    if (res.statusCode !== STATUS[attempt.via][outcome] || (outcome !== 'sent' && outcome !== 'held')) continue
    successes[attempt.via].push(res)
    // The attacker sees the thank-you for the number it typed, whether it was sent or held.
    const thanks = attempt.via === 'form'
      ? res.headers.location === `/c/${slug}/thanks?to=${last4(attempt.phone)}`
      : res.body === JSON.stringify({ status: 'accepted', message: 'Check your phone: we sent you a text. Reply YES to confirm.', last4: last4(attempt.phone), lang: 'en' })
    if (!thanks) wrong.push(`${what}: not the usual thank-you (${String(res.headers.location ?? res.body)})`)
  }
  t.same(wrong, [], `all ${attempts.length} answered as the budget says (303/202, 422, 429; never a 5xx), successes with the usual thank-you`)
  for (const via of ['form', 'api'] as const) {
    const [first, ...rest] = successes[via]
    if (first === undefined) continue
    const same = rest.every(res => JSON.stringify(stableHeaders(res)) === JSON.stringify(stableHeaders(first)) && (via === 'api' || res.body === first.body))
    t.ok(same, `every ${via} success (sent or held) is answered with the same headers and body`)
  }
  await target.app.dispatcher.settled()
  const calls = target.standIn.calls.slice(callsBefore).map(call => String((call.body as { PhoneNumber?: unknown }).PhoneNumber))
  return { tally, calls }
}

const perPrefix = (calls: string[]) => {
  const counts = new Map<string, number>()
  for (const number of calls) counts.set(number.slice(0, -4), (counts.get(number.slice(0, -4)) ?? 0) + 1)
  return counts
}

t.test('the pumping numbers are what they claim: US neighbours valid, the rest refused by the allow-list or the number type', async t => {
  const rules = { defaultCountry: 'US' as const, allowedCountries: ['US' as const] }
  for (const range of US_RANGES) {
    const result = normalizePhone(range.write(42), rules)
    t.ok(result.ok && result.phoneNumber.startsWith(range.prefix), `${range.write(42)} is a valid US number in ${range.prefix}`)
  }
  for (const write of REFUSED) t.notOk(normalizePhone(write(42), rules).ok, `${write(42)} is refused`)
})

for (const [slug, budget] of [['summer', DEFAULTS], ['tuned', TUNED]] as const) {
  // Two neighbouring ranges, so that both the per-IP limit and prefix velocity bind.
  const attempts = pumping(200, ipsFrom('203.0.113', 4), US_RANGES.slice(0, 2))
  const expected = budgetModel(attempts, budget)
  const count = (outcome: Outcome) => expected.filter(e => e === outcome).length
  t.test(`pumping from 4 IPs on "${slug}" (${budget.perIpPerMinute}/IP/min, ${budget.prefixMax}/prefix/${budget.windowMinutes} min): 200 attempts → ${count('sent')} sent, ${count('held')} held, ${count('refused')} refused, ${count('limited')} rate-limited`, async t => {
    const target = await buildTestApp(t, { campaigns, trustProxy: true, standIn: { limit: 1000 } })
    const { calls } = await attack(t, target, slug, attempts, expected)
    t.equal(calls.length, count('sent'), `${calls.length} opt-in calls reached the upstream`)
    t.ok(calls.every(number => US_RANGES.some(range => number.startsWith(range.prefix))), 'only the campaign\'s US numbers, never premium, toll-free or foreign ones')
    for (const [prefix, n] of perPrefix(calls)) t.ok(n <= budget.prefixMax, `prefix ${prefix}: ${n} sent (max ${budget.prefixMax})`)
    t.match(await target.store.counts(slug), { held: count('held'), delivered: count('sent'), pending: 0 }, 'the store agrees: held kept, never sent')
    t.ok(count('limited') > 0 && count('held') > 0 && count('refused') > 0, 'both limits and the allow-list were exercised')
  })
}

t.test('pumping from a botnet (one address per 3 posts): prefix velocity holds every prefix to its budget per window', async t => {
  const target = await buildTestApp(t, { campaigns, trustProxy: true, standIn: { limit: 1000 } })
  const first = pumping(300, ipsFrom('198.51.100', 100))
  const firstExpected = budgetModel(first, DEFAULTS)
  const one = await attack(t, target, 'summer', first, firstExpected)
  t.equal(one.calls.length, US_RANGES.length * DEFAULTS.prefixMax, `300 attempts → ${one.calls.length} sent (${DEFAULTS.prefixMax} per prefix × ${US_RANGES.length} prefixes), ${one.tally.get('held')} held, ${one.tally.get('refused')} refused`)
  t.same([...perPrefix(one.calls).values()], US_RANGES.map(() => DEFAULTS.prefixMax), 'exactly the budget for each prefix')

  // Still inside the window, from 50 new addresses, the bot keeps at the first range: all of it held.
  const kept = US_RANGES[0] as typeof US_RANGES[number]
  target.clock.advance(DEFAULTS.windowMinutes * MINUTE - 30_000)
  const inside = pumping(50, ipsFrom('198.51.101', 50), [kept], 300)
  const two = await attack(t, target, 'summer', inside, inside.map(a => a.prefix === undefined ? 'refused' : 'held'))
  t.equal(two.calls.length, 0, '9.5 min later: 50 attempts → 0 sent, the 20 US ones held')

  // The first burst has left the window: the ranges left alone get a fresh budget; the one attacked
  // without pause stays held (held signups count toward velocity, so a sustained attack never refills it).
  target.clock.advance(MINUTE)
  const later = pumping(150, ipsFrom('198.51.102', 50), US_RANGES, 400)
  const three = await attack(t, target, 'summer', later, budgetModel(later, DEFAULTS, new Map(), new Map([[kept.prefix, Infinity]])))
  const fresh = (US_RANGES.length - 1) * DEFAULTS.prefixMax
  t.equal(three.calls.length, fresh, `10.5 min later: 150 attempts → ${three.calls.length} sent (${DEFAULTS.prefixMax} for each of the ${US_RANGES.length - 1} rested prefixes)`)
  t.notOk(three.calls.some(number => number.startsWith(kept.prefix)), `nothing more for ${kept.prefix}, attacked without pause`)
  t.ok([...one.calls, ...three.calls].every(number => US_RANGES.some(range => number.startsWith(range.prefix))), 'never a foreign or premium number')
  const counts = await target.store.counts('summer')
  t.equal(counts.delivered, one.calls.length + fresh, `500 attempts over 10.5 minutes → ${counts.delivered} sent, ${counts.held} held`)
})

t.test('SMS bombing: one victim from 40 addresses × 3 posts → 1 CTA in 24 h, every post answered exactly like a success; a 2nd only after 24 h', async t => {
  const target = await buildTestApp(t, { campaigns, trustProxy: true })
  const writings = ['(646) 555-0123', '+1 646 555 0123', '646.555.0123', '001 646 555 0123', 'tel:+1-646-555-0123', '６４６５５５０１２３', '\u202a+1 (646) 555-0123\u202c']
  const bomb = (count: number, base: string): Attempt[] => Array.from({ length: count }, (_, i) => ({
    ip: `${base}.${(i % 40) + 1}`,
    via: i % 2 === 0 ? 'form' : 'api',
    phone: writings[i % writings.length] as string,
    prefix: '1646555'
  }))
  const submit = attacker(target, 'summer')
  const answers: LightMyRequestResponse[] = []
  for (const attempt of bomb(120, '192.0.2')) answers.push(await submit(attempt))
  await target.app.dispatcher.settled()
  t.equal(target.standIn.calls.length, 1, '120 posts → 1 opt-in call')
  t.match(target.standIn.calls[0]?.body, { PhoneNumber: '16465550123' }, 'the victim\'s number, once')

  const forms = answers.filter((_, i) => i % 2 === 0)
  const apis = answers.filter((_, i) => i % 2 === 1)
  const [firstForm] = forms
  t.ok(forms.every(res => res.statusCode === 303 && res.headers.location === '/c/summer/thanks?to=0123' && res.body === firstForm?.body &&
    JSON.stringify(stableHeaders(res)) === JSON.stringify(stableHeaders(firstForm))), '60 form posts: 303 to the same thank-you, same headers')
  t.ok(apis.every(res => res.statusCode === 202 && res.body === apis[0]?.body), '60 API posts: the same 202 body')
  t.match(await target.store.counts('summer'), { delivered: 1, duplicate: 119, held: 0 }, 'the rest recorded as duplicates')

  // 23 hours later the number is still in its window.
  target.clock.advance(23 * HOUR)
  const late = await submit({ ip: '192.0.2.200', via: 'form', phone: '646-555-0123', prefix: '1646555' })
  t.equal(late.headers.location, '/c/summer/thanks?to=0123', 'answered the same')
  await target.app.dispatcher.settled()
  t.equal(target.standIn.calls.length, 1, 'after 23 h: still 1 call')

  // Past the 24-hour window: one more CTA, and only one.
  target.clock.advance(HOUR + MINUTE)
  const answersAfter: LightMyRequestResponse[] = []
  for (const attempt of bomb(20, '192.0.3')) answersAfter.push(await submit(attempt))
  await target.app.dispatcher.settled()
  t.equal(target.standIn.calls.length, 2, 'after 24 h: 20 more posts → 1 more call (2 in all)')
  t.ok(answersAfter.every((res, i) => res.statusCode === (i % 2 === 0 ? 303 : 202)), 'still answered as successes')
  t.match(await target.store.counts('summer'), { delivered: 2, duplicate: 139 }, '141 posts over 24 h → 2 sent, 139 duplicates')
})

t.test('pumping from one IPv6 /64, a new address per post: the per-IP budget should hold for the whole /64', async t => {
  const target = await buildTestApp(t, { campaigns, trustProxy: true, standIn: { limit: 1000 } })
  // Anyone with one IPv6 line holds a /64 (2^64 addresses); here 30 of them.
  const ips = Array.from({ length: 30 }, (_, i) => `2001:db8:1:2::${(i + 1).toString(16)}`)
  const submit = attacker(target, 'summer')
  const answered = new Map<number, number>()
  for (const [i, ip] of ips.entries()) {
    const res = await submit({ ip, via: 'form', phone: REFUSED[i % REFUSED.length]?.(i) ?? '', prefix: undefined })
    answered.set(res.statusCode, (answered.get(res.statusCode) ?? 0) + 1)
  }
  t.notOk(answered.has(500), 'never a 5xx')
  const through = [...answered].filter(([status]) => status !== 429).reduce((sum, [, n]) => sum + n, 0)
  // plugins/rate-limits.ts counts an IPv6 client by its /64, so the whole block shares one budget.
  t.ok(through <= DEFAULTS.perIpPerMinute, `30 posts from one /64 → ${through} got past the per-IP limit (max ${DEFAULTS.perIpPerMinute})`)
})
