// Open-loop load: requests go out on a fixed timeline whatever the server does, and each latency is measured
// from the time the request was SCHEDULED, so a server that stalls is charged for every request it delayed
// (no coordinated omission, unlike autocannon -R). undici pool, in its own process.
import { Pool } from 'undici'
import { serve } from '../lib/worker.ts'
import { signupBody } from '../lib/phones.ts'
import { percentile, sortedCopy } from '../lib/stats.ts'

export interface OpenLoopInput {
  url: string
  path: string
  /** Requests per second. */
  rate: number
  seconds: number
  warmupSeconds: number
  /** Enough sockets that the generator never queues behind a busy connection at this rate. */
  connections: number
  firstIndex: number
  /** The form token every body carries, as the page would send it. */
  formToken: string | undefined
  /** Width of the slices of the timeline in OpenLoopResult.windowP99. */
  windowSeconds: number
}

export interface LatencySummary { p50: number, p90: number, p99: number, p999: number, max: number }

export interface OpenLoopResult {
  sent: number
  ok: number
  statusCodes: Record<string, number>
  errors: number
  /** Answers per second over the measured phase (should equal the rate). */
  achievedRate: number
  /** Scheduled send → response complete, ms: the figure the goal uses. */
  latency: LatencySummary
  /** Scheduled send → actual send (timer granularity and generator lag, part of `latency`), ms. */
  sendLag: LatencySummary
  /** Actual send → response complete, ms. */
  service: LatencySummary
  /**
   * p99 of `latency` per `windowSeconds` of the timeline, in order (by scheduled send time): shows whether the tail is
   * spread over the run or comes from a few stalls, e.g. while a young server's JIT compiles its hot code.
   */
  windowP99: number[]
  used: number
  generatorCpuSeconds: number
}

function summary (values: Float64Array): LatencySummary {
  const sorted = sortedCopy(values)
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: percentile(sorted, 100) }
}

function windowPercentiles (values: Float64Array, windows: Uint16Array, p: number): number[] {
  const byWindow: number[][] = []
  values.forEach((value, i) => { (byWindow[windows[i] as number] ??= []).push(value) })
  return Array.from(byWindow, list => percentile(sortedCopy(list ?? []), p))
}

async function run (input: OpenLoopInput): Promise<OpenLoopResult> {
  const pool = new Pool(input.url, { connections: input.connections, pipelining: 1 })
  let nextNumber = input.firstIndex
  try {
    if (input.warmupSeconds > 0) await phase(pool, input, input.warmupSeconds, () => nextNumber++)
    const cpu = process.cpuUsage()
    const measured = await phase(pool, input, input.seconds, () => nextNumber++)
    const { user, system } = process.cpuUsage(cpu)
    return { ...measured, used: nextNumber - input.firstIndex, generatorCpuSeconds: (user + system) / 1e6 }
  } finally {
    await pool.close()
  }
}

async function phase (pool: Pool, input: OpenLoopInput, seconds: number, takeNumber: () => number) {
  const count = Math.round(input.rate * seconds)
  const intervalMs = 1000 / input.rate
  const latency = new Float64Array(count)
  const sendLag = new Float64Array(count)
  const service = new Float64Array(count)
  const windowOf = new Uint16Array(count)
  const statusCodes: Record<string, number> = {}
  let errors = 0
  let finished = 0
  let lastDone = 0
  let fired = 0
  const start = performance.now() + 20
  let allDone: () => void = () => {}
  const done = new Promise<void>(resolve => { allDone = resolve })

  function complete (scheduled: number, sentAt: number) {
    const now = performance.now()
    latency[finished] = now - scheduled
    sendLag[finished] = sentAt - scheduled
    service[finished] = now - sentAt
    windowOf[finished] = Math.floor((scheduled - start) / (input.windowSeconds * 1000))
    lastDone = now
    if (++finished === count) allDone()
  }

  function fire (i: number) {
    const scheduled = start + i * intervalMs
    const sentAt = performance.now()
    pool.request({ path: input.path, method: 'POST', headers: { 'content-type': 'application/json' }, body: signupBody(takeNumber(), input.formToken) })
      .then(async response => {
        await response.body.dump()
        statusCodes[response.statusCode] = (statusCodes[response.statusCode] ?? 0) + 1
        complete(scheduled, sentAt)
      }, () => {
        errors++
        complete(scheduled, sentAt)
      })
  }

  // A timer, not a busy loop: on 2 cores a spinning generator would steal the server's CPU. Each tick sends
  // every request whose time has come; the lateness this adds is reported as sendLag.
  function tick () {
    const now = performance.now()
    while (fired < count && start + fired * intervalMs <= now) fire(fired++)
    if (fired < count) setTimeout(tick, Math.max(0, start + fired * intervalMs - performance.now()))
  }
  setTimeout(tick, 20)
  const timeout = setTimeout(allDone, (seconds + 60) * 1000)
  await done
  clearTimeout(timeout)
  const ok = Object.entries(statusCodes).reduce((sum, [code, n]) => sum + (code.startsWith('2') ? n : 0), 0)
  return {
    sent: fired,
    ok,
    statusCodes,
    errors: errors + (count - finished),
    achievedRate: finished / ((lastDone - start) / 1000),
    latency: summary(latency.subarray(0, finished)),
    sendLag: summary(sendLag.subarray(0, finished)),
    service: summary(service.subarray(0, finished)),
    windowP99: windowPercentiles(latency.subarray(0, finished), windowOf.subarray(0, finished), 99)
  }
}

serve({ run: input => run(input as OpenLoopInput) })
