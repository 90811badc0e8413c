// How long and how hard each measurement runs: the full run (the numbers in docs/benchmarks.md, about 9 minutes)
// or BENCH_QUICK=1 (about a minute, to see that everything works; not for comparing).
export interface Settings {
  quick: boolean
  rounds: number
  /** Closed-loop accept throughput (autocannon): per round, each variant gets `slices` turns of `sliceSeconds`. */
  throughput: { connections: number, warmupSeconds: number, slices: number, sliceSeconds: number }
  /** Open-loop latency at a steady rate. */
  openLoop: { rate: number, warmupSeconds: number, seconds: number, connections: number, windowSeconds: number }
  /** Backlog drain against the stand-in: N signups, L calls per W seconds. */
  drain: { n: number, limit: number, windowSeconds: number, rounds: number }
  phoneSeconds: number
  /** Issue 6's page budget: loads of each form page in Chromium (the median time is reported). */
  pageRuns: number
  /** Before each sample, wait up to perWaitMs (totalMs in all) for the machine to be nearly idle. */
  quiet: { perWaitMs: number, totalMs: number }
}

export function settingsFromEnv (env: NodeJS.ProcessEnv): Settings {
  const quick = env.BENCH_QUICK === '1'
  if (quick) {
    return {
      quick,
      rounds: 1,
      throughput: { connections: 128, warmupSeconds: 0.5, slices: 2, sliceSeconds: 1 },
      openLoop: { rate: 2000, warmupSeconds: 0.5, seconds: 3, connections: 128, windowSeconds: 1 },
      drain: { n: 30, limit: 10, windowSeconds: 2, rounds: 1 },
      phoneSeconds: 0.5,
      pageRuns: 3,
      quiet: { perWaitMs: 2000, totalMs: 10_000 }
    }
  }
  return {
    quick,
    rounds: 3,
    throughput: { connections: 128, warmupSeconds: 0.75, slices: 4, sliceSeconds: 1 },
    openLoop: { rate: 2000, warmupSeconds: 1, seconds: 10, connections: 128, windowSeconds: 2 },
    drain: { n: 60, limit: 20, windowSeconds: 5, rounds: 3 },
    phoneSeconds: 1,
    pageRuns: 5,
    quiet: { perWaitMs: 3000, totalMs: 15_000 }
  }
}
