// The ProTexting stand-in (src/sandbox/stand-in.ts) in its own process, with a small limit per window, for the
// backlog drain: it counts what it received and what it answered, and that is the drain's only clock.
import { createStandIn, type StandIn } from '../../src/sandbox/stand-in.ts'
import { serve } from '../lib/worker.ts'

export interface StandInInput { accessToken: string, limit: number, windowSeconds: number }
export interface CallTimes {
  /** ms since epoch of each call's arrival, with the status it got, in arrival order. */
  calls: Array<{ time: number, status: number }>
}

let standIn: StandIn | undefined

serve({
  async listen (input) {
    const { accessToken, limit, windowSeconds } = input as StandInInput
    standIn = createStandIn({ accessToken, limit, windowSeconds, keepCalls: 1_000_000 })
    return await standIn.listen()
  },
  /** How many 201s so far (polled while the drain runs). */
  created () {
    return standIn?.calls.filter(call => call.status === 201).length ?? 0
  },
  calls (): CallTimes {
    return { calls: (standIn?.calls ?? []).map(({ time, status }) => ({ time, status })) }
  },
  async close () {
    await standIn?.close()
    standIn = undefined
  }
})
