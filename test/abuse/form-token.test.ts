// Form tokens: round trip, every refusal reason, tampering, rotation and hostile input, on an injected clock.

import { randomBytes } from 'node:crypto'
import t from 'tap'
import { createFormTokens, DEFAULT_MAX_AGE_MS, MAX_TOKEN_LENGTH } from '../../src/abuse/form-token.ts'
import type { FormTokenOptions } from '../../src/abuse/form-token.ts'

const SECRET = Buffer.alloc(32, 7)
const OTHER = Buffer.alloc(32, 9)
const START = Date.UTC(2026, 5, 1, 12, 0, 0)

function setup (options: Partial<FormTokenOptions> = {}) {
  let time = START
  const tokens = createFormTokens({ secret: SECRET, now: () => time, ...options })
  return {
    tokens,
    advance (ms: number) { time += ms },
    set (ms: number) { time = ms }
  }
}

t.test('a token issued for a campaign verifies for it once the minimum age has passed', async (t) => {
  const { tokens, advance } = setup()
  const token = tokens.issue('summer')
  t.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
  t.ok(token.length < 200, `compact: ${token.length} chars`)
  advance(4_000)
  t.same(tokens.verify(token, 'summer'), { ok: true, ageMs: 4_000 })
  t.not(tokens.issue('summer'), tokens.issue('summer'), 'a random nonce makes every token different')
})

t.test('the age window: too fast, exactly at the limits, expired, from the future', async (t) => {
  const { tokens, advance, set } = setup()
  const token = tokens.issue('summer')
  t.same(tokens.verify(token, 'summer'), { ok: false, reason: 'too_fast' })
  advance(2_499)
  t.same(tokens.verify(token, 'summer'), { ok: false, reason: 'too_fast' })
  advance(1)
  t.same(tokens.verify(token, 'summer'), { ok: true, ageMs: 2_500 })
  set(START + DEFAULT_MAX_AGE_MS)
  t.same(tokens.verify(token, 'summer'), { ok: true, ageMs: DEFAULT_MAX_AGE_MS }, 'a page left open for 4 hours still works')
  advance(1)
  t.same(tokens.verify(token, 'summer'), { ok: false, reason: 'expired' })

  // Another instance whose clock runs ahead issued these.
  set(START - 30_000)
  t.same(tokens.verify(token, 'summer'), { ok: false, reason: 'too_fast' }, '30 s ahead is tolerated, but has not aged')
  set(START - 30_001)
  t.same(tokens.verify(token, 'summer'), { ok: false, reason: 'from_the_future' })
})

t.test('options and per-campaign overrides of the minimum age', async (t) => {
  const { tokens, advance } = setup({ minAgeMs: 0, maxAgeMs: 60_000, maxFutureSkewMs: 0 })
  const token = tokens.issue('kiosk')
  t.same(tokens.verify(token, 'kiosk'), { ok: true, ageMs: 0 })
  t.same(tokens.verify(token, 'kiosk', { minAgeMs: 5_000 }), { ok: false, reason: 'too_fast' })
  t.same(tokens.verify(token, 'kiosk', { minAgeMs: Number.NaN }), { ok: true, ageMs: 0 }, 'a nonsense override is ignored')
  advance(60_001)
  t.same(tokens.verify(token, 'kiosk'), { ok: false, reason: 'expired' })
  advance(-60_002)
  t.same(tokens.verify(token, 'kiosk'), { ok: false, reason: 'from_the_future' })
})

t.test('a token is bound to its campaign', async (t) => {
  const { tokens, advance } = setup()
  const token = tokens.issue('summer')
  advance(5_000)
  t.same(tokens.verify(token, 'winter'), { ok: false, reason: 'wrong_campaign' })
  t.same(tokens.verify(token, 'summe'), { ok: false, reason: 'wrong_campaign' })
  t.same(tokens.verify(token, 'summer '), { ok: false, reason: 'wrong_campaign' })
  t.same(tokens.verify(token, undefined as unknown as string), { ok: false, reason: 'wrong_campaign' })
})

t.test('missing and malformed input never throws', async (t) => {
  const { tokens, advance } = setup()
  const good = tokens.issue('summer')
  advance(5_000)
  for (const token of [undefined, null, '']) {
    t.same(tokens.verify(token, 'summer'), { ok: false, reason: 'missing' }, `${String(token)} is missing`)
  }
  const hostile: unknown[] = [
    0, 42, Number.NaN, true, {}, [], [good], { toString: () => good }, Symbol('x'), 10n, () => good,
    ' ', '.', '..', 'a.b', `${good}.`, `.${good}`, ` ${good}`, `${good} `, `${good}\n`, good.replace('.', '..'),
    good.split('.')[0], `${good.split('.')[0]}.`, good.replace(/.$/, '='), good.replace(/^./, '+'),
    'x'.repeat(MAX_TOKEN_LENGTH + 1), `${good}${'A'.repeat(MAX_TOKEN_LENGTH)}`, 'a'.repeat(10_000_000),
    '🙂.🙂', `${good}🙂`, good.replace(/^(.)/, 'é'), '\u0000.\u0000', 'AAAA.AAAA',
    // A well-formed token of an unknown version.
    `${Buffer.from([2, ...Buffer.alloc(30)]).toString('base64url')}.${Buffer.alloc(32).toString('base64url')}`
  ]
  for (const token of hostile) {
    const check = tokens.verify(token, 'summer')
    t.equal(check.ok, false, `refused: ${typeof token === 'string' ? JSON.stringify(token.slice(0, 40)) : typeof token}`)
    t.equal(check.ok ? '' : check.reason, 'malformed')
  }
  t.same(tokens.verify(good, 'summer'), { ok: true, ageMs: 5_000 }, 'the good token still verifies')
})

t.test('changing any single character of a token breaks it', async (t) => {
  const { tokens, advance } = setup()
  const token = tokens.issue('summer')
  advance(5_000)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let refused = 0
  for (let i = 0; i < token.length; i++) {
    // Every other base64url character, including ones that differ only in the spare low bits of the last one.
    for (const replacement of alphabet) {
      if (replacement === token[i] || token[i] === '.') continue
      const tampered = token.slice(0, i) + replacement + token.slice(i + 1)
      const check = tokens.verify(tampered, 'summer')
      if (check.ok) t.fail(`position ${i} → ${replacement} still verified`)
      else refused++
      if (!check.ok && check.reason !== 'bad_signature' && check.reason !== 'malformed') t.fail(`position ${i}: ${check.reason}`)
    }
  }
  t.equal(refused, (token.length - 1) * 63)
  t.same(tokens.verify(token, 'summer'), { ok: true, ageMs: 5_000 })
})

t.test('a flipped bit in the payload is a bad signature, not a time or campaign verdict', async (t) => {
  const { tokens, advance } = setup()
  const [payload, signature] = tokens.issue('summer').split('.') as [string, string]
  advance(5_000)
  const bytes = Buffer.from(payload, 'base64url')
  for (let i = 1; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const copy = Buffer.from(bytes)
      copy[i] = (copy[i] as number) ^ (1 << bit)
      t.same(tokens.verify(`${copy.toString('base64url')}.${signature}`, 'summer'), { ok: false, reason: 'bad_signature' })
    }
  }
  // The same payload re-signed by someone without our key.
  t.same(tokens.verify(`${payload}.${randomBytes(32).toString('base64url')}`, 'summer'), { ok: false, reason: 'bad_signature' })
  t.same(tokens.verify(`${payload}.${randomBytes(16).toString('base64url')}`, 'summer'), { ok: false, reason: 'malformed' }, 'a short signature is refused before comparing')
})

t.test('another secret does not verify, and rotation keeps old tokens working', async (t) => {
  const old = setup({ secret: OTHER })
  const oldToken = old.tokens.issue('summer')
  const { tokens, advance } = setup({ secret: [SECRET, OTHER] })
  const newToken = tokens.issue('summer')
  const onlyNew = setup({ secret: [SECRET] })
  advance(5_000)
  onlyNew.advance(5_000)
  t.same(tokens.verify(oldToken, 'summer'), { ok: true, ageMs: 5_000 }, 'a token signed with the previous key')
  t.same(tokens.verify(newToken, 'summer'), { ok: true, ageMs: 5_000 })
  t.same(onlyNew.tokens.verify(newToken, 'summer'), { ok: true, ageMs: 5_000 }, 'new tokens are signed with the first key')
  t.same(onlyNew.tokens.verify(oldToken, 'summer'), { ok: false, reason: 'bad_signature' }, 'once the old key is dropped')
})

t.test('campaign names: unicode round trips, bounds are enforced at issue', async (t) => {
  const { tokens, advance } = setup()
  const token = tokens.issue('été-🙂')
  advance(3_000)
  t.same(tokens.verify(token, 'été-🙂'), { ok: true, ageMs: 3_000 })
  t.same(tokens.verify(token, 'ete-🙂'), { ok: false, reason: 'wrong_campaign' })
  const longest = tokens.issue('c'.repeat(128))
  t.ok(longest.length <= MAX_TOKEN_LENGTH, `the longest token is ${longest.length} chars`)
  t.throws(() => tokens.issue(''), TypeError)
  t.throws(() => tokens.issue('c'.repeat(129)), TypeError)
  t.throws(() => tokens.issue(7 as unknown as string), TypeError)
})

t.test('bad options fail at construction, without echoing the key', async (t) => {
  const now = () => 0
  t.throws(() => createFormTokens({ secret: [], now }), /at least one key/)
  t.throws(() => createFormTokens({ secret: Buffer.alloc(31), now }), /at least 32 bytes/)
  t.throws(() => createFormTokens({ secret: [SECRET, Buffer.alloc(8)], now }), /at least 32 bytes/)
  t.throws(() => createFormTokens({ secret: 'a string secret' as unknown as Buffer, now }), /at least 32 bytes/)
  t.throws(() => createFormTokens({ secret: SECRET, now, minAgeMs: -1 }), /minAgeMs/)
  t.throws(() => createFormTokens({ secret: SECRET, now, maxAgeMs: 1_000, minAgeMs: 2_000 }), /maxAgeMs/)
  t.throws(() => createFormTokens({ secret: SECRET, now, maxFutureSkewMs: Number.POSITIVE_INFINITY }), /maxFutureSkewMs/)
  t.throws(() => createFormTokens({ secret: SECRET, now, random: () => Buffer.alloc(3) }).issue('x'), /random source/)
})

t.test('an injected random source makes tokens reproducible', async (t) => {
  const a = setup({ random: (size) => Buffer.alloc(size, 1) })
  const b = setup({ random: (size) => Buffer.alloc(size, 1) })
  t.equal(a.tokens.issue('summer'), b.tokens.issue('summer'))
})
