// Retry timing for failed opt-in calls: capped exponential backoff with jitter, and which outcomes retry at all.

import type { OutcomeKind } from '../upstream/types.ts'

export interface BackoffOptions {
  /** The step after the first failure, ms (default 2 s). */
  baseMs?: number
  /** No delay above this, ms (default 15 min): a signup keeps being retried at least this often. */
  capMs?: number
  /**
   * 'equal' (default): a delay in [step / 2, step). 'full': in [0, step), the widest spread, but it can retry at
   * once, and every retry of an opt-in call may send the SMS again.
   */
  jitter?: 'equal' | 'full'
}

const DEFAULT_BASE_MS = 2000
const DEFAULT_CAP_MS = 15 * 60_000
// 2^52 already overflows any cap; the bound keeps Infinity (and Infinity * 0 = NaN) out of the arithmetic.
const MAX_EXPONENT = 52

/**
 * The delay before the next attempt, after `attempt` failed ones (1 for the first failure). The exponential step
 * doubles per attempt up to capMs; the jitter spreads the retries of a whole outage (and of several instances)
 * instead of sending them back together when the upstream recovers. `random` returns [0, 1), like Math.random.
 */
export function retryDelay (attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const baseMs = Math.max(0, options.baseMs ?? DEFAULT_BASE_MS)
  const capMs = Math.max(0, options.capMs ?? DEFAULT_CAP_MS)
  const exponent = Math.min(MAX_EXPONENT, Math.max(0, Math.floor(Number.isFinite(attempt) ? attempt : 1) - 1))
  const step = Math.min(capMs, baseMs * 2 ** exponent)
  const draw = random()
  const r = Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1 - Number.EPSILON) : 0.5
  const delay = options.jitter === 'full' ? step * r : step / 2 + (step / 2) * r
  return Math.round(delay)
}

/** What the dispatcher does after each kind of answer. */
export type RetryAction = 'done' | 'wait_for_bucket' | 'backoff' | 'pause_token' | 'never'

/**
 * Which outcomes retry, and how (protexting-v1.md "Errors"; issue 3 "Outcomes"):
 * - created: delivered, store the contact id.
 * - rate_limited: the call was refused before it ran (no SMS). Back to pending with no backoff: the pacer's bucket
 *   (observe() blocks it for one token) decides when; backing off as well would leave allowance unused.
 * - unavailable (5xx, timeouts, resets, malformed bodies): retryDelay(). The SMS may have gone out
 *   (maybeProcessed), so the retry leaves out SendCTAMessage, is logged with its reason and counted.
 * - unauthorized (401/403), misconfigured (other 4xx): the operator must fix the token or the URL; pause every
 *   signup of that token (nothing is lost) until a config reload or restart.
 * - rejected (422): the upstream refused the visitor's data; retrying cannot help.
 */
export const RETRY_POLICY: Readonly<Record<OutcomeKind, RetryAction>> = {
  created: 'done',
  rate_limited: 'wait_for_bucket',
  unavailable: 'backoff',
  unauthorized: 'pause_token',
  misconfigured: 'pause_token',
  rejected: 'never'
}
