// Pure token-bucket pacing per access token: take, refund, and learn the limit and window from X-Rate-Limit-*.
// No I/O, no timers: the clock comes in as ms, the state goes through the store's atomic withBucket().

import type { BucketState } from '../store/types.ts'
import type { RateLimitInfo } from '../upstream/types.ts'

export interface PacerOptions {
  /** Calls per window assumed before the upstream has answered (X-Rate-Limit-Limit). */
  capacity: number
  /** Window assumed before one has been inferred, ms. */
  windowMs: number
}

/** ProTexting's documented 60 calls; the 60 s window is a guess (protexting-v1.md "?") that observe() corrects. */
export const PACER_DEFAULTS: Readonly<PacerOptions> = { capacity: 60, windowMs: 60_000 }

export interface TakeResult {
  state: BucketState
  /** 0: a token was taken, send now. Otherwise nothing was taken: call again after this many ms. */
  waitMs: number
}

/** What observe() needs from an answer (an UpstreamOutcome fits: `status` is undefined for transport failures). */
export interface Observation {
  status?: number | undefined
  rateLimit: RateLimitInfo
  /** The call's round trip; the upstream bucket refilled for at most this long since it answered. */
  latencyMs?: number
}

const MIN_WINDOW_MS = 1000
// Yii lets a token's window be anything; a day covers "N calls per day" plans.
const MAX_WINDOW_MS = 86_400_000
// How far one observation from an empty bucket moves the window towards its reading (less for fuller buckets).
const STEP = 0.5
// A 429 without a usable Reset cannot tell us the window; assume we were too fast and slow down by this factor.
const GROWTH_WITHOUT_RESET = 1.25
// Float dust from refill arithmetic must not turn "exactly one token" into another 1 ms wait.
const EPSILON = 1e-9

function clamp (value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value))
}

function clampWindow (ms: number): number {
  return clamp(ms, MIN_WINDOW_MS, MAX_WINDOW_MS)
}

/** A full bucket: the upstream's starts full, and a backlog should spend that burst at once. */
export function initialBucket (now: number, defaults: PacerOptions = PACER_DEFAULTS): BucketState {
  return { tokens: defaults.capacity, updatedAt: now, capacity: defaults.capacity, windowMs: defaults.windowMs, blockedUntil: 0 }
}

/**
 * When the bucket was last counted, at most a window from now. A little ahead is believed: another live instance's
 * clock, or a `now` read before a slow store write. Rewinding that to our now would hand the time to the next reader
 * again, on every write (simulated, an instance 0.5 s ahead then drew a 429 for one call in two). More than a window
 * ahead, a clock was wrong (this host's before NTP stepped it back, an instance since gone): believed, it would stop
 * the refill for the whole skew, an hour for an hour. Capped, a wrong clock costs one window's refill, once.
 */
function saneUpdatedAt (updatedAt: number, now: number, windowMs: number): number {
  return Number.isFinite(updatedAt) ? Math.min(updatedAt, now + windowMs) : now
}

/**
 * A 429's block, never longer than a window from now. rejected() blocks for one token's time, window / capacity, at
 * most the window it stores with it (capacity >= 1). A block carried over from a longer guessed window (capacity 1,
 * a 429 without Reset, then one with) is cut to a window from now, when the upstream, emptied by that last 429, is
 * full again. Anything later came from a clock ahead of ours, and would block for the skew.
 */
function saneBlockedUntil (blockedUntil: number, now: number, windowMs: number): number {
  return Number.isFinite(blockedUntil) ? Math.min(blockedUntil, now + windowMs) : 0
}

/** The stored state, repaired if a row holds nonsense (a zero capacity would divide by zero below) or the future. */
function sane (state: BucketState | undefined, now: number, defaults: PacerOptions): BucketState {
  if (state === undefined) return initialBucket(now, defaults)
  const capacity = Number.isFinite(state.capacity) && state.capacity >= 1 ? state.capacity : defaults.capacity
  const windowMs = Number.isFinite(state.windowMs) && state.windowMs > 0 ? clampWindow(state.windowMs) : defaults.windowMs
  const tokens = Number.isFinite(state.tokens) ? clamp(state.tokens, 0, capacity) : 0
  const updatedAt = saneUpdatedAt(state.updatedAt, now, windowMs)
  const blockedUntil = saneBlockedUntil(state.blockedUntil, now, windowMs)
  return { tokens, updatedAt, capacity, windowMs, blockedUntil }
}

/** Continuous refill at capacity/window, like Yii. A sane() updatedAt ahead of us is not rewound (see saneUpdatedAt). */
function refill (state: BucketState, now: number): BucketState {
  const elapsed = Math.max(0, now - state.updatedAt) // a later clock's count neither refills nor drains
  const tokens = Math.min(state.capacity, state.tokens + elapsed * state.capacity / state.windowMs)
  return { ...state, tokens, updatedAt: Math.max(state.updatedAt, now) }
}

function msPerToken (state: BucketState): number {
  return state.windowMs / state.capacity
}

/** Takes one token if the bucket has one and no 429 block is running; otherwise says how long to wait. */
export function takeToken (state: BucketState | undefined, now: number, defaults: PacerOptions = PACER_DEFAULTS): TakeResult {
  const current = refill(sane(state, now, defaults), now)
  const blockedMs = Math.max(0, current.blockedUntil - now)
  if (blockedMs === 0 && current.tokens >= 1 - EPSILON) {
    return { state: { ...current, tokens: Math.max(0, current.tokens - 1) }, waitMs: 0 }
  }
  // Refill starts at updatedAt, up to a window from now when a later clock wrote it: polling sooner finds nothing.
  const refillMs = current.updatedAt - now + (1 - current.tokens) * msPerToken(current)
  return { state: current, waitMs: Math.max(1, Math.ceil(Math.max(blockedMs, refillMs))) }
}

/** Gives back a token that was taken but not spent (nothing to send, or the request provably never left). */
export function refundToken (state: BucketState, now: number, defaults: PacerOptions = PACER_DEFAULTS): BucketState {
  const current = refill(sane(state, now, defaults), now)
  return { ...current, tokens: Math.min(current.capacity, current.tokens + 1) }
}

/**
 * Window from one answer. Yii reports Reset = (limit - allowance) * window / limit in whole seconds (Yii truncates,
 * the stand-in rounds up) and Remaining = the allowance, floored when it is fractional. With d = limit - remaining:
 *   (reset - 1) * limit / d  <  window  <  max(reset * limit / (d - 1), (reset + 1) * limit / d)
 * Those bounds hold for every answer, so the estimate is first pulled inside them (hard evidence: this is how a
 * window of 30 s or 120 s replaces the 60 s guess within the first burst). Inside them it steps towards the reading
 * reset * limit / d, weighted by (d / limit)^2: an almost-full bucket gives a reading that is mostly rounding, an
 * almost-empty one (a backlog) reads the window to a second. A single answer never moves it outside its bounds.
 */
function inferWindow (windowMs: number, limit: number, remaining: number, resetSeconds: number): number {
  if (remaining >= limit) return windowMs // a full bucket's Reset is 0 whatever the window
  const d = limit - remaining
  const resetMs = resetSeconds * 1000
  const low = Math.max(0, resetMs - 1000) * limit / d
  const high = d > 1 ? Math.max(resetMs * limit / (d - 1), (resetMs + 1000) * limit / d) : Infinity
  let estimate = clamp(windowMs, low, high)
  const reading = resetMs * limit / d
  if (reading > 0) estimate += STEP * (d / limit) ** 2 * (reading - estimate)
  return clampWindow(estimate)
}

/**
 * The most the upstream can hold now, by one answer. Remaining is floored (allowance < remaining + 1). Reset puts the
 * allowance within half a second's refill of limit - (reset - 0.5) * limit / window when rounded up (the stand-in),
 * below it when truncated (Yii). And the bucket refilled for at most the call's latency since it answered.
 */
function upstreamCeiling (state: BucketState, remaining: number, resetSeconds: number | undefined, latencyMs: number): number {
  let ceiling = remaining + 1
  if (resetSeconds !== undefined && remaining < state.capacity) {
    const fromReset = state.capacity - (resetSeconds - 0.5) * 1000 * state.capacity / state.windowMs
    ceiling = Math.min(ceiling, Math.max(remaining, fromReset))
  }
  return ceiling + latencyMs * state.capacity / state.windowMs
}

/**
 * Our count against the upstream's. Every instance's reservations live in our count: calls taken but not yet seen
 * by the upstream are missing from its Remaining, not from ours. So our count should sit at or below the upstream's,
 * and lowering it to the upstream's ceiling is always safe. Raising it to Remaining is not: the calls in flight, from
 * any instance, would be forgotten and sent over the limit, and the shared state cannot tell how many there are.
 */
function reconcile (state: BucketState, observation: Observation, remaining: number): number {
  const { resetSeconds } = observation.rateLimit
  const ceiling = upstreamCeiling(state, remaining, resetSeconds, Math.max(0, observation.latencyMs ?? 0))
  return Math.max(0, Math.min(state.tokens, ceiling))
}

/** On a 429, Yii empties the bucket and restarts its refill clock: wait for exactly one token, then try again. */
function rejected (state: BucketState, now: number, resetSeconds: number | undefined): BucketState {
  // Its Reset is then the time to refill from empty, i.e. the whole window: the cleanest reading we get. Waiting
  // that long would waste a window's worth of calls; one token's time is the least wait that is not hammering.
  const windowMs = resetSeconds !== undefined && resetSeconds > 0
    ? clampWindow(resetSeconds * 1000)
    : clampWindow(state.windowMs * GROWTH_WITHOUT_RESET)
  const blockedUntil = Math.max(state.blockedUntil, now + windowMs / state.capacity)
  return { ...state, tokens: 0, windowMs, blockedUntil }
}

/** Learns from one answer of the upstream (any status; answers without X-Rate-Limit-* headers teach nothing). */
export function observe (
  state: BucketState | undefined,
  now: number,
  observation: Observation,
  options: PacerOptions = PACER_DEFAULTS
): BucketState {
  let current = refill(sane(state, now, options), now)
  const { limit, remaining, resetSeconds } = observation.rateLimit
  if (limit !== undefined && limit >= 1 && limit !== current.capacity) {
    // Shift rather than overwrite: the tokens already reserved by every instance stay reserved, and a bucket
    // assumed full of 60 that really holds 10 (or 120) becomes one full of 10 (or 120).
    const tokens = clamp(current.tokens + limit - current.capacity, 0, limit)
    current = { ...current, capacity: limit, tokens }
  }
  if (observation.status === 429) return rejected(current, now, resetSeconds)
  if (remaining === undefined) return current
  if (resetSeconds !== undefined) {
    current = { ...current, windowMs: inferWindow(current.windowMs, current.capacity, remaining, resetSeconds) }
  }
  return { ...current, tokens: reconcile(current, observation, remaining) }
}

/** The bucket as it stands at `now` (refilled, repaired), without taking anything: for the dashboard's read-only view. */
export function bucketNow (state: BucketState | undefined, now: number, defaults: PacerOptions = PACER_DEFAULTS): BucketState {
  return refill(sane(state, now, defaults), now)
}
