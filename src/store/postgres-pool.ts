// The pg.Pool behind the Postgres store: BIGINT read back as number, optional schema and durability, transactions.
import pg from 'pg'
import type { Pool, PoolClient } from 'pg'
import type { StoreOptions } from './types.ts'

const INT8_OID = 20

/** Unquoted lower-case identifiers only: the name goes into a connection option and into DDL as is. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export function checkSchemaName (schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`store: schema must match ${SCHEMA_NAME}, got ${JSON.stringify(schema)}`)
  return schema
}

export function createPool (options: StoreOptions): Pool {
  // Times and ids are BIGINT; every one of them fits in a double (ms until the year 287396), so read them as
  // numbers. Per pool, not pg.types globally: other pg users in the process keep the default.
  const types = new pg.TypeOverrides()
  types.setTypeParser(INT8_OID, Number)
  // Settings for every connection of the pool, applied by the server at connect time (no extra round trip).
  const settings: string[] = []
  if (options.schema !== undefined) settings.push(`-c search_path=${checkSchemaName(options.schema)}`)
  // 'normal': COMMIT returns before the WAL is flushed (a server crash may lose the last ~600 ms of commits,
  // never corrupts); 'full' leaves synchronous_commit as the server has it.
  if (options.durability === 'normal') settings.push('-c synchronous_commit=off')
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 16,
    types,
    ...(settings.length > 0 ? { options: settings.join(' ') } : {})
  })
  // An idle connection that dies (server restart, network) is dropped from the pool and replaced on next use;
  // without a listener the 'error' event would crash the process. Queries in flight get their own error.
  pool.on('error', () => {})
  return pool
}

/**
 * Runs `work` in BEGIN … COMMIT on one pooled connection; ROLLBACK and rethrow on any error. A connection whose
 * ROLLBACK also failed is destroyed rather than returned to the pool in an unknown state.
 */
export async function inTransaction<T> (pool: Pool, work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(begin)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => { broken = rollbackError })
    throw error
  } finally {
    client.release(broken)
  }
}

/** Deadlocks and serialization failures: the transaction did nothing and may simply be run again. */
export function isRetryableTransactionError (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '40P01' || code === '40001'
}
