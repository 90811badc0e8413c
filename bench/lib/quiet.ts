// Waiting for a quiet machine: other jobs on a shared 2-core machine would otherwise land on whichever sample
// happens to be running. Bounded per wait and in total, so a machine that is never quiet still gets measured.
import { cpus } from 'node:os'
import { cpuShare, machineCpu } from './proc.ts'

export interface QuietGate {
  /** Resolves once the machine was nearly idle for one window, or when this wait's or the run's budget is spent. */
  wait: () => Promise<{ waitedMs: number, busyCores: number }>
  readonly totalWaitedMs: number
}

export function createQuietGate (options: { perWaitMs: number, totalMs: number, thresholdCores?: number, windowMs?: number }): QuietGate {
  const { perWaitMs, totalMs, thresholdCores = 0.3, windowMs = 300 } = options
  const cores = cpus().length
  let totalWaitedMs = 0
  return {
    get totalWaitedMs () { return totalWaitedMs },
    async wait () {
      const started = performance.now()
      const limit = Math.max(0, Math.min(perWaitMs, totalMs - totalWaitedMs))
      let busyCores: number
      do {
        const before = machineCpu()
        await new Promise(resolve => setTimeout(resolve, windowMs))
        busyCores = cpuShare(before, machineCpu(), cores).busyCores
      } while (!(busyCores < thresholdCores) && performance.now() - started < limit)
      const waitedMs = performance.now() - started
      totalWaitedMs += waitedMs
      return { waitedMs, busyCores }
    }
  }
}
