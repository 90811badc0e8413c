// Yii2's RateLimiter as a leaky bucket per token, refilled continuously (ProTexting: 60 per 60 s).

export interface BucketVerdict {
  allowed: boolean
  limit: number
  remaining: number
  /** Seconds until the bucket is full again, the way Yii2 reports X-Rate-Limit-Reset. */
  resetSeconds: number
}

export interface LeakyBucketOptions {
  limit: number
  windowSeconds: number
  /** Milliseconds; injected so tests refill the bucket without sleeping. */
  now: () => number
}

export interface LeakyBucket {
  take (key: string): BucketVerdict
  reset (): void
}

interface Allowance {
  allowance: number
  timestamp: number
}

export function createLeakyBucket ({ limit, windowSeconds, now }: LeakyBucketOptions): LeakyBucket {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer')
  if (!(windowSeconds > 0)) throw new RangeError('windowSeconds must be positive')
  const state = new Map<string, Allowance>()
  const perSecond = limit / windowSeconds

  return {
    take (key) {
      const current = now()
      const saved = state.get(key) ?? { allowance: limit, timestamp: current }
      const elapsedSeconds = Math.max(0, current - saved.timestamp) / 1000
      const allowance = Math.min(limit, saved.allowance + elapsedSeconds * perSecond)
      if (allowance < 1) {
        // Like Yii2: a rejected request empties the bucket and restarts the refill clock, so
        // hammering a 429 prolongs it; the reset announced is then a whole window.
        state.set(key, { allowance: 0, timestamp: current })
        return { allowed: false, limit, remaining: 0, resetSeconds: Math.ceil(windowSeconds) }
      }
      const left = allowance - 1
      state.set(key, { allowance: left, timestamp: current })
      return {
        allowed: true,
        limit,
        remaining: Math.floor(left),
        resetSeconds: Math.ceil((limit - left) / perSecond)
      }
    },
    reset () {
      state.clear()
    }
  }
}
