// `npm run bench`: every measurement of issues 3 and 6 in one run, in interleaved rounds, written to
// docs/benchmarks.md and summarised on stdout (progress goes to stderr). BENCH_QUICK=1: a one-minute smoke run
// written to the temp directory instead, never over the real numbers.
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { measureThroughputRound } from './accept.ts'
import { measureDrain } from './drain.ts'
import { describeMachine } from './machine.ts'
import { measureLatencyRound } from './open-loop.ts'
import { measurePages } from './page.ts'
import { measurePhone } from './phone.ts'
import { checkNumbers } from './lib/phones.ts'
import { dropAll, postgresAvailable, ADMIN_URL } from './lib/postgres.ts'
import { fixed, int, times } from './lib/markdown.ts'
import { createQuietGate } from './lib/quiet.ts'
import { startWorker } from './lib/worker.ts'
import { renderReport, renderSummary } from './report.ts'
import type { Results } from './results.ts'
import { settingsFromEnv } from './settings.ts'
import { measureWalFrames } from './wal-frames.ts'
import type { VariantName } from './variants.ts'

const settings = settingsFromEnv(process.env)
// 1 and 2: a quiet hour and a steady 2,000 signups/s on 2 cores; then bursts.
const WAL_FRAME_BATCHES = [1, 2, 4, 16, 64]
const startedAt = new Date()
const started = performance.now()
const worker = (name: string) => startWorker(fileURLToPath(new URL(`./workers/${name}.ts`, import.meta.url)))
const progress = (line: string) => {
  const elapsed = Math.round((performance.now() - started) / 1000)
  process.stderr.write(`[${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}] ${line}\n`)
}

process.once('SIGINT', () => { dropAll().finally(() => process.exit(130)) })

// Numbers handed to the servers must all be ones normalizePhone accepts: check every prefix the run can use.
checkNumbers()
const machine = await describeMachine()
const postgresSkipped = await postgresAvailable() ? undefined : `no PostgreSQL at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}`
if (postgresSkipped !== undefined) progress(`PostgreSQL cases skipped: ${postgresSkipped}`)
const withPostgres = (list: VariantName[]): VariantName[] => postgresSkipped === undefined ? list : list.filter(v => v !== 'postgres')

const results: Results = {
  command: settings.quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
  startedAt,
  seconds: 0,
  machine,
  settings,
  postgresSkipped,
  throughputVariants: withPostgres(['bare', 'sqlite-full', 'sqlite-normal', 'postgres', 'app-only', 'store-only', 'model']),
  latencyVariants: withPostgres(['bare', 'sqlite-full', 'postgres', 'app-only']),
  throughput: [],
  latency: [],
  phone: [],
  drain: [],
  drainPostgres: undefined,
  walFrames: undefined,
  page: undefined,
  quietWaitSeconds: 0
}

const quiet = createQuietGate(settings.quiet)
const closedLoop = worker('closed-loop')
const openLoop = worker('open-loop')
const phone = worker('phone')
try {
  // The first open-loop run of a bench measured every server slower (in one check, the bare route's p99 3.7 ms in that
  // run against 1.4–1.9 ms in every later one, for any variant that came first), and a short warm-up of the generator
  // against a throwaway server only halved that. A whole round whose numbers are dropped removed it: after one, the
  // first measured variant was like the others.
  progress('— latency warm-up round (not counted)')
  for (const s of await measureLatencyRound(results.latencyVariants, 0, settings.openLoop, openLoop, quiet)) {
    // Not counted, but a problem here (refusals, lost rows) would be one in the counted rounds too.
    if (s.problems.length > 0) progress(`  warm-up ${s.variant} PROBLEMS: ${s.problems.join('; ')}`)
  }
  for (let round = 0; round < settings.rounds; round++) {
    progress(`— round ${round + 1} of ${settings.rounds}`)
    const throughput = await measureThroughputRound(results.throughputVariants, round, settings.throughput, closedLoop, quiet)
    for (const s of throughput) {
      progress(`  throughput ${s.variant}: ${int(s.perSecond)}/s (server ${fixed(s.serverCores, 2)} cores, generator ${fixed(s.generatorCores, 2)}, machine ${fixed(s.machineBusyCores, 2)})${s.problems.length > 0 ? ` PROBLEMS: ${s.problems.join('; ')}` : ''}`)
    }
    results.throughput.push(throughput)
    const latency = await measureLatencyRound(results.latencyVariants, round, settings.openLoop, openLoop, quiet)
    for (const s of latency) {
      progress(`  p99 @${settings.openLoop.rate}/s ${s.variant}: ${fixed(s.p99Ms, 2)} ms (p50 ${fixed(s.load.latency.p50, 2)}, send lag p99 ${fixed(s.load.sendLag.p99, 2)}, server ${fixed(s.serverCores, 2)} cores, machine ${fixed(s.machineBusyCores, 2)})${s.problems.length > 0 ? ` PROBLEMS: ${s.problems.join('; ')}` : ''}`)
    }
    results.latency.push(latency)
    await quiet.wait()
    const p = await measurePhone(settings.phoneSeconds, phone)
    progress(`  normalizePhone: ${int(p.opsPerSecond)} ops/s`)
    results.phone.push(p)
  }
  for (let round = 0; round < settings.drain.rounds; round++) {
    const s = await measureDrain('sqlite', 1, settings.drain)
    progress(`— drain ${round + 1}/${settings.drain.rounds}, 1 instance on SQLite: ${times(s.ratio)} of ideal, ${s.rateLimited} × 429${s.problems.length > 0 ? ` PROBLEMS: ${s.problems.join('; ')}` : ''}`)
    results.drain.push(s)
  }
  if (postgresSkipped === undefined) {
    const s = await measureDrain('postgres', 2, settings.drain)
    progress(`— drain, 2 instances on PostgreSQL: ${times(s.ratio)} of ideal, ${s.rateLimited} × 429, per instance ${s.perInstance.join(' + ')}`)
    results.drainPostgres = s
  }
  progress('— WAL pages per signup, by signups per commit')
  results.walFrames = await measureWalFrames(WAL_FRAME_BATCHES)
  progress(`  ${results.walFrames.map(w => `${w.batch} per commit: ${fixed(w.framesPerSignup, 2)}`).join(', ')}`)
  // Last, on a machine the load has left: the CPU slowdown multiplies whatever else is running.
  progress(`— pages: first visit and time to a usable form (Chromium, slow 4G, ${settings.pageRuns} runs)`)
  results.page = await measurePages(settings.pageRuns, progress, quiet)
  if (results.page.skipped !== undefined) progress(`  pages skipped: ${results.page.skipped}`)
} finally {
  await Promise.all([closedLoop.close(), openLoop.close(), phone.close()])
  await dropAll()
}

results.seconds = (performance.now() - started) / 1000
results.quietWaitSeconds = quiet.totalWaitedMs / 1000
const out = process.env.BENCH_OUT ?? (settings.quick
  ? join(tmpdir(), 'optline-benchmarks-quick.md')
  : fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)))
writeFileSync(out, renderReport(results))
console.log(renderSummary(results))
console.log(`\nwritten to ${out}`)
