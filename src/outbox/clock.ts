// Time as a dependency: the dispatcher sleeps through this, so tests move time by hand instead of waiting.
import { setTimeout as delay } from 'node:timers/promises'

export interface Clock {
  now (): number
  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  sleep (ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  async sleep (ms, signal) {
    try {
      await delay(Math.max(0, ms), undefined, { signal, ref: false })
    } catch {
      // aborted: the caller was woken early, which is the point
    }
  }
}
