// What Linux says about a process (from /proc): resident memory now and at its peak, CPU time used.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface Memory {
  /** VmRSS: resident now, MiB. */
  rssMiB: number
  /** VmHWM: the peak resident set since start, MiB. */
  hwmMiB: number
}

function ticksPerSecond (): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}
const CLK_TCK = ticksPerSecond()

function statusKiB (status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match?.[1] === undefined ? Number.NaN : Number(match[1])
}

/** Undefined once the process is gone. */
export function memoryOf (pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return { rssMiB: statusKiB(status, 'VmRSS') / 1024, hwmMiB: statusKiB(status, 'VmHWM') / 1024 }
  } catch {
    return undefined
  }
}

/** User + system CPU seconds of every thread of the process so far; undefined once it is gone. */
export function cpuSecondsOf (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields after its closing bracket.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return undefined
  }
}

/** Samples VmRSS every `everyMs` until stopped; returns the largest value seen (MiB). */
export function sampleRss (pid: number, everyMs = 200): () => number {
  let max = memoryOf(pid)?.rssMiB ?? 0
  const timer = setInterval(() => { max = Math.max(max, memoryOf(pid)?.rssMiB ?? 0) }, everyMs)
  return () => {
    clearInterval(timer)
    return Math.max(max, memoryOf(pid)?.rssMiB ?? 0)
  }
}

export interface MachineCpu {
  /** Jiffies (all CPUs): busy = user + nice + system + irq + softirq; steal = taken by the hypervisor. */
  busy: number
  steal: number
  total: number
}

/** The machine's CPU counters (first line of /proc/stat); diff two readings with cpuShare(). */
export function machineCpu (): MachineCpu {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
    return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal }
  } catch {
    return { busy: Number.NaN, steal: Number.NaN, total: Number.NaN }
  }
}

/** Between two readings, in cores: how busy the whole machine was, and how much the hypervisor stole. */
export function cpuShare (before: MachineCpu, after: MachineCpu, cores: number): { busyCores: number, stealCores: number } {
  const total = after.total - before.total
  return { busyCores: (after.busy - before.busy) / total * cores, stealCores: (after.steal - before.steal) / total * cores }
}
