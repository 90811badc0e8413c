// A simulated backlog drain, no sleeps: dispatchers pacing with pacer.ts against the stand-in's leaky bucket.
// Discrete events on a simulated clock; every bucket update runs alone, like the store's withBucket().

import { createLeakyBucket } from '../sandbox/leaky-bucket.ts'
import type { BucketState } from '../store/types.ts'
import type { RateLimitInfo } from '../upstream/types.ts'
import { PACER_DEFAULTS, observe, takeToken } from './pacer.ts'
import type { PacerOptions } from './pacer.ts'

export interface DrainOptions {
  /** Signups waiting when the drain starts. */
  signups: number
  /** The upstream's real limit and window. */
  limit: number
  windowSeconds: number
  /** Dispatchers sharing one bucket state (instances × calls in flight per instance); default 1. */
  dispatchers?: number
  /** Round trip of one call, ms; the upstream decides half-way. Default 150. */
  latencyMs?: number
  /** Up to this much extra latency per call, drawn from a seeded generator (reorders calls). Default 0. */
  latencyJitterMs?: number
  seed?: number
  /** The pacer's guesses before the first answer. */
  pacer?: PacerOptions
}

export interface DrainReport {
  /** From the first take to the last 201 reaching its dispatcher. */
  drainMs: number
  /** max(0, signups - limit) * window / limit: the bucket starts full, then refills at limit/window. */
  idealMs: number
  /** Signups / (limit + allowance refilled between the first and the last accepted call). */
  utilisation: number
  calls: number
  rejected: number
  /** Most 429s within any span of one real window. */
  max429PerWindow: number
  final: BucketState
}

interface SimEvent {
  at: number
  run: () => void
}

const START = 1_767_225_600_000 // 2026-01-01T00:00:00Z, so nothing relies on a clock starting at 0

function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => { // mulberry32
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function maxInSpan (times: number[], span: number): number {
  let best = 0
  let from = 0
  for (let to = 0; to < times.length; to++) {
    while ((times[to] ?? 0) - (times[from] ?? 0) >= span) from++
    best = Math.max(best, to - from + 1)
  }
  return best
}

export function simulateDrain (options: DrainOptions): DrainReport {
  const { signups, limit, windowSeconds } = options
  const latencyMs = options.latencyMs ?? 150
  const jitterMs = options.latencyJitterMs ?? 0
  const random = seeded(options.seed ?? 1)
  const dispatchers = options.dispatchers ?? 1
  const pacer = options.pacer ?? PACER_DEFAULTS
  const windowMs = windowSeconds * 1000

  let clock = START
  const events: SimEvent[] = [] // by time; events at the same time run in the order they were scheduled
  const schedule = (at: number, run: () => void): void => {
    const event = { at, run }
    let i = events.length
    while (i > 0 && (events[i - 1] as SimEvent).at > at) i--
    events.splice(i, 0, event)
  }
  const upstream = createLeakyBucket({ limit, windowSeconds, now: () => clock })

  let shared: BucketState | undefined
  let waiting = signups
  let calls = 0
  const accepted: number[] = []
  const rejections: number[] = []
  let lastResponse = START

  const dispatch = (): void => {
    if (waiting === 0) return // in-flight calls that come back 429 restart a dispatcher
    const taken = takeToken(shared, clock, pacer)
    shared = taken.state
    if (taken.waitMs > 0) return schedule(clock + taken.waitMs, dispatch)
    waiting--
    calls++
    const latency = latencyMs + (jitterMs > 0 ? random() * jitterMs : 0)
    let rateLimit: RateLimitInfo = {}
    let status = 0
    schedule(clock + latency / 2, () => {
      const verdict = upstream.take('token')
      status = verdict.allowed ? 201 : 429
      rateLimit = { limit: verdict.limit, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds }
      ;(verdict.allowed ? accepted : rejections).push(clock)
    })
    schedule(clock + latency, () => {
      shared = observe(shared, clock, { status, rateLimit, latencyMs: latency }, pacer)
      if (status === 201) lastResponse = clock
      else waiting++ // a 429 goes back to the queue: the bucket, not a backoff, decides when
      dispatch()
    })
  }

  for (let i = 0; i < dispatchers; i++) schedule(START, dispatch)
  const deadline = START + 1000 * windowMs + 100 * (signups * windowMs) / limit
  for (let event = events.shift(); event !== undefined; event = events.shift()) {
    if (event.at > deadline) throw new Error('simulated drain did not finish')
    clock = event.at
    event.run()
  }

  const idealMs = Math.max(0, signups - limit) * windowMs / limit
  const first = accepted[0] ?? START
  const last = accepted[accepted.length - 1] ?? START
  return {
    drainMs: lastResponse - START,
    idealMs,
    utilisation: signups / (limit + (last - first) * limit / windowMs),
    calls,
    rejected: rejections.length,
    max429PerWindow: maxInSpan(rejections, windowMs),
    final: shared ?? takeToken(undefined, clock, pacer).state
  }
}
