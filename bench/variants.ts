// The servers under test: the bare route, and optline itself (`node src/server.ts`, like `npm start`) on each store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServerProcess, type ServerProcess } from './lib/server-process.ts'
import { countByStatus, createDatabase, dropDatabase } from './lib/postgres.ts'
import { sqliteCounts } from './lib/sqlite.ts'

export const SERVER_SCRIPT = fileURLToPath(new URL('../src/server.ts', import.meta.url))
const BARE_SCRIPT = fileURLToPath(new URL('./workers/bare-server.ts', import.meta.url))
const STORE_ONLY_SCRIPT = fileURLToPath(new URL('./workers/store-server.ts', import.meta.url))
const MODEL_SCRIPT = fileURLToPath(new URL('./workers/model-server.ts', import.meta.url))
const APP_ONLY_SCRIPT = fileURLToPath(new URL('./workers/app-server.ts', import.meta.url))
export const CAMPAIGNS_FILE = fileURLToPath(new URL('./campaigns.yaml', import.meta.url))
export const SIGNUP_PATH = '/api/v1/campaigns/demo/signups'
export const FORM_TOKEN_PATH = '/api/v1/campaigns/demo/form-token'

export type VariantName = 'bare' | 'sqlite-full' | 'sqlite-normal' | 'postgres' | 'app-only' | 'store-only' | 'model'

export const VARIANT_LABELS: Record<VariantName, string> = {
  bare: 'bare Fastify route',
  'sqlite-full': 'optline, SQLite, DATABASE_DURABILITY=full (default)',
  'sqlite-normal': 'optline, SQLite, DATABASE_DURABILITY=normal',
  postgres: 'optline, PostgreSQL (pool 16)',
  'app-only': 'optline with a store that writes nothing (accept answers at once)',
  'store-only': 'bare route + optline\'s durable accept only (store.accept, SQLite full)',
  model: 'bare route + one-table SQLite insert (group commit, FULL)'
}

/** Variants that only take the decomposition of the throughput gap, not the goals (bench/workers/app-server.ts, store-server.ts, model-server.ts). */
const DECOMPOSITION_SCRIPTS: Partial<Record<VariantName, string>> = { 'app-only': APP_ONLY_SCRIPT, 'store-only': STORE_ONLY_SCRIPT, model: MODEL_SCRIPT }

export interface RunningVariant {
  name: VariantName
  server: ServerProcess
  /** Stops the server, counts the stored signups by status (none for the bare route) and removes its data. Once. */
  finish: () => Promise<{ exitCode: number | null, rows: Record<string, number> | undefined }>
}

function once<T> (work: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= work())
}

/** Starts one fresh instance (new temp dir, new SQLite file or Postgres database) of the variant. */
export async function startVariant (name: VariantName): Promise<RunningVariant> {
  const dir = mkdtempSync(join(tmpdir(), `optline-bench-${name}-`))
  const logFile = join(dir, 'server.log')
  let databaseUrl: string | undefined
  try {
    if (name === 'bare') {
      const server = await startServerProcess({ script: BARE_SCRIPT, env: {}, cwd: dir, logFile })
      return {
        name,
        server,
        finish: once(async () => {
          const exitCode = await server.stop()
          rmSync(dir, { recursive: true, force: true })
          return { exitCode, rows: undefined }
        })
      }
    }
    const sqliteFile = join(dir, 'optline.db')
    databaseUrl = name === 'postgres' ? await createDatabase() : sqliteFile
    // Sandbox mode (no token): the dispatcher paces against the built-in stand-in at its default 60/min,
    // as a fresh install does. LOG_LEVEL is left at its default (info: one line per request), like npm start.
    const env: Record<string, string> = { DATABASE_URL: databaseUrl, CAMPAIGNS_FILE }
    if (name === 'sqlite-normal') env.DATABASE_DURABILITY = 'normal'
    if (name === 'sqlite-full') env.DATABASE_DURABILITY = 'full'
    // The decomposition variants take the same database and campaigns, through their own script.
    const server = await startServerProcess({ script: DECOMPOSITION_SCRIPTS[name] ?? SERVER_SCRIPT, env, cwd: dir, logFile })
    const url = databaseUrl
    return {
      name,
      server,
      finish: once(async () => {
        const exitCode = await server.stop()
        try {
          // The app-only variant stores nothing by design: there are no rows to check.
          const rows = name === 'app-only' ? undefined : name === 'postgres' ? await countByStatus(url) : sqliteCounts(sqliteFile)
          return { exitCode, rows }
        } finally {
          if (name === 'postgres') await dropDatabase(url)
          rmSync(dir, { recursive: true, force: true })
        }
      })
    }
  } catch (error) {
    if (databaseUrl !== undefined && name === 'postgres') await dropDatabase(databaseUrl).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
