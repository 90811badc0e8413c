// Retry delays: the capped exponential schedule with injected randomness, and the retry policy per outcome kind.

import t from 'tap'
import { RETRY_POLICY, retryDelay } from '../../src/outbox/backoff.ts'

const CAP = 15 * 60_000
const attempts = Array.from({ length: 12 }, (_, i) => i + 1)
const schedule = (r: number, options?: Parameters<typeof retryDelay>[2]): number[] =>
  attempts.map((attempt) => retryDelay(attempt, () => r, options))

t.test('the schedule for attempts 1..12 at fixed random values', async (t) => {
  // Steps 2 s, 4 s, … 512 s, then capped at 15 min; equal jitter draws in [step / 2, step).
  t.same(schedule(0), [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 450000, 450000, 450000])
  t.same(schedule(0.5), [1500, 3000, 6000, 12000, 24000, 48000, 96000, 192000, 384000, 675000, 675000, 675000])
  t.same(schedule(0.999), [1999, 3998, 7996, 15992, 31984, 63968, 127936, 255872, 511744, 899550, 899550, 899550])
})

t.test('monotone, never above the cap, never negative, at any random value and jitter', async (t) => {
  for (const jitter of ['equal', 'full'] as const) {
    for (const r of [0, 0.25, 0.5, 0.75, 0.999, 0.999999]) {
      const delays = schedule(r, { jitter })
      for (let i = 0; i < delays.length; i++) {
        const delay = delays[i] as number
        t.ok(delay >= 0 && delay <= CAP && Number.isInteger(delay), `${jitter} r=${r} attempt ${i + 1}: ${delay}`)
        if (i > 0) t.ok(delay >= (delays[i - 1] as number), `${jitter} r=${r}: attempt ${i + 1} not shorter`)
      }
    }
  }
})

t.test('full jitter spreads over [0, step); equal jitter keeps half the step', async (t) => {
  t.same(schedule(0, { jitter: 'full' }).slice(0, 3), [0, 0, 0])
  t.same(schedule(0.5, { jitter: 'full' }).slice(0, 3), [1000, 2000, 4000])
  t.equal(retryDelay(1, () => 0), 1000, 'never an immediate resend of an SMS-sending call by default')
})

t.test('base and cap are options', async (t) => {
  t.same(attempts.slice(0, 5).map((a) => retryDelay(a, () => 0, { baseMs: 100, capMs: 500 })), [50, 100, 200, 250, 250])
  t.equal(retryDelay(3, () => 0.999, { baseMs: 5000, capMs: 1000 }), 1000, 'a cap below the base still caps')
})

t.test('odd inputs stay in range', async (t) => {
  t.equal(retryDelay(0, () => 0), 1000, 'attempt 0 counts as the first')
  t.equal(retryDelay(-3, () => 0), 1000)
  t.equal(retryDelay(Number.NaN, () => 0), 1000)
  t.equal(retryDelay(1e9, () => 0.999), 899550, 'no overflow to Infinity or NaN')
  t.equal(retryDelay(2.7, () => 0), 2000, 'fractional attempts round down')
  t.ok(retryDelay(10, () => 1) <= CAP, 'a random() of 1 is held below 1')
  t.equal(retryDelay(1, () => -1), 1000)
  t.equal(retryDelay(1, () => Number.NaN), 1500, 'a broken random() falls back to the middle')
})

t.test('retry policy per outcome kind', async (t) => {
  t.same(RETRY_POLICY, {
    created: 'done',
    rate_limited: 'wait_for_bucket',
    unavailable: 'backoff',
    unauthorized: 'pause_token',
    misconfigured: 'pause_token',
    rejected: 'never'
  })
})
