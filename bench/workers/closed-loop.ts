// Closed-loop load (autocannon in this process): C connections, each sending its next signup as soon as the
// last one is answered. Every request carries a number no other request in this run carries.
import autocannon from 'autocannon'
import { serve } from '../lib/worker.ts'
import { signupBody } from '../lib/phones.ts'

export interface ClosedLoopInput {
  url: string
  path: string
  connections: number
  seconds: number
  /** Index of the first phone number to use (numbers are never reused within one server's life). */
  firstIndex: number
  /** The form token every body carries, as the page would send it. */
  formToken: string | undefined
}

export interface ClosedLoopResult {
  /** 2xx answers per second over the measured run. */
  perSecond: number
  ok: number
  statusCodes: Record<string, number>
  errors: number
  timeouts: number
  seconds: number
  /** Closed-loop latency (not coordinated-omission safe; for information). */
  p50Ms: number
  p99Ms: number
  /** Numbers handed out: the next run on the same server starts after them. */
  used: number
  /** This generator's CPU time during the measured run (s): is the generator the bottleneck? */
  generatorCpuSeconds: number
}

async function run (input: ClosedLoopInput): Promise<ClosedLoopResult> {
  let next = input.firstIndex
  // autocannon rebuilds the request from setupRequest's answer each time; the body is the only thing that changes.
  const options = {
    url: input.url + input.path,
    connections: input.connections,
    pipelining: 1,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request: object) => ({ ...request, body: signupBody(next++, input.formToken) }) }]
  }
  const cpu = process.cpuUsage()
  const result = await autocannon({ ...options, duration: input.seconds })
  const { user, system } = process.cpuUsage(cpu)
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]))
  return {
    perSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    used: next - input.firstIndex,
    generatorCpuSeconds: (user + system) / 1e6
  }
}

serve({ run: input => run(input as ClosedLoopInput) })
