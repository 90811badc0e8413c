// Issue 6: what a first visit to each kind of form page costs on the wire, and how long a phone on slow 4G waits for
// a usable form. One optline server with the example campaigns; Chromium runs in workers/page.ts. Without Chromium
// the step is skipped, never failed. `node bench/page.ts` runs this step alone and prints its part of the report.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse, stringify } from 'yaml'
import { startServerProcess } from './lib/server-process.ts'
import { startWorker } from './lib/worker.ts'
import type { QuietGate } from './lib/quiet.ts'
import { SERVER_SCRIPT } from './variants.ts'
import type { NetworkProfile, PageLoadInput, PageLoadResult, WireRow } from './workers/page.ts'

/** 10 TCP segments of 1,460 bytes: the initial congestion window, so the whole first visit comes in one round trip. */
export const PAGE_BUDGET_BYTES = 14_600

/** Slow 4G as issue 6 puts it: 400 ms round trip, 400 kbit/s each way, a CPU four times slower. */
export const SLOW_4G: NetworkProfile = { latencyMs: 400, downKbps: 400, upKbps: 400, cpuSlowdown: 4 }

/** Debian's package, as the browser suite uses; BENCH_CHROMIUM points elsewhere (or nowhere, to see the skip). */
export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'

export const PAGES = [
  { name: 'default campaign', path: '/c/demo' },
  { name: 'several countries', path: '/c/world' },
  { name: 'Spanish', path: '/c/world?lang=es' },
  { name: 'branded (logo, theme)', path: '/c/branded' },
  { name: 'embed iframe', path: '/c/demo?embed=1' }
] as const

export interface PageSample {
  name: string
  path: string
  /** The first run's requests, for the breakdown. */
  rows: WireRow[]
  /** One entry per run. */
  wireBytes: number[]
  requests: number[]
  usableMs: number[]
  fcpMs: number[]
  problems: string[]
}

export interface PageResults {
  /** Why nothing was measured, when nothing was. */
  skipped: string | undefined
  browser: string | undefined
  profile: NetworkProfile
  runs: number
  pages: PageSample[]
}

const EXAMPLE_CAMPAIGNS = fileURLToPath(new URL('../config/campaigns.example.yaml', import.meta.url))
// The iframe page needs a site allowed to frame it, or it carries no frame script; no request goes there.
const EMBEDDER = 'https://shop.example.com'

/** The example campaigns as `npm start` serves them, demo embeddable, logo paths made absolute for the copy. */
function campaignsFile (dir: string): string {
  const file = parse(readFileSync(EXAMPLE_CAMPAIGNS, 'utf8')) as { campaigns: Record<string, Record<string, unknown>> }
  for (const campaign of Object.values(file.campaigns)) {
    const branding = campaign.branding as { logo?: string, logoDark?: string } | undefined
    for (const key of ['logo', 'logoDark'] as const) {
      const path = branding?.[key]
      if (branding !== undefined && path !== undefined) branding[key] = fileURLToPath(new URL(path, pathToFileURL(EXAMPLE_CAMPAIGNS)))
    }
  }
  const demo = file.campaigns.demo
  if (demo === undefined) throw new Error(`${EXAMPLE_CAMPAIGNS} has no demo campaign`)
  demo.embedOrigins = [EMBEDDER]
  const path = join(dir, 'campaigns.yaml')
  writeFileSync(path, stringify(file))
  return path
}

function problemsOf (result: PageLoadResult): string[] {
  const problems: string[] = []
  if (result.rows[0]?.status !== 200) problems.push(`the page answered ${result.rows[0]?.status ?? 'nothing'}`)
  for (const row of result.rows) {
    if (row.status !== 200) problems.push(`${row.status} for ${row.path}`)
    if (!row.path.startsWith('/')) problems.push(`a request to another origin: ${row.path}`)
  }
  if (!Number.isFinite(result.usableMs)) problems.push('the form never became usable')
  return problems
}

/**
 * Every page `runs` times, pages interleaved within a run (so noise is shared), each load a fresh browser context.
 * Live mode against an address nothing listens on: a page load makes no upstream call, and shows no sandbox banner.
 */
export async function measurePages (runs: number, progress: (line: string) => void, quiet?: QuietGate): Promise<PageResults> {
  const results: PageResults = { skipped: undefined, browser: undefined, profile: SLOW_4G, runs, pages: [] }
  if (!existsSync(CHROMIUM)) {
    results.skipped = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set BENCH_CHROMIUM)`
    return results
  }
  const dir = mkdtempSync(join(tmpdir(), 'optline-bench-page-'))
  const logFile = join(dir, 'server.log')
  const worker = startWorker(fileURLToPath(new URL('./workers/page.ts', import.meta.url)))
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined
  try {
    server = await startServerProcess({
      script: SERVER_SCRIPT,
      env: { DATABASE_URL: join(dir, 'optline.db'), CAMPAIGNS_FILE: campaignsFile(dir), PROTEXTING_ACCESS_TOKEN: 'bench-page-token', PROTEXTING_API_URL: 'http://127.0.0.1:9/v1' },
      cwd: dir,
      logFile
    })
    results.pages = PAGES.map(p => ({ name: p.name, path: p.path, rows: [], wireBytes: [], requests: [], usableMs: [], fcpMs: [], problems: [] }))
    for (let run = 0; run < runs; run++) {
      await quiet?.wait()
      for (const sample of results.pages) {
        const input: PageLoadInput = { chromium: CHROMIUM, url: server.url + sample.path, profile: SLOW_4G }
        const result = await worker.call<PageLoadResult>('load', input, 90_000)
        results.browser = result.browser
        if (run === 0) sample.rows = result.rows
        sample.wireBytes.push(result.rows.reduce((sum, row) => sum + row.wireBytes, 0))
        sample.requests.push(result.rows.length)
        sample.usableMs.push(result.usableMs)
        sample.fcpMs.push(result.fcpMs)
        for (const problem of problemsOf(result)) if (!sample.problems.includes(problem)) sample.problems.push(problem)
        progress(`  page ${sample.path}: ${sample.wireBytes.at(-1)} B in ${result.rows.length} requests, usable after ${Math.round(result.usableMs)} ms`)
      }
    }
  } catch (error) {
    // A browser that cannot start (or a page that cannot load) is reported, not fatal to the rest of the bench.
    results.skipped = `Chromium at ${CHROMIUM} failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`
    results.pages = []
  } finally {
    await worker.call('close', undefined, 10_000).catch(() => {})
    await worker.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return results
}

// `node bench/page.ts`: this step alone (BENCH_QUICK=1: 3 runs per page), its report section and goal on stdout.
// No top-level await: goals.ts and report.ts import this module, which must finish loading first.
async function main (): Promise<void> {
  const { settingsFromEnv } = await import('./settings.ts')
  const { pageGoal } = await import('./goals.ts')
  const { goalLines, pageSection } = await import('./report.ts')
  const results = await measurePages(settingsFromEnv(process.env).pageRuns, line => process.stderr.write(`${line}\n`))
  console.log(pageSection(results))
  console.log(`\n${goalLines([pageGoal(results)]).join('\n')}`)
}
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch(error => {
    console.error(error)
    process.exitCode = 1
  })
}
