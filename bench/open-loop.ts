// Accept latency at a steady rate, one round: a fresh instance of every variant, then the open-loop generator
// (workers/open-loop.ts) on each in turn, order rotating between rounds.
import { cpus } from 'node:os'
import { rowProblems } from './accept.ts'
import { finishInstances, startInstances } from './instances.ts'
import { cpuShare, machineCpu } from './lib/proc.ts'
import type { QuietGate } from './lib/quiet.ts'
import type { Worker } from './lib/worker.ts'
import type { Settings } from './settings.ts'
import { SIGNUP_PATH, type VariantName } from './variants.ts'
import type { OpenLoopInput, OpenLoopResult } from './workers/open-loop.ts'

export interface LatencySample {
  variant: VariantName
  p99Ms: number
  load: OpenLoopResult
  /** Seconds from the server's spawn to the start of its measured phase (after the warm-up). */
  serverAgeSeconds: number
  /** Server CPU while the rate was applied (warm-up included), in cores. */
  serverCores: number
  machineBusyCores: number
  stealCores: number
  problems: string[]
}

export async function measureLatencyRound (
  variants: VariantName[], round: number, settings: Settings['openLoop'], generator: Worker, quiet: QuietGate
): Promise<LatencySample[]> {
  const instances = await startInstances(variants)
  try {
    const measured: Array<{ load: OpenLoopResult, ageSeconds: number, serverCores: number, machine: { busyCores: number, stealCores: number } }> = []
    for (let i = 0; i < instances.length; i++) {
      const index = (i + round) % instances.length
      const instance = instances[index]
      if (instance === undefined) continue
      const { server } = instance.running
      await quiet.wait()
      const cpuBefore = server.cpuSeconds() ?? Number.NaN
      const wallBefore = performance.now()
      const machineBefore = machineCpu()
      const ageSeconds = (wallBefore - server.spawnedAt) / 1000 + settings.warmupSeconds
      const input: OpenLoopInput = { url: server.url, path: SIGNUP_PATH, firstIndex: instance.nextNumber, formToken: instance.formToken, ...settings }
      const load = await generator.call<OpenLoopResult>('run', input, (settings.warmupSeconds + settings.seconds + 120) * 1000)
      instance.nextNumber += load.used
      const serverCores = ((server.cpuSeconds() ?? Number.NaN) - cpuBefore) / ((performance.now() - wallBefore) / 1000)
      measured[index] = { load, ageSeconds, serverCores, machine: cpuShare(machineBefore, machineCpu(), cpus().length) }
    }
    const samples: LatencySample[] = []
    for (const [i, instance] of instances.entries()) {
      const m = measured[i]
      if (m === undefined) continue
      const { rows } = await instance.running.finish()
      const other = Object.entries(m.load.statusCodes).filter(([code]) => code !== '202')
      const problems = [
        ...(other.length > 0 ? [`answers other than 202: ${JSON.stringify(Object.fromEntries(other))}`] : []),
        ...(m.load.errors > 0 ? [`${m.load.errors} requests failed or never completed`] : []),
        ...rowProblems(rows, m.load.ok)
      ]
      samples.push({
        variant: instance.running.name,
        p99Ms: m.load.latency.p99,
        load: m.load,
        serverAgeSeconds: m.ageSeconds,
        serverCores: m.serverCores,
        machineBusyCores: m.machine.busyCores,
        stealCores: m.machine.stealCores,
        problems
      })
    }
    return samples
  } finally {
    await finishInstances(instances)
  }
}
