// Backlog drains on a simulated clock against the stand-in's leaky bucket: the drain goal and 429 bound.

import t from 'tap'
import type { Test } from 'tap'
import { createLeakyBucket } from '../../src/sandbox/leaky-bucket.ts'
import { simulateDrain } from '../../src/outbox/pacing-sim.ts'
import type { DrainOptions } from '../../src/outbox/pacing-sim.ts'

// Issue 3: drain within 1.05 × ideal, use ≥ 95% of the allowance, at most one 429 per window.
const DRAIN_GOAL = 1.05
const MIN_UTILISATION = 0.95

function drains (t: Test, options: DrainOptions): void {
  const report = simulateDrain(options)
  const ratio = report.drainMs / report.idealMs
  t.comment(`N=${options.signups} L=${options.limit} W=${options.windowSeconds}s dispatchers=${options.dispatchers ?? 1}` +
    ` latency=${options.latencyMs ?? 150}+${options.latencyJitterMs ?? 0}ms: drain ${(report.drainMs / 1000).toFixed(2)} s` +
    ` / ideal ${(report.idealMs / 1000).toFixed(0)} s = ${ratio.toFixed(4)}, utilisation ${(report.utilisation * 100).toFixed(2)}%,` +
    ` 429s ${report.rejected} (max ${report.max429PerWindow} per window), learned ${report.final.capacity} per` +
    ` ${(report.final.windowMs / 1000).toFixed(2)} s`)
  t.ok(ratio <= DRAIN_GOAL, `drain ratio ${ratio.toFixed(4)}`)
  t.ok(report.utilisation >= MIN_UTILISATION, `utilisation ${report.utilisation.toFixed(4)}`)
  t.ok(report.max429PerWindow <= 1, `429s per window: ${report.max429PerWindow}`)
  t.equal(report.calls, options.signups + report.rejected, 'every signup delivered once; only 429s were resent')
  t.equal(report.final.capacity, options.limit)
  const windowError = Math.abs(report.final.windowMs / (options.windowSeconds * 1000) - 1)
  t.ok(windowError < 0.02, `learned window within 2% (${report.final.windowMs} ms)`)
}

// The stand-in's own reading of a limit, so a change to its model shows up here first.
t.test('the simulated upstream is the stand-in\'s bucket', async (t) => {
  let now = 0
  const bucket = createLeakyBucket({ limit: 60, windowSeconds: 60, now: () => now })
  t.match(bucket.take('token'), { allowed: true, remaining: 59, resetSeconds: 1 })
  now += 500
  t.match(bucket.take('token'), { allowed: true, remaining: 58, resetSeconds: 2 }, '58.5 left, full in 1.5 s')
})

t.test('one dispatcher, 300 signups, the pacer guessing 60 per 60 s', async (t) => {
  for (const windowSeconds of [60, 30, 120]) {
    t.test(`real window ${windowSeconds} s`, async (t) => drains(t, { signups: 300, limit: 60, windowSeconds }))
  }
  t.test('real limit 10 per 60 s', async (t) => drains(t, { signups: 300, limit: 10, windowSeconds: 60 }))
})

t.test('two instances sharing one bucket state never out-send one', async (t) => {
  for (const windowSeconds of [60, 30, 120]) {
    t.test(`real window ${windowSeconds} s`, async (t) => drains(t, { signups: 300, limit: 60, windowSeconds, dispatchers: 2 }))
  }
  t.test('real limit 10 per 60 s', async (t) => drains(t, { signups: 300, limit: 10, windowSeconds: 60, dispatchers: 2 }))
})

t.test('more calls in flight, reordered by jittered latency', async (t) => {
  t.test('4 dispatchers, 45 s window', async (t) =>
    drains(t, { signups: 300, limit: 60, windowSeconds: 45, dispatchers: 4, latencyJitterMs: 400 }))
  t.test('8 dispatchers, slow upstream', async (t) =>
    drains(t, { signups: 300, limit: 60, windowSeconds: 60, dispatchers: 8, latencyMs: 1000, latencyJitterMs: 1000 }))
  t.test('a longer backlog', async (t) => drains(t, { signups: 1000, limit: 60, windowSeconds: 60, dispatchers: 2 }))
})
