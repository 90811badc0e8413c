// Property-based fuzzing of the phone field, the JSON API and the form body: hostile input gets a specific 4xx, never a 5xx or an SMS.
// Random seed per run; fast-check prints seed and path on failure. Replay with FC_SEED=<seed> FC_PATH=<path>.
import t from 'tap'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { buildTestApp, formTokenFor, usCampaign, type TestApp } from '../helper.ts'
import { parseCampaigns } from '../../src/campaigns/load.ts'
import type { Campaign } from '../../src/campaigns/campaign.ts'
import { normalizePhone, type CountryCode, type PhoneNumberType } from '../../src/phone/normalize.ts'

const replay = process.env.FC_SEED === undefined
  ? {}
  : { seed: Number(process.env.FC_SEED), ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }) }

// Rate limits and prefix velocity are tested elsewhere; here they would only turn valid signups into 429s and holds.
const off = { perIpPerMinute: 0, prefixVelocity: { max: 0, windowMinutes: 10 } }
const campaignsConfig = {
  summer: { ...usCampaign, groupIds: [12, 15], protection: off },
  world: { ...usCampaign, groupIds: [7], allowedCountries: ['US', 'CA', 'GB', 'MX'], protection: off }
}
const campaigns = parseCampaigns(stringify({ campaigns: campaignsConfig })).campaigns
const campaignOf = (slug: string) => campaigns.get(slug) as Campaign
const SLUGS = ['summer', 'world'] as const
type Slug = typeof SLUGS[number]
const TOKENS: Record<Slug, string> = { summer: formTokenFor('summer'), world: formTokenFor('world') }

// src/app.ts: a signup is a few hundred bytes; anything above this is refused before it is read.
const BODY_LIMIT = 16 * 1024

// ─── Inputs ──────────────────────────────────────────────────────────────────────────────────────────

const NASTY = [
  '', ' ', '\u0000', '\u0007', '\b', '\r\n', '\t', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029',
  '\u202e', '\u202a', '\u202c', '\u200f', '\u200d', '\u200b', '\ufeff', '\u00ad', '\u2066', '\u061c',
  'e\u0301', 'Z\u0351\u0352\u0353\u0354\u0355', '\u0663\u0301', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇺🇸', '\ud800', '\udfff', '\uffff', '\ufffe', '\u{10ffff}',
  '٠١٢٣٤٥٦٧٨٩', '۰۱۲۳۴۵۶۷۸۹', '０１２３４５６７８９', '𝟎𝟏𝟐𝟑', '१२३', '〇', 'Ⅻ', '½', '²', '᠐', '꧐',
  'שלום 646', 'مرحبا ٦٤٦', '\u202e3210-555-646\u202c',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '</textarea><script>x</script>',
  '<!--', ']]>', '&lt;script&gt;', 'javascript:alert(1)', '<%= it.sandbox %>', '<%~ process %>', '{{constructor.constructor("return process")()}}',
  '${process.exit()}', // eslint-disable-line no-template-curly-in-string -- a template-injection probe, on purpose
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'polluted',
  '%', '%%', '%zz', '%0', '%00', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%2e%2e%2f', '%252F', '%u0041', '%2B1%20646', '%5F%5Fproto%5F%5F',
  '+', '&', '=', '&&==', '#', '?', ';', ',', '..', '../../etc/passwd',
  'tel:', 'tel:%2B1-646-555-0123', 'tel:+1-646-555-0123;ext=12', 'tel:%', 'tel://+16465550123',
  'null', 'undefined', 'NaN', 'Infinity', '-0', '1e309', 'true', 'false', 'yes', 'on', '1', '0', '[]', '{}', '0x1F',
  "' OR '1'='1", 'SELECT 1; --'
]
const nasty = fc.constantFrom(...NASTY)

const DIGIT_SETS = ['0123456789', '٠١٢٣٤٥٦٧٨٩', '０１２３４５６７８９', '०१२३४५६७८९', '𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗']
/** Digits that may be a real number: valid US mobiles, premium, toll-free and foreign ranges, or noise. */
const digits = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('646', '212', '415', '617', '900', '800', '555', '011'), fc.constantFrom('555', '201', '734', '123'), fc.integer({ min: 0, max: 9999 })).map(([area, exchange, line]) => area + exchange + String(line).padStart(4, '0')) },
  { weight: 2, arbitrary: fc.constantFrom('16465550123', '447700900123', '447911123456', '442079460958', '4490980001', '5215512345678', '525512345678', '14165550123', '4915123456789', '33612345678', '882160000000', '37120000000', '16475550123', '18005550123', '19005550123') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 22 }) }
)
const separator = fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.constantFrom(' ', '-', '.', '(', ')', '/', '\u00a0', '\u2011', '\u2212', '\u200b', '\u202a', 'ー', '\t') })
/** Real mobile numbers of the campaigns' countries, written the ways people write them. */
const cleanPhone = fc.tuple(
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('646', '212', '415', '617', '312'), fc.constantFrom('555', '201', '734', '349'), fc.integer({ min: 0, max: 9999 })).map(([area, exchange, line]) => ['1', area, exchange, String(line).padStart(4, '0')]) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 999 }).map(line => ['44', '7700', '900', String(line).padStart(3, '0')]) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 9999 }).map(line => ['52', '55', '1234', String(line).padStart(4, '0')]) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 9999 }).map(line => ['1', '416', '555', String(line).padStart(4, '0')]) }
  ),
  fc.constantFrom('+C A B L', '+C (A) B-L', 'CABL', '00C A B L', 'tel:+C-A-B-L', '(A) B-L', 'A.B.L', 'A B L', '\u202a+C A B L\u202c'),
  fc.constantFrom(0, 0, 0, 0, 1, 2)
).map(([[country = '', a = '', b = '', l = ''], shape, set]) => {
  const script = [...(DIGIT_SETS[set] ?? '0123456789')]
  const text = shape.replace('C', country).replace('A', a).replace('B', b).replace('L', l)
  return [...text].map(c => /\d/.test(c) ? script[Number(c)] ?? c : c).join('')
})
/** What a person (or a bot) might type as a phone number: prefixes, separators, other scripts, extensions. */
const noisyPhone = fc.tuple(
  fc.constantFrom('', '', '', '+', '+1 ', '1', '001 ', '011 ', '00', '0', 'tel:', 'tel:+', '＋', '+52 1 ', ' '),
  digits,
  fc.array(separator, { minLength: 24, maxLength: 24 }),
  fc.constantFrom('', '', '', '', ' ext. 12', 'x12', '#', ',,12', ';ext=1', ' '),
  fc.constantFrom(...DIGIT_SETS.keys(), 0, 0, 0)
).map(([prefix, number, seps, suffix, set]) => {
  const script = [...(DIGIT_SETS[set] ?? '0123456789')]
  return prefix + [...number].map((d, i) => (script[Number(d)] ?? d) + (seps[i] ?? '')).join('') + suffix
})
const phoneLike = fc.oneof({ weight: 2, arbitrary: cleanPhone }, { weight: 1, arbitrary: noisyPhone })
const huge = fc.tuple(fc.constantFrom('9', 'x', '٣', '😀', '%41', '<', '\u0000', '&a=', 'é'), fc.oneof(fc.integer({ min: 60, max: 70 }), fc.integer({ min: 70, max: 20_000 })))
  .map(([chunk, n]) => chunk.repeat(n))

/** Any string a hostile client could send, weighted toward ones that almost look like phone numbers. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: phoneLike },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.array(nasty, { maxLength: 6 }).map(parts => parts.join('')) },
  { weight: 2, arbitrary: fc.tuple(phoneLike, nasty, fc.nat(24)).map(([phone, bad, at]) => phone.slice(0, at) + bad + phone.slice(at)) },
  { weight: 1, arbitrary: huge }
)

const API_FIELDS = ['phone', 'country', 'consent', 'source', 'pageUrl', 'referrer', 'formToken', 'captchaToken', 'website'] as const
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then']
const jsonKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...API_FIELDS) },
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 1, arbitrary: hostile }
)
// Key text as written in the JSON, including escaped spellings of __proto__ and constructor.
const jsonKeyText = fc.oneof(
  { weight: 8, arbitrary: jsonKey.map(key => JSON.stringify(key)) },
  { weight: 1, arbitrary: fc.constantFrom('"\\u005f\\u005fproto\\u005F\\u005F"', '"__pro\\u0074o__"', '"\\u0063onstructor"', '"constructo\\u0072"') }
)
const jsonScalar = fc.oneof(
  { weight: 4, arbitrary: hostile.map(text => JSON.stringify(text)) },
  { weight: 1, arbitrary: fc.double().map(n => JSON.stringify(n)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('true', 'false', 'null', '0', '1', '-0', '1e400', '16465550123', '6465550123', '-6465550123', '6.46555e9', '"true"', '"yes"', '{}', '[]') }
)
/** JSON text of any shape, objects keyed with prototype-pollution names at every level. */
const { json } = fc.letrec<{ json: string, arr: string, obj: string }>(tie => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 4 }, jsonScalar, tie('arr'), tie('obj')),
  arr: fc.array(tie('json'), { maxLength: 4 }).map(items => `[${items.join(',')}]`),
  obj: fc.array(fc.tuple(jsonKeyText, tie('json')), { maxLength: 5 }).map(pairs => `{${pairs.map(([key, value]) => `${key}:${value}`).join(',')}}`)
}))
const deep = fc.tuple(fc.integer({ min: 50, max: 9000 }), fc.constantFrom('array', 'object', 'phone')).map(([n, shape]) =>
  shape === 'array' ? '['.repeat(n) + ']'.repeat(n) : shape === 'object' ? '{"phone":'.repeat(n) + '1' + '}'.repeat(n) : `{"phone":${'['.repeat(n)}"6465550123"${']'.repeat(n)}}`)

/** `arbitrary` in `present` cases out of `present + absent`, else null. */
function sometimes<T> (arbitrary: fc.Arbitrary<T>, present: number, absent: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: present, arbitrary }, { weight: absent, arbitrary: fc.constant(null) })
}

/** A JSON field's value: mostly plausible (so that some signups are valid), otherwise anything. */
const fieldJson = (field: typeof API_FIELDS[number], slug: Slug): fc.Arbitrary<string> => {
  const plausible: Record<string, fc.Arbitrary<string>> = {
    phone: phoneLike.map(text => JSON.stringify(text)),
    consent: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('true', '"true"', '1', '["true"]') }, { weight: 1, arbitrary: fc.constantFrom('false', '"yes"', '0', 'null', '"on"') }),
    formToken: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(JSON.stringify(TOKENS[slug]), `[${JSON.stringify(TOKENS[slug])}]`) }, { weight: 1, arbitrary: fc.constantFrom(JSON.stringify(TOKENS[slug === 'summer' ? 'world' : 'summer']), '""', `[${JSON.stringify(TOKENS[slug])},""]`) }),
    country: fc.constantFrom('"US"', '"gb"', '" mx"', '"CA"', '"XX"', '""', 'null', '"USA"'),
    website: fc.constantFrom('""', '""', 'null', '"http://spam.example"', '0', 'false')
  }
  const likely = plausible[field]
  return likely === undefined ? json : fc.oneof({ weight: 8, arbitrary: likely }, { weight: 1, arbitrary: json })
}
const pairsText = (pairs: Array<[string, string]>) => `{${pairs.map(([key, value]) => `${key}:${value}`).join(',')}}`

/** A signup-shaped JSON object: known fields (each maybe absent), extra keys, duplicates, any order. */
const signupJson = (slug: Slug) => fc.tuple(
  fc.record({
    phone: sometimes(fieldJson('phone', slug), 8, 1),
    consent: sometimes(fieldJson('consent', slug), 6, 1),
    formToken: sometimes(fieldJson('formToken', slug), 10, 1),
    country: sometimes(fieldJson('country', slug), 1, 1),
    website: sometimes(fieldJson('website', slug), 1, 4),
    other: sometimes(fc.tuple(fc.constantFrom('source', 'pageUrl', 'referrer', 'captchaToken'), json), 1, 2)
  }),
  fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(jsonKeyText, json), { maxLength: 3 }) })
).chain(([known, extra]) => {
  const pairs: Array<[string, string]> = []
  for (const field of ['phone', 'consent', 'formToken', 'country', 'website'] as const) {
    const value = known[field]
    if (value !== null) pairs.push([JSON.stringify(field), value])
  }
  if (known.other !== null) pairs.push([JSON.stringify(known.other[0]), known.other[1]])
  pairs.push(...extra)
  return fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length }).map(pairsText)
})

/** A signup padded to just under or just over the body limit. */
const nearTheLimit = (slug: Slug) => fc.tuple(signupJson(slug), fc.integer({ min: BODY_LIMIT - 400, max: BODY_LIMIT + 400 })).map(([text, size]) => {
  const padding = `"padding":"${'p'.repeat(Math.max(0, size - text.length - 14))}"`
  return text === '{}' ? `{${padding}}` : text.replace(/^\{/, `{${padding},`)
})

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'Application/Json;charset=UTF-8']
const OTHER_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'text/json', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/vnd.api+json']
const apiRequest = fc.constantFrom(...SLUGS).chain(slug => fc.record({
  slug: fc.constant(slug),
  contentType: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...JSON_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_TYPES) }),
  payload: fc.oneof(
    { weight: 12, arbitrary: signupJson(slug) },
    { weight: 3, arbitrary: json },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: hostile },
    { weight: 1, arbitrary: nearTheLimit(slug) }
  )
}))

const FORM_FIELDS = ['phone', 'consent', 'formToken', 'website', 'country', 'source', 'referrer', 'cf-turnstile-response', 'h-captcha-response']
const formKey = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...FORM_FIELDS) },
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS, '__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__.polluted', 'constructor.prototype.polluted', 'phone[]', 'phone[0]', 'phone[__proto__]', 'a[b][c][d]') },
  { weight: 1, arbitrary: hostile }
)
const formValue = (slug: Slug) => fc.oneof(
  { weight: 4, arbitrary: phoneLike },
  { weight: 2, arbitrary: fc.constantFrom('yes', 'on', 'true', '1', 'no', '', 'YES', TOKENS[slug], TOKENS[slug === 'summer' ? 'world' : 'summer'], 'US', 'gb', 'XX') },
  { weight: 3, arbitrary: hostile }
)
type Encoding = 'component' | 'plus' | 'raw' | 'every'
/** How a pair is written: properly encoded, spaces as +, raw (so & = % + break it up), or every byte percent-encoded. */
function encode (text: string, how: Encoding): string {
  if (how === 'raw') return text
  if (how === 'every') return [...text].map(c => c.length === 1 && c.charCodeAt(0) < 0x80 ? '%' + c.charCodeAt(0).toString(16).padStart(2, '0') : safeEncode(c)).join('')
  const encoded = safeEncode(text)
  return how === 'plus' ? encoded.replaceAll('%20', '+') : encoded
}
// encodeURIComponent throws on a lone surrogate; a client library would send U+FFFD.
function safeEncode (text: string): string {
  return encodeURIComponent(text.toWellFormed())
}
const encoding = fc.constantFrom<Encoding>('component', 'component', 'component', 'component', 'component', 'plus', 'raw', 'every')
const formPair = (key: fc.Arbitrary<string>, value: fc.Arbitrary<string>) =>
  fc.tuple(key, value, encoding, fc.oneof({ weight: 8, arbitrary: fc.constant('=') }, { weight: 1, arbitrary: fc.constantFrom('', '==') })).map(([k, v, how, eq]) => encode(k, how) + (eq === '' ? '' : eq + encode(v, how)))
/** A known field written correctly (however encoded), so that some signups are valid. */
const knownPair = (key: string, value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.constantFrom<Encoding>('component', 'component', 'component', 'component', 'plus', 'every')).map(([v, how]) => encode(key, how) + '=' + encode(v, how))
const formRequest = fc.constantFrom(...SLUGS).chain(slug => fc.record({
  slug: fc.constant(slug),
  payload: fc.tuple(
    fc.record({
      phone: sometimes(knownPair('phone', phoneLike), 8, 1),
      consent: sometimes(knownPair('consent', fc.oneof({ weight: 5, arbitrary: fc.constantFrom('yes', 'on', 'true', '1') }, { weight: 1, arbitrary: fc.constantFrom('no', '', 'YES') })), 8, 1),
      formToken: sometimes(knownPair('formToken', fc.oneof({ weight: 8, arbitrary: fc.constant(TOKENS[slug]) }, { weight: 1, arbitrary: fc.constantFrom(TOKENS[slug === 'summer' ? 'world' : 'summer'], '', TOKENS[slug] + '=') })), 10, 1),
      country: sometimes(knownPair('country', fc.constantFrom('US', 'gb', ' MX ', 'CA', 'XX', '')), 1, 1),
      website: sometimes(knownPair('website', fc.constantFrom('', '', 'http://spam.example')), 1, 6)
    }),
    fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(formPair(formKey, formValue(slug)), { maxLength: 4 }) }),
    fc.oneof({ weight: 8, arbitrary: fc.constant('&') }, { weight: 1, arbitrary: fc.constantFrom('&&', ';') }),
    fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&', '=', '%') })
  ).chain(([known, extra, joiner, tail]) => {
    const parts = [...Object.values(known).filter(part => part !== null), ...extra]
    return fc.oneof(
      { weight: 12, arbitrary: fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }).map(ordered => ordered.join(joiner) + tail) },
      { weight: 1, arbitrary: hostile },
      { weight: 1, arbitrary: huge.map(h => parts.join('&') + '&website=&phone=' + h) }
    )
  })
}))

// ─── Oracles: what the answer must be, decided without asking the app ───────────────────────────────

interface Expected {
  status: number
  /** The PhoneNumber that must reach the upstream (unless already sent: a duplicate), when the signup is real. */
  sends?: string
  /** Answered like a success but kept from the upstream (the honeypot). */
  bot?: boolean
}

// The consent values the form's checkbox may post (signup/service.ts); JSON callers send a boolean.
const FORM_CONSENT = new Set(['true', 'yes', 'on', '1'])

function phoneRules (campaign: Campaign) {
  return { defaultCountry: campaign.country, allowedCountries: campaign.allowedCountries }
}

/** What the server decodes: the payload travels as UTF-8, so lone surrogates arrive as U+FFFD. */
function received (payload: string): string {
  return Buffer.from(payload, 'utf8').toString('utf8')
}

/** A key secure-json-parse refuses: an own __proto__, or a constructor object with an own prototype. */
function poisoned (root: unknown): boolean {
  const stack = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object') continue
    if (Object.hasOwn(node, '__proto__')) return true
    const record = node as Record<string, unknown>
    const ctor = Object.hasOwn(node, 'constructor') ? record.constructor : undefined
    if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true
    stack.push(...Object.values(record))
  }
  return false
}

const FAIL = Symbol('fail')
/** Fastify's Ajv: coerceTypes 'array' unwraps a one-item array, then coerces scalars to the schema's type. */
function coerce (value: unknown, to: 'string' | 'boolean'): string | boolean | typeof FAIL {
  const v = Array.isArray(value) && value.length === 1 ? value[0] as unknown : value
  if (to === 'string') {
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    return v === null ? '' : FAIL
  }
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === 1) return true
  if (v === 'false' || v === 0 || v === null) return false
  return FAIL
}
// maxLength of each API field (routes/signup-api.ts); Ajv counts code points.
const API_SCHEMA: Record<typeof API_FIELDS[number], ['string', number] | ['boolean']> = {
  phone: ['string', 64],
  country: ['string', 2],
  consent: ['boolean'],
  source: ['string', 64],
  pageUrl: ['string', 1000],
  referrer: ['string', 1000],
  formToken: ['string', 512],
  captchaToken: ['string', 4096],
  website: ['string', 200]
}

function expectedApi (slug: Slug, contentType: string, payload: string): Expected {
  const campaign = campaignOf(slug)
  const media = contentType.split(';')[0]?.trim().toLowerCase()
  const tooLarge = Buffer.byteLength(payload) > BODY_LIMIT
  // Types Fastify has a parser for are read (and may be too large) before the route refuses them.
  if (media !== 'application/json') return { status: tooLarge && (media === 'text/plain' || media === 'application/x-www-form-urlencoded') ? 413 : 415 }
  if (tooLarge) return { status: 413 }
  // A leading BOM is tolerated by the JSON parser.
  const text = received(payload).replace(/^\ufeff/, '')
  if (text === '') return { status: 400 }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { status: 400 }
  }
  if (poisoned(body)) return { status: 400 }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { status: 422 }
  const fields: Partial<Record<typeof API_FIELDS[number], string | boolean>> = {}
  for (const name of API_FIELDS) {
    if (!Object.hasOwn(body, name)) continue
    const [type, max] = API_SCHEMA[name]
    const value = coerce((body as Record<string, unknown>)[name], type)
    if (value === FAIL || (typeof value === 'string' && max !== undefined && [...value].length > max)) return { status: 422 }
    fields[name] = value
  }
  // The honeypot is checked first (then the token is not looked at); a bot gets what a person typing
  // the same would get: a refusal for invalid input, a success (kept, not sent) for valid input.
  const bot = typeof fields.website === 'string' && fields.website !== ''
  if (!bot && fields.formToken !== TOKENS[slug]) return { status: 422 }
  const chosen = campaign.allowedCountries.length > 1 ? fields.country : undefined
  const phone = normalizePhone(fields.phone, phoneRules(campaign), chosen)
  if (!phone.ok || fields.consent !== true) return { status: 422 }
  return bot ? { status: 202, bot: true } : { status: 202, sends: phone.phoneNumber }
}

/** application/x-www-form-urlencoded as browsers write it; a pair that fails to decode is kept as written. */
function parseForm (text: string): Map<string, string | string[]> {
  const decode = (part: string) => {
    const spaced = part.replaceAll('+', ' ')
    try {
      return decodeURIComponent(spaced)
    } catch {
      return spaced
    }
  }
  const body = new Map<string, string | string[]>()
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const key = decode(eq === -1 ? pair : pair.slice(0, eq))
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1))
    const before = body.get(key)
    body.set(key, before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value])
  }
  return body
}

function expectedForm (slug: Slug, payload: string): Expected {
  const campaign = campaignOf(slug)
  if (Buffer.byteLength(payload) > BODY_LIMIT) return { status: 413 }
  const body = parseForm(received(payload))
  const honeypot = body.get('website')
  const bot = typeof honeypot === 'string' && honeypot !== ''
  if (!bot && body.get('formToken') !== TOKENS[slug]) return { status: 422 }
  const chosen = campaign.allowedCountries.length > 1 ? body.get('country') : undefined
  const phone = normalizePhone(body.get('phone'), phoneRules(campaign), chosen)
  const consent = body.get('consent')
  if (!phone.ok || typeof consent !== 'string' || !FORM_CONSENT.has(consent)) return { status: 422 }
  return bot ? { status: 303, bot: true } : { status: 303, sends: phone.phoneNumber }
}

// ─── Checks shared by both routes ──────────────────────────────────────────────────────────────────

class PropertyFailure extends Error {}
function check (condition: unknown, message: string): asserts condition {
  if (!condition) throw new PropertyFailure(message)
}

const prototypeNames = () => [Object.prototype, Array.prototype, Function.prototype, String.prototype]
  .map(proto => Object.getOwnPropertyNames(proto).sort().join(',')).join('|')
const pristine = prototypeNames()
function checkNoPollution (): void {
  check(({} as Record<string, unknown>).polluted === undefined, 'Object.prototype.polluted was set')
  check(prototypeNames() === pristine, 'a built-in prototype gained a property')
}

/** Tag and attribute names of a page, with every quoted attribute value removed first. */
function markup (html: string): { tags: Set<string>, attributes: Set<string> } {
  const tags = new Set<string>()
  const attributes = new Set<string>()
  for (const [, name = '', rest = ''] of html.replace(/"[^"]*"/g, '""').matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    tags.add(name.toLowerCase())
    for (const [attribute = ''] of rest.matchAll(/[^\s="'/]+(?==|\s|$)/g)) attributes.add(attribute.toLowerCase())
  }
  return { tags, attributes }
}

/** The pages' own vocabulary: whatever a visitor sends, a page never gains a tag or an attribute (no XSS). */
async function baselineMarkup (app: TestApp['app']) {
  const pages = [
    await app.inject('/c/summer'),
    await app.inject('/c/world'),
    await app.inject(formPostOf('summer', { phone: '12', formToken: TOKENS.summer, source: 'poster', referrer: 'https://news.example/' })),
    await app.inject(formPostOf('world', { phone: '12', country: 'XX', formToken: TOKENS.world })),
    await app.inject(formPostOf('summer', { phone: '', consent: 'yes' })),
    await app.inject(formPostOf('summer', { phone: 'x'.repeat(BODY_LIMIT) }))
  ]
  const tags = new Set<string>()
  const attributes = new Set<string>()
  for (const page of pages) {
    const found = markup(page.body)
    for (const tag of found.tags) tags.add(tag)
    for (const attribute of found.attributes) attributes.add(attribute)
  }
  return { tags, attributes }
}

function formPostOf (slug: string, fields: Record<string, string>) {
  return { method: 'POST' as const, url: `/c/${slug}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() }
}

function checkMarkup (html: string, baseline: { tags: Set<string>, attributes: Set<string> }): void {
  check(!/<script|<img|<svg|<iframe/i.test(html), 'a page contains a tag from the input')
  const found = markup(html)
  for (const tag of found.tags) check(baseline.tags.has(tag), `a page gained the tag <${tag}>`)
  for (const attribute of found.attributes) check(baseline.attributes.has(attribute), `a page gained the attribute ${attribute}`)
}

/** After each request: what reached the upstream is exactly the new, valid signup (or nothing). */
async function checkUpstream (fuzz: TestApp, expected: Expected, before: number, sent: Set<string>, groupIds: Record<Slug, number[]>, slug: Slug) {
  await fuzz.app.dispatcher.settled()
  const calls = fuzz.standIn.calls.slice(before)
  const key = `${slug}|${expected.sends ?? ''}`
  if (expected.sends !== undefined && !sent.has(key)) {
    sent.add(key)
    check(calls.length === 1, `a valid signup made ${calls.length} upstream calls`)
    const body = calls[0]?.body as { PhoneNumber?: unknown, GroupIds?: unknown } | undefined
    check(body?.PhoneNumber === expected.sends && JSON.stringify(body.GroupIds) === JSON.stringify(groupIds[slug]), `the upstream got ${JSON.stringify(body)}, expected ${expected.sends}`)
  } else {
    check(calls.length === 0, `${calls.length} upstream calls for an input that must not send (${JSON.stringify(expected)})`)
  }
}

const GROUP_IDS: Record<Slug, number[]> = { summer: [12, 15], world: [7] }

function tally (counts: Map<number, number>, status: number) {
  counts.set(status, (counts.get(status) ?? 0) + 1)
}
const summary = (counts: Map<number, number>) => [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')

// ─── Properties ────────────────────────────────────────────────────────────────────────────────────

const REFUSAL_CODES = new Set(['empty', 'not_a_number', 'extension', 'too_short', 'too_long', 'invalid', 'country_not_allowed', 'country_not_offered', 'unsupported_type'])
// Types that cannot take a text or cost extra (compliance-and-abuse.md): never accepted.
const NEVER_ACCEPTED: ReadonlySet<PhoneNumberType> = new Set<PhoneNumberType>(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'PAGER', 'VOICEMAIL', 'UAN', 'PERSONAL_NUMBER', 'VOIP'])
const COUNTRIES: CountryCode[] = ['US', 'CA', 'GB', 'DE', 'FR', 'MX', 'JP', 'KR', 'BR', 'AU', 'IN', 'NG', 'TJ', 'LV']

t.test('normalizePhone: 10 000 hostile inputs, never a throw; ok means a textable number of an allowed country, else a known refusal', async t => {
  const input = fc.oneof(
    { weight: 6, arbitrary: phoneLike },
    { weight: 4, arbitrary: hostile },
    { weight: 1, arbitrary: fc.anything({ key: jsonKey, withBoxedValues: true, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withSparseArray: true, withTypedArray: true }) }
  )
  const rules = fc.record({
    defaultCountry: fc.oneof({ weight: 3, arbitrary: fc.constant<CountryCode>('US') }, { weight: 2, arbitrary: fc.constantFrom(...COUNTRIES) }),
    allowedCountries: fc.oneof(fc.constant<CountryCode[]>([]), fc.subarray(COUNTRIES, { maxLength: 4 }))
  })
  const chosen = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(...COUNTRIES, 'us', ' gb ', '', 'XX', 'USA', null, 1, ['US'], { toString: () => 'US' }) },
    { weight: 1, arbitrary: hostile }
  )
  const codes = new Map<string, number>()
  fc.assert(fc.property(input, rules, chosen, (value, phoneRules, country) => {
    const result = normalizePhone(value, phoneRules, country)
    const allowed = phoneRules.allowedCountries.length > 0 ? phoneRules.allowedCountries : [phoneRules.defaultCountry]
    codes.set(result.ok ? 'ok' : result.code, (codes.get(result.ok ? 'ok' : result.code) ?? 0) + 1)
    if (result.ok) {
      check(typeof value === 'string', 'only a string can be a phone number')
      check(/^[1-9]\d{6,14}$/.test(result.phoneNumber), `PhoneNumber ${result.phoneNumber} is not 7–15 digits`)
      check(result.e164 === `+${result.phoneNumber}`, 'e164 and PhoneNumber disagree')
      check(allowed.includes(result.country), `${result.country} is not allowed`)
      check(result.type === undefined || !NEVER_ACCEPTED.has(result.type), `a ${result.type} number was accepted`)
      const again = normalizePhone(result.e164, { defaultCountry: phoneRules.defaultCountry, allowedCountries: allowed })
      check(again.ok && again.phoneNumber === result.phoneNumber, 'the normalized number does not normalize to itself')
    } else {
      check(REFUSAL_CODES.has(result.code), `unknown refusal ${String(result.code)}`)
      check(typeof result.message === 'string' && result.message.length > 20 && !/[<>]/.test(result.message), 'a refusal without a plain message')
      if (typeof value === 'string' && /\d{4}/.test(value)) check(!result.message.includes(value.trim()), 'the refusal echoes the input')
    }
  }), { numRuns: 10_000, ...replay })
  t.ok(codes.get('ok'), `some inputs were valid numbers (${[...codes].map(([code, n]) => `${code}×${n}`).join(' ')})`)
  t.ok(codes.size >= 8, 'most refusal codes were reached')
})

t.test('JSON API: 2000 hostile bodies, always the exact 4xx (or 202 only for a real signup), no upstream call unless valid, no pollution', async t => {
  const fuzz = await buildTestApp(t, { campaigns: campaignsConfig, standIn: { limit: 100_000 } })
  const sent = new Set<string>()
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(apiRequest, async ({ slug, contentType, payload }) => {
    const expected = expectedApi(slug, contentType, payload)
    const before = fuzz.standIn.calls.length
    const res = await fuzz.app.inject({ method: 'POST', url: `/api/v1/campaigns/${slug}/signups`, headers: { 'content-type': contentType }, payload })
    tally(statuses, res.statusCode)
    check(res.statusCode === expected.status, `answered ${res.statusCode}, expected ${expected.status}: ${res.body.slice(0, 300)}`)
    check(String(res.headers['content-type']).startsWith('application/json'), 'not a JSON answer')
    check(!/<script|<img|<svg/i.test(res.body), 'the answer echoes markup')
    const answer = JSON.parse(res.body) as { status?: string, last4?: string, errors?: Array<{ field: unknown, message: unknown }> }
    if (expected.status === 202) {
      check(answer.status === 'accepted', 'a 202 without status accepted')
      if (expected.sends !== undefined) check(answer.last4 === expected.sends.slice(-4), 'last4 is not the number\'s')
    } else {
      check(Array.isArray(answer.errors) && answer.errors.length > 0 && answer.errors.every(e => typeof e.field === 'string' && typeof e.message === 'string' && e.message !== ''), 'a refusal without field errors')
    }
    await checkUpstream(fuzz, expected, before, sent, GROUP_IDS, slug)
    checkNoPollution()
  }), { numRuns: 2000, ...replay })
  t.pass(`answers: ${summary(statuses)}; ${sent.size} distinct signups sent`)
  t.ok((statuses.get(202) ?? 0) > 50 && (statuses.get(422) ?? 0) > 300 && statuses.has(400) && statuses.has(413) && statuses.has(415), 'every kind of answer was exercised')
  t.equal(fuzz.standIn.calls.length, sent.size, 'one upstream call per distinct valid number')
  t.notMatch(fuzz.logs(), /"level":(50|60)/, 'no error was logged')
  t.equal((await fuzz.app.inject('/healthz')).statusCode, 200, 'still alive')
})

t.test('form: 2000 hostile url-encoded bodies, always the exact 4xx (or 303 only for a real signup), escaped pages, no upstream call unless valid', async t => {
  const fuzz = await buildTestApp(t, { campaigns: campaignsConfig, standIn: { limit: 100_000 } })
  const baseline = await baselineMarkup(fuzz.app)
  t.ok(baseline.tags.has('input') && baseline.attributes.has('value'), 'the baseline pages have the form')
  const sent = new Set<string>()
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(formRequest, async ({ slug, payload }) => {
    const expected = expectedForm(slug, payload)
    const before = fuzz.standIn.calls.length
    const res = await fuzz.app.inject({ method: 'POST', url: `/c/${slug}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })
    tally(statuses, res.statusCode)
    check(res.statusCode === expected.status, `answered ${res.statusCode}, expected ${expected.status}`)
    if (expected.status === 303) {
      const location = String(res.headers.location)
      if (expected.sends !== undefined) check(location === `/c/${slug}/thanks?to=${expected.sends.slice(-4)}`, `redirected to ${location}`)
      else check(/^\/c\/[a-z]+\/thanks\?to=\d{0,4}$/.test(location), `a bot was redirected to ${location}`)
    } else {
      check(String(res.headers['content-type']).startsWith('text/html'), 'a refusal that is not a page')
      checkMarkup(res.body, baseline)
    }
    await checkUpstream(fuzz, expected, before, sent, GROUP_IDS, slug)
    checkNoPollution()
  }), { numRuns: 2000, ...replay })
  t.pass(`answers: ${summary(statuses)}; ${sent.size} distinct signups sent`)
  t.ok((statuses.get(303) ?? 0) > 50 && (statuses.get(422) ?? 0) > 300 && statuses.has(413), 'every kind of answer was exercised')
  t.equal(fuzz.standIn.calls.length, sent.size, 'one upstream call per distinct valid number')
  t.notMatch(fuzz.logs(), /"level":(50|60)/, 'no error was logged')
  t.equal((await fuzz.app.inject('/healthz')).statusCode, 200, 'still alive')
})

/** A path segment as a hostile client writes it: encoded, double-encoded, or with broken percent-escapes. */
const segment = fc.tuple(hostile, fc.constantFrom('component', 'double', 'broken', 'ascii'), fc.constantFrom('%', '%Z', '%E0%A4', '%ED%A0%80', '%C0%AF', '%00')).map(([text, how, broken]) => {
  const encoded = safeEncode(text)
  if (how === 'double') return encoded.replaceAll('%', '%25')
  if (how === 'broken') return encoded + broken
  // Printable ASCII sent as is (what a raw socket can put in a request line).
  return how === 'ascii' ? [...text].filter(c => c > ' ' && c < '\x7f' && c !== '#' && c !== '?').join('') || encoded : encoded
})
const urlRequest = fc.record({
  method: fc.constantFrom<'GET' | 'POST' | 'OPTIONS' | 'HEAD' | 'PUT' | 'DELETE'>('GET', 'GET', 'GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'DELETE'),
  path: fc.tuple(fc.constantFrom('/c/', '/c/summer/', '/c/summer/thanks/', '/api/v1/campaigns/', '/api/v1/campaigns/summer/', '/assets/', '/', '/healthz/'), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '', '/signups', '/form-token', '/thanks'))
    .map(([prefix, parts, suffix]) => prefix + parts.join('/') + suffix),
  query: fc.oneof(fc.constant(''), fc.array(formPair(formKey, formValue('summer')), { maxLength: 3 }).map(pairs => '?' + pairs.join('&'))),
  origin: fc.constantFrom(undefined, 'https://evil.example', 'null')
})

t.test('paths: 1000 hostile URLs and methods, never a 5xx or a crash', async t => {
  const fuzz = await buildTestApp(t, { campaigns: campaignsConfig, standIn: { limit: 100_000 } })
  const statuses = new Map<number, number>()
  const bare: string[] = []
  await fc.assert(fc.asyncProperty(urlRequest, async ({ method, path, query, origin }) => {
    const res = await fuzz.app.inject({ method, url: path + query, headers: origin === undefined ? {} : { origin } })
    tally(statuses, res.statusCode)
    check(res.statusCode < 500, `${method} ${path + query} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
    if (res.headers['x-content-type-options'] !== 'nosniff' && bare.length < 5) bare.push(`${method} ${path} → ${res.statusCode} ${res.body.slice(0, 80)}`)
    checkNoPollution()
  }), { numRuns: 1000, ...replay })
  t.pass(`answers: ${summary(statuses)}`)
  await fuzz.app.dispatcher.settled()
  t.equal(fuzz.standIn.calls.length, 0, 'no URL alone ever sent anything')
  // Includes FST_ERR_BAD_URL (400) and FST_ERR_MAX_PARAM_LENGTH (414), answered before routing (app.ts: frameworkErrors).
  t.same(bare, [], 'every answer carries the security headers (nosniff, CSP)')
})
