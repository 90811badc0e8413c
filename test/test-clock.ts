// A clock for tests: real time by default, plus advance(ms) to jump over backoffs without sleeping.
import type { Clock } from '../src/outbox/clock.ts'

export interface TestClock extends Clock {
  /** Moves time forward and wakes every sleeper whose time has come. */
  advance (ms: number): void
}

export function createTestClock (): TestClock {
  let offset = 0
  const sleepers = new Set<{ until: number, wake: () => void }>()
  const now = () => Date.now() + offset
  return {
    now,
    sleep (ms, signal) {
      return new Promise<void>(resolve => {
        const sleeper = { until: now() + ms, wake: () => finish() }
        const timer = setTimeout(() => finish(), Math.max(0, ms))
        const finish = () => {
          clearTimeout(timer)
          sleepers.delete(sleeper)
          signal?.removeEventListener('abort', finish)
          resolve()
        }
        if (signal?.aborted === true) return finish()
        signal?.addEventListener('abort', finish)
        sleepers.add(sleeper)
      })
    },
    advance (ms) {
      offset += ms
      for (const sleeper of [...sleepers]) if (sleeper.until <= now()) sleeper.wake()
    }
  }
}
