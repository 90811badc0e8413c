// Throw-away PostgreSQL databases for the bench: one per server under test, dropped afterwards.
import pg from 'pg'

/** Where the bench may create databases (BENCH_DATABASE_URL; the test database's server by default). */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const created = new Set<string>()
let counter = 0

async function admin<T> (work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function postgresAvailable (): Promise<boolean> {
  try {
    return await admin(async client => (await client.query('SELECT 1')).rowCount === 1)
  } catch {
    return false
  }
}

/** Creates an empty database and returns its postgres:// URL. */
export async function createDatabase (): Promise<string> {
  const name = `optline_bench_${process.pid}_${++counter}`
  await admin(client => client.query(`CREATE DATABASE ${name}`))
  created.add(name)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

export async function dropDatabase (databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1)
  if (!created.has(name)) return
  await admin(client => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  created.delete(name)
}

/** Drops every database this process created and still holds (after a failure or Ctrl-C). */
export async function dropAll (): Promise<void> {
  for (const name of [...created]) await dropDatabase(`postgres://x/${name}`).catch(() => {})
}

export async function countByStatus (databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ status: string, n: string }>('SELECT status, count(*) AS n FROM signups GROUP BY status')
    return Object.fromEntries(rows.map(row => [row.status, Number(row.n)]))
  } finally {
    await client.end()
  }
}
