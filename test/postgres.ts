// The test PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432/test): reachable or why not, and throwaway schemas.
import type { Test } from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const shownPostgresUrl = postgresUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')

/** Undefined when the server answers, else the reason it does not. */
export async function postgresProblem (): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * True when the Postgres tests can run. Otherwise: a failure under CI (CI must run them),
 * or a skip with the reason printed; never silent.
 */
export async function requirePostgres (t: Test): Promise<boolean> {
  const problem = await postgresProblem()
  if (problem === undefined) return true
  if (process.env.CI !== undefined) t.fail(`PostgreSQL is required under CI but ${shownPostgresUrl} is unreachable: ${problem}`)
  else t.plan(0, `skipped: no PostgreSQL at ${shownPostgresUrl} (${problem}); set TEST_DATABASE_URL or start the server`)
  return false
}

export function newSchemaName (): string {
  return `optline_test_${randomBytes(6).toString('hex')}`
}

export async function dropSchema (schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}
