// Accept throughput, one round: a fresh instance of every variant, then closed-loop autocannon load on each in turn,
// in short slices whose order rotates, so whatever else the machine does falls on all variants alike. Also start-up
// time and memory. Every request carries a distinct number; the stored rows are counted afterwards.
import { cpus } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { finishInstances, startInstances, type Instance } from './instances.ts'
import { cpuShare, machineCpu, sampleRss } from './lib/proc.ts'
import type { QuietGate } from './lib/quiet.ts'
import { median } from './lib/stats.ts'
import type { Worker } from './lib/worker.ts'
import type { Settings } from './settings.ts'
import { SIGNUP_PATH, type VariantName } from './variants.ts'
import type { ClosedLoopInput, ClosedLoopResult } from './workers/closed-loop.ts'

export interface ThroughputSample {
  variant: VariantName
  /** 202s per second over all measured slices. */
  perSecond: number
  ok: number
  seconds: number
  statusCodes: Record<string, number>
  errors: number
  /** Closed-loop p99 (median of the slices; not coordinated-omission safe, for information), ms. */
  p99Ms: number
  startupMs: number
  idleRssMiB: number
  loadRssMiB: number
  hwmMiB: number
  /** Server CPU during its slices, in cores (1.0 = one core busy all the time). */
  serverCores: number
  generatorCores: number
  /** The whole machine during its slices, in cores: anything beyond server + generator is other work. */
  machineBusyCores: number
  stealCores: number
  /** Signups stored, by status (undefined for the bare route). */
  rows: Record<string, number> | undefined
  /** Problems that make this sample untrustworthy (non-2xx answers, duplicates or held rows, rows missing). */
  problems: string[]
}

interface Tally {
  instance: Instance
  idleRssMiB: number
  acknowledged: number
  ok: number
  seconds: number
  statusCodes: Record<string, number>
  errors: number
  p99s: number[]
  serverCpu: number
  generatorCpu: number
  machineBusy: number
  steal: number
}

export async function measureThroughputRound (
  variants: VariantName[], round: number, settings: Settings['throughput'], generator: Worker, quiet: QuietGate
): Promise<ThroughputSample[]> {
  const instances = await startInstances(variants)
  try {
    await delay(500)
    const tallies: Tally[] = instances.map(instance => ({
      instance,
      idleRssMiB: instance.running.server.memory()?.rssMiB ?? Number.NaN,
      acknowledged: instance.nextNumber,
      ok: 0,
      seconds: 0,
      statusCodes: {},
      errors: 0,
      p99s: [],
      serverCpu: 0,
      generatorCpu: 0,
      machineBusy: 0,
      steal: 0
    }))
    const stopSampling = tallies.map(t => sampleRss(t.instance.running.server.pid))
    for (const t of tallies) t.acknowledged += (await load(t, settings.warmupSeconds, settings.connections, generator)).ok
    for (let slice = 0; slice < settings.slices; slice++) {
      for (let i = 0; i < tallies.length; i++) {
        const t = tallies[(i + slice + round) % tallies.length] as Tally
        await quiet.wait()
        const { server } = t.instance.running
        const cpuBefore = server.cpuSeconds() ?? Number.NaN
        const machineBefore = machineCpu()
        const result = await load(t, settings.sliceSeconds, settings.connections, generator)
        const machine = cpuShare(machineBefore, machineCpu(), cpus().length)
        t.serverCpu += (server.cpuSeconds() ?? Number.NaN) - cpuBefore
        t.machineBusy += machine.busyCores * result.seconds
        t.steal += machine.stealCores * result.seconds
        t.generatorCpu += result.generatorCpuSeconds
        t.acknowledged += result.ok
        t.ok += result.ok
        t.seconds += result.seconds
        t.errors += result.errors + result.timeouts
        t.p99s.push(result.p99Ms)
        for (const [code, n] of Object.entries(result.statusCodes)) t.statusCodes[code] = (t.statusCodes[code] ?? 0) + n
      }
    }
    const loadRss = stopSampling.map(stop => stop())
    const samples: ThroughputSample[] = []
    for (const [i, t] of tallies.entries()) {
      const { running } = t.instance
      const hwmMiB = running.server.memory()?.hwmMiB ?? Number.NaN
      const { rows } = await running.finish()
      samples.push({
        variant: running.name,
        perSecond: t.ok / t.seconds,
        ok: t.ok,
        seconds: t.seconds,
        statusCodes: t.statusCodes,
        errors: t.errors,
        p99Ms: median(t.p99s),
        startupMs: running.server.startupMs,
        idleRssMiB: t.idleRssMiB,
        loadRssMiB: loadRss[i] ?? Number.NaN,
        hwmMiB,
        serverCores: t.serverCpu / t.seconds,
        generatorCores: t.generatorCpu / t.seconds,
        machineBusyCores: t.machineBusy / t.seconds,
        stealCores: t.steal / t.seconds,
        rows,
        problems: check(t, rows)
      })
    }
    return samples
  } finally {
    await finishInstances(instances)
  }
}

async function load (t: Tally, seconds: number, connections: number, generator: Worker): Promise<ClosedLoopResult> {
  const { instance } = t
  const input: ClosedLoopInput = {
    url: instance.running.server.url, path: SIGNUP_PATH, connections, seconds, firstIndex: instance.nextNumber, formToken: instance.formToken
  }
  const result = await generator.call<ClosedLoopResult>('run', input)
  instance.nextNumber += result.used
  return result
}

/** What makes a sample untrustworthy: refusals, lost or duplicate rows, signups held as suspected abuse. */
export function rowProblems (rows: Record<string, number> | undefined, acknowledged: number): string[] {
  if (rows === undefined) return []
  const problems: string[] = []
  const stored = Object.values(rows).reduce((sum, n) => sum + n, 0)
  if ((rows.duplicate ?? 0) > 0) problems.push(`${rows.duplicate} signups stored as duplicates: the numbers were not distinct`)
  if ((rows.held ?? 0) > 0) problems.push(`${rows.held} signups held as suspected abuse: the load did not look like real visitors`)
  // Requests still in flight when the generator stopped may be stored without being counted, never the reverse.
  if (stored < acknowledged) problems.push(`${acknowledged} signups acknowledged with 202 but only ${stored} stored`)
  return problems
}

function check (t: Tally, rows: Record<string, number> | undefined): string[] {
  const problems: string[] = []
  const other = Object.entries(t.statusCodes).filter(([code]) => code !== '202')
  if (other.length > 0) problems.push(`answers other than 202: ${JSON.stringify(Object.fromEntries(other))}`)
  if (t.errors > 0) problems.push(`${t.errors} connection errors or timeouts`)
  return [...problems, ...rowProblems(rows, t.acknowledged)]
}
