// Backlog drain: N signups already queued, then one or more optline instances start against a stand-in (its own
// process) that allows L calls per W seconds. Time from the first call the stand-in receives (the dispatcher has
// started) to the last 201, against the ideal max(0, N - L) x W / L: the first L go at once, then L per W.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { countByStatus, createDatabase, dropDatabase } from './lib/postgres.ts'
import { sqliteCounts } from './lib/sqlite.ts'
import { seedBacklog } from './lib/seed.ts'
import { startServerProcess, type ServerProcess } from './lib/server-process.ts'
import { startWorker } from './lib/worker.ts'
import type { Settings } from './settings.ts'
import { CAMPAIGNS_FILE, SERVER_SCRIPT } from './variants.ts'
import type { CallTimes, StandInInput } from './workers/stand-in.ts'

const STAND_IN = fileURLToPath(new URL('./workers/stand-in.ts', import.meta.url))
const TOKEN = 'bench-drain-token'

export interface DrainSample {
  store: 'sqlite' | 'postgres'
  instances: number
  n: number
  limit: number
  windowSeconds: number
  idealMs: number
  /** First call received → last 201 answered, ms. */
  drainMs: number
  ratio: number
  calls: number
  created: number
  /** 429s the stand-in answered: each one is a call the instances together made over the limit. */
  rateLimited: number
  /** Spawn of the instance(s) → first call at the stand-in, ms (start-up, outside the drain time). */
  spawnToFirstCallMs: number
  /** 201s per instance, from each instance's log. */
  perInstance: number[]
  delivered: number
  problems: string[]
}

export async function measureDrain (store: 'sqlite' | 'postgres', instances: number, settings: Settings['drain']): Promise<DrainSample> {
  const { n, limit, windowSeconds } = settings
  const idealMs = Math.max(0, n - limit) * windowSeconds * 1000 / limit
  const dir = mkdtempSync(join(tmpdir(), `optline-bench-drain-${store}-`))
  const databaseUrl = store === 'postgres' ? await createDatabase() : join(dir, 'optline.db')
  const standIn = startWorker(STAND_IN)
  const servers: ServerProcess[] = []
  try {
    await seedBacklog({ databaseUrl, campaignsFile: CAMPAIGNS_FILE, accessToken: TOKEN, count: n })
    const apiUrl = await standIn.call<string>('listen', { accessToken: TOKEN, limit, windowSeconds } satisfies StandInInput)
    const env = { DATABASE_URL: databaseUrl, CAMPAIGNS_FILE, PROTEXTING_API_URL: apiUrl, PROTEXTING_ACCESS_TOKEN: TOKEN }
    const spawnedAt = Date.now()
    servers.push(...await Promise.all(Array.from({ length: instances }, (_, i) =>
      startServerProcess({ script: SERVER_SCRIPT, env, cwd: dir, logFile: join(dir, `server-${i}.log`) }))))
    const deadline = performance.now() + idealMs * 3 + 60_000
    while (performance.now() < deadline && await standIn.call<number>('created') < n) await delay(200)
    await Promise.all(servers.map(server => server.stop()))
    const { calls } = await standIn.call<CallTimes>('calls')
    const rows = store === 'postgres' ? await countByStatus(databaseUrl) : sqliteCounts(databaseUrl)
    return summarise({ store, instances, n, limit, windowSeconds, idealMs, spawnedAt, calls, rows, servers })
  } finally {
    await Promise.all(servers.map(server => server.stop(1000)))
    await standIn.close()
    if (store === 'postgres') await dropDatabase(databaseUrl).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Observed extends Pick<DrainSample, 'store' | 'instances' | 'n' | 'limit' | 'windowSeconds' | 'idealMs'> {
  spawnedAt: number
  calls: CallTimes['calls']
  rows: Record<string, number>
  servers: ServerProcess[]
}

function summarise (o: Observed): DrainSample {
  const created = o.calls.filter(call => call.status === 201)
  const first = o.calls[0]?.time ?? Number.NaN
  const last = created.at(-1)?.time ?? Number.NaN
  const drainMs = created.length >= o.n ? last - first : Number.NaN
  const rateLimited = o.calls.filter(call => call.status === 429).length
  const other = o.calls.filter(call => call.status !== 201 && call.status !== 429)
  // One line per delivered call in each instance's log ("outcome":"created").
  const perInstance = o.servers.map(server => readFileSync(server.logFile, 'utf8').split('\n').filter(line => line.includes('"outcome":"created"')).length)
  const problems: string[] = []
  if (created.length < o.n) problems.push(`only ${created.length} of ${o.n} delivered before the deadline`)
  if (other.length > 0) problems.push(`${other.length} answers other than 201/429: ${[...new Set(other.map(call => call.status))].join(', ')}`)
  if ((o.rows.delivered ?? 0) !== o.n) problems.push(`${o.rows.delivered ?? 0} rows delivered in the database, expected ${o.n}`)
  if (created.length > o.n) problems.push(`${created.length - o.n} signups sent twice`)
  return {
    store: o.store,
    instances: o.instances,
    n: o.n,
    limit: o.limit,
    windowSeconds: o.windowSeconds,
    idealMs: o.idealMs,
    drainMs,
    ratio: drainMs / o.idealMs,
    calls: o.calls.length,
    created: created.length,
    rateLimited,
    spawnToFirstCallMs: first - o.spawnedAt,
    perInstance,
    delivered: o.rows.delivered ?? 0,
    problems
  }
}
