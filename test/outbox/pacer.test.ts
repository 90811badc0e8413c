// The pacer's bucket math: take, refund, and what observe() learns from X-Rate-Limit-* and 429s (clock injected).

import t from 'tap'
import { createLeakyBucket } from '../../src/sandbox/leaky-bucket.ts'
import { PACER_DEFAULTS, initialBucket, observe, refundToken, takeToken } from '../../src/outbox/pacer.ts'
import type { BucketState } from '../../src/store/types.ts'
import type { UpstreamOutcome } from '../../src/upstream/types.ts'

const T0 = Date.UTC(2026, 0, 15, 15, 4, 5)

function bucket (overrides: Partial<BucketState> = {}): BucketState {
  return { ...initialBucket(T0), ...overrides }
}

function answer (limit: number, remaining: number, resetSeconds?: number, status = 201) {
  return { status, rateLimit: resetSeconds === undefined ? { limit, remaining } : { limit, remaining, resetSeconds } }
}

t.test('the first take finds a full bucket of the defaults', async (t) => {
  t.same(PACER_DEFAULTS, { capacity: 60, windowMs: 60_000 })
  const { state, waitMs } = takeToken(undefined, T0)
  t.equal(waitMs, 0)
  t.same(state, { tokens: 59, updatedAt: T0, capacity: 60, windowMs: 60_000, blockedUntil: 0 })
  const custom = takeToken(undefined, T0, { capacity: 10, windowMs: 30_000 })
  t.same(custom.state, { tokens: 9, updatedAt: T0, capacity: 10, windowMs: 30_000, blockedUntil: 0 })
})

t.test('a burst spends the full bucket, then waits one token at a time', async (t) => {
  let state: BucketState | undefined
  for (let i = 0; i < 60; i++) {
    const taken = takeToken(state, T0)
    t.equal(taken.waitMs, 0)
    state = taken.state
  }
  const empty = takeToken(state, T0)
  t.equal(empty.waitMs, 1000, '60 per 60 s: one token a second')
  t.same(empty.state, state, 'nothing taken')
  const half = takeToken(state, T0 + 400)
  t.equal(half.waitMs, 600)
  t.equal(half.state.tokens, 0.4, 'refilled, not taken')
  const later = takeToken(half.state, T0 + 1000)
  t.equal(later.waitMs, 0)
  t.ok(Math.abs(later.state.tokens) < 1e-9)
})

t.test('refill is continuous and capped; a clock running behind never rewinds', async (t) => {
  const start = bucket({ tokens: 0 })
  t.equal(takeToken(start, T0 + 30_000).state.tokens, 29)
  t.equal(takeToken(start, T0 + 3_600_000).state.tokens, 59, 'never more than the capacity')
  const ahead = bucket({ tokens: 5, updatedAt: T0 + 2000 })
  const behind = takeToken(ahead, T0)
  t.equal(behind.state.tokens, 4)
  t.equal(behind.state.updatedAt, T0 + 2000, 'another instance\'s later clock is kept')
})

const HOUR = 3_600_000

t.test('an instance a little ahead is not handed its skew again on every take', async (t) => {
  // Two instances take in turn from one shared bucket, A's clock 2 s ahead of B's: they share the limit.
  let state: BucketState | undefined
  let sent = 0
  for (let now = T0; now < T0 + 600_000; now += 100) {
    const taken = takeToken(state, now + (now % 200 === 0 ? 2000 : 0))
    state = taken.state
    if (taken.waitMs === 0) sent++
  }
  t.ok(sent >= 655 && sent <= 662, `${sent} in 10 minutes: the first 60 and one a second`)
})

t.test('a bucket written by a clock an hour ahead refills a window from now at the latest', async (t) => {
  // This host's clock before NTP stepped it back, or an instance since gone: it drained the bucket "an hour from now".
  const skewed = bucket({ tokens: 0, updatedAt: T0 + HOUR })
  const first = takeToken(skewed, T0)
  t.equal(first.waitMs, 61_000, 'a window, then one token\'s time: not an hour')
  t.equal(first.state.updatedAt, T0 + 60_000)
  t.equal(takeToken(first.state, T0 + 30_000).waitMs, 31_000, 'the cap does not slide with our clock')
  t.equal(takeToken(first.state, T0 + 61_000).waitMs, 0)
  t.equal(takeToken(first.state, T0 + 90_000).state.tokens, 29, 'then refills as usual')
  t.same(observe(skewed, T0, { rateLimit: {} }), { ...skewed, updatedAt: T0 + 60_000 }, 'observe caps it too')
  t.same(refundToken(skewed, T0), { ...skewed, tokens: 1, updatedAt: T0 + 60_000 }, 'and refund')
  const learned = takeToken(bucket({ tokens: 0, windowMs: 10_000, updatedAt: T0 + HOUR }), T0)
  t.equal(learned.state.updatedAt, T0 + 10_000, 'the learned window')

  let state: BucketState = skewed
  let sent = 0
  for (let now = T0; now < T0 + 600_000;) {
    const taken = takeToken(state, now)
    state = taken.state
    if (taken.waitMs === 0) sent++
    now += taken.waitMs === 0 ? 1 : taken.waitMs
  }
  t.equal(sent, 539, 'one a second from 61 s on')
})

t.test('a block stored by a clock ahead is capped at a window from now', async (t) => {
  const skewed = bucket({ blockedUntil: T0 + HOUR })
  const first = takeToken(skewed, T0)
  t.equal(first.waitMs, 60_000, 'the longest block the code writes, not an hour')
  t.equal(first.state.blockedUntil, T0 + 60_000)
  t.equal(takeToken(first.state, T0 + 30_000).waitMs, 30_000, 'the capped block does not slide with the clock')
  t.equal(takeToken(first.state, T0 + 60_000).waitMs, 0)
  t.equal(takeToken(bucket({ windowMs: 120_000, blockedUntil: T0 + HOUR }), T0).waitMs, 120_000, 'the learned window')
  const rejectedAgain = observe(skewed, T0, answer(60, 0, 120, 429))
  t.equal(rejectedAgain.blockedUntil, T0 + 60_000, 'a 429 keeps the capped block, never the stored future')
})

t.test('the longest legitimate block is kept: one token\'s time is the whole window at capacity 1', async (t) => {
  const day = observe(bucket(), T0, answer(1, 0, 86_400, 429))
  t.same(day, { tokens: 0, updatedAt: T0, capacity: 1, windowMs: 86_400_000, blockedUntil: T0 + 86_400_000 })
  t.equal(takeToken(day, T0 + 1).waitMs, 86_400_000 - 1)
  t.equal(takeToken(day, T0 + 1).state.blockedUntil, T0 + 86_400_000)
  const minute = observe(bucket({ tokens: 0.5 }), T0, answer(1, 0, 60, 429))
  t.equal(minute.blockedUntil, T0 + 60_000)
  t.equal(takeToken(minute, T0).waitMs, 60_000, 'a block of exactly one window, untouched')
  t.equal(takeToken(minute, T0 + 60_000).waitMs, 0)

  // Capacity 1: a 429 without Reset guesses 75 s, the next one reports 60 s; the upstream is full 60 s after it.
  const guessed = observe(bucket(), T0, { status: 429, rateLimit: { limit: 1, remaining: 0 } })
  t.equal(guessed.blockedUntil, T0 + 75_000)
  const reported = observe(guessed, T0 + 1000, answer(1, 0, 60, 429))
  t.equal(takeToken(reported, T0 + 1000).waitMs, 60_000, 'the carried block ends a reported window after the last 429')
})

t.test('against the stand-in, no block the pacer writes reaches the cap (capacity 2 and up)', async (t) => {
  for (const limit of [2, 10, 60]) {
    for (const windowSeconds of [30, 60, 120]) {
      let now = T0
      const upstream = createLeakyBucket({ limit, windowSeconds, now: () => now })
      let state: BucketState | undefined
      let worst = 0
      for (let i = 0; i < 300; i++) {
        state = takeToken(state, now).state // sent whatever the wait: as many 429s as possible
        const verdict = upstream.take('token')
        const rateLimit = i % 7 === 3 ? {} : { limit: verdict.limit, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds }
        state = observe(state, now, { status: verdict.allowed ? 201 : 429, rateLimit })
        worst = Math.max(worst, (state.blockedUntil - now) / state.windowMs)
        now += 100 + (i % 5) * 13
      }
      t.ok(worst > 0 && worst <= 1, `limit ${limit}, ${windowSeconds} s: longest block ${worst.toFixed(3)} of a window`)
    }
  }
})

t.test('refund gives one token back, never above the capacity', async (t) => {
  const taken = takeToken(undefined, T0).state
  t.equal(refundToken(taken, T0).tokens, 60)
  t.equal(refundToken(refundToken(taken, T0), T0).tokens, 60)
  t.equal(refundToken(bucket({ tokens: 0 }), T0 + 500).tokens, 1.5, 'refilled first')
})

t.test('a corrupt stored row is repaired rather than dividing by zero', async (t) => {
  const broken = { tokens: Number.NaN, updatedAt: T0, capacity: 0, windowMs: 0, blockedUntil: Number.NaN }
  const { state, waitMs } = takeToken(broken, T0)
  t.same(state, { tokens: 0, updatedAt: T0, capacity: 60, windowMs: 60_000, blockedUntil: 0 })
  t.equal(waitMs, 1000)
})

t.test('the limit header replaces the capacity, keeping what was reserved', async (t) => {
  const afterOne = takeToken(undefined, T0).state // assumed 60, one taken
  t.equal(observe(afterOne, T0, answer(10, 9)).tokens, 9, 'a full 10 with one taken')
  t.equal(observe(afterOne, T0, answer(10, 9)).capacity, 10)
  t.equal(observe(afterOne, T0, answer(120, 119)).tokens, 119, 'a full 120 with one taken')
  // Five more calls were taken (by any instance) before the first answer came back: they stay reserved.
  const afterSix = { ...afterOne, tokens: 54 }
  t.equal(observe(afterSix, T0, answer(10, 9)).tokens, 4)
})

t.test('remaining lowers our count; it never raises it (calls in flight would be forgotten)', async (t) => {
  t.equal(observe(bucket({ tokens: 50 }), T0, answer(60, 5)).tokens, 6, 'floored remaining: at most 6')
  t.equal(observe(bucket({ tokens: 50 }), T0, answer(60, 5, 55)).tokens, 5.5, 'reset narrows it: 60 - 54.5')
  t.equal(observe(bucket({ tokens: 50 }), T0, { ...answer(60, 5, 55), latencyMs: 500 }).tokens, 6,
    'plus what refilled while the answer travelled')
  // Two instances took 8 tokens between them; the answer to the first call does not know about the other 7.
  const reserved = bucket({ tokens: 52 })
  t.equal(observe(reserved, T0, answer(60, 59, 1)).tokens, 52)
  t.equal(observe(bucket({ tokens: 3 }), T0, answer(60, 20, 40)).tokens, 3)
})

t.test('answers without rate-limit headers (401, timeouts) teach nothing', async (t) => {
  const state = bucket({ tokens: 3 })
  t.same(observe(state, T0 + 1000, { status: 401, rateLimit: {} }), { ...state, tokens: 4, updatedAt: T0 + 1000 })
  t.same(observe(state, T0, { status: undefined, rateLimit: {} }), state)
  t.same(observe(undefined, T0, { rateLimit: {} }), initialBucket(T0))
})

t.test('a 429 empties the bucket and blocks for one token at the window it reports', async (t) => {
  const state = bucket({ tokens: 0.9 })
  const after = observe(state, T0, answer(60, 0, 120, 429))
  t.same(after, { tokens: 0, updatedAt: T0, capacity: 60, windowMs: 120_000, blockedUntil: T0 + 2000 })
  t.equal(takeToken(after, T0 + 500).waitMs, 1500, 'never hammer: no call before the block ends')
  t.equal(takeToken(after, T0 + 2000).waitMs, 0, 'one token refilled, Yii-style from the rejection')

  const again = observe(after, T0 + 300, answer(60, 0, 120, 429))
  t.equal(again.blockedUntil, T0 + 2300, 'a second rejection (a call in flight) restarts the wait')

  const noReset = observe(state, T0, { status: 429, rateLimit: { limit: 60, remaining: 0 } })
  t.equal(noReset.windowMs, 75_000, 'without a Reset we assume we were too fast')
  t.equal(noReset.blockedUntil, T0 + 1250)

  const late = observe(after, T0 + 100, answer(60, 3, 57))
  t.equal(late.blockedUntil, T0 + 2000, 'a late 201 does not lift the block')
})

t.test('the window: bounds from one answer replace a wrong guess', async (t) => {
  // Empty bucket, Reset 30: the window is 30 s, give or take a second, whatever we guessed.
  const from60 = observe(bucket({ tokens: 0 }), T0, answer(60, 0, 30)).windowMs
  t.ok(from60 >= 29_000 && from60 <= 31_000, `${from60}`)
  const from10 = observe(bucket({ tokens: 0, windowMs: 10_000 }), T0, answer(60, 0, 30)).windowMs
  t.ok(from10 >= 29_000 && from10 <= 31_000, `${from10}`)
  // A full bucket's Reset is 0 and says nothing; an almost full one barely moves a consistent estimate.
  t.equal(observe(bucket(), T0, answer(60, 60, 0)).windowMs, 60_000)
  const nearlyFull = observe(bucket(), T0, answer(60, 59, 1)).windowMs
  t.ok(Math.abs(nearlyFull - 60_000) < 100, `${nearlyFull}`)
})

function learn (limit: number, windowSeconds: number, calls: number, spacingMs: number): BucketState {
  let now = T0
  const upstream = createLeakyBucket({ limit, windowSeconds, now: () => now })
  let state: BucketState | undefined
  for (let i = 0; i < calls; i++) {
    state = takeToken(state, now).state
    const verdict = upstream.take('token')
    const rateLimit = { limit: verdict.limit, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds }
    state = observe(state, now, { status: verdict.allowed ? 201 : 429, rateLimit })
    now += spacingMs
  }
  return state as BucketState
}

t.test('the window: one burst against the stand-in teaches 30 s, 60 s or 120 s', async (t) => {
  for (const windowSeconds of [30, 60, 120]) {
    const learned = learn(60, windowSeconds, 60, 150)
    const error = Math.abs(learned.windowMs / (windowSeconds * 1000) - 1)
    t.ok(error < 0.02, `real ${windowSeconds} s, learned ${learned.windowMs} ms`)
  }
  const small = learn(10, 60, 10, 150)
  t.equal(small.capacity, 10)
  t.ok(Math.abs(small.windowMs / 60_000 - 1) < 0.02, `limit 10: learned ${small.windowMs} ms`)
})

t.test('an UpstreamOutcome is an observation as it is', async (t) => {
  const outcome: UpstreamOutcome = {
    kind: 'unavailable',
    reason: 'server_error',
    status: 503,
    message: 'Service Unavailable',
    maybeProcessed: true,
    rateLimit: { limit: 60, remaining: 10, resetSeconds: 50 },
    latencyMs: 1000
  }
  t.equal(observe(bucket({ tokens: 30 }), T0, outcome).tokens, 11.5, 'Yii counted the call before the action failed')
  const timeout: UpstreamOutcome = { ...outcome, reason: 'timeout', status: undefined, rateLimit: {} }
  t.equal(observe(bucket({ tokens: 30 }), T0, timeout).tokens, 30)
})
