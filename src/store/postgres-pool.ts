// The pg.Pool behind the Postgres store: BIGINT read back as number, optional schema and durability, bounded waits
// for a database that stops answering, transactions.
import pg from 'pg'
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg'
import type { StoreOptions } from './types.ts'

const INT8_OID = 20

// Bounds for a database that stops answering (partition, frozen volume, lost synchronous standby). Without them a
// query waits for the kernel to give up on the socket (~15 min), the visitor sees a spinner instead of the 503, and
// the batch keeps its pool slot all that time.

/** How long the store waits for a statement's answer, unless StoreOptions.queryTimeoutMs says otherwise. An accept
 * takes milliseconds, a dashboard count over millions of rows a few seconds; a visitor gets the 503 about this long
 * after the database stopped answering. */
export const POSTGRES_QUERY_TIMEOUT_MS = 10_000

// The client gives up first (pg's query_timeout: the only bound that holds when the server or the network says
// nothing at all), and the server cancels the statement this much later (statement_timeout), so a backend whose
// client left does not keep running, and holding locks and a connection slot, until it next writes to the socket.
// Not the other way round: a cancelled wait for a synchronous standby reports the COMMIT as done (with a warning),
// and the visitor would be told "saved" for a signup the standby never got; the client's timeout answers 503.
const SERVER_MARGIN_MS = 1000

/** Opening a connection, or waiting for a free one, unless StoreOptions.connectTimeoutMs says otherwise: a healthy
 * server answers a connect in milliseconds, a pool slot frees within one query's time. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5000

// TCP keepalive probes on a connection idle this long (libuv then probes every second, 10 times): a pooled connection
// whose peer vanished is found dead in ~20 s instead of being handed to the next query.
const KEEPALIVE_IDLE_MS = 10_000

// Our transactions never wait between statements longer than an event-loop turn. A transaction idle this long
// belongs to a client that is gone (it timed out and dropped the socket during a partition): the server ends it,
// so its row locks (a rate bucket, a number being deleted) do not block other instances until TCP notices.
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000

/** The bound for the few statements that may legitimately scan a lot (a consent-export page filtered by a rare
 * campaign, a deletion's scan by number): long, but still finite. */
const LONG_QUERY_TIMEOUT_MS = 5 * 60_000

/** Unquoted lower-case identifiers only: the name goes into a connection option and into DDL as is. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export function checkSchemaName (schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`store: schema must match ${SCHEMA_NAME}, got ${JSON.stringify(schema)}`)
  return schema
}

/** Positive whole milliseconds, or the default: 0 would mean "no bound" to pg and PostgreSQL. */
function timeoutOf (value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`store: ${name} must be a positive integer (ms), got ${value}`)
  return value
}

/**
 * The store's pool. `unbounded`: no per-statement bound (connecting stays bounded), for migrations only: a migration
 * may rewrite a big table or wait for another instance's migration under the advisory lock, and cutting it half-way
 * would only make the next start do it again.
 */
export function createPool (options: StoreOptions, unbounded = false): Pool {
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
  const queryTimeoutMs = timeoutOf(options.queryTimeoutMs, POSTGRES_QUERY_TIMEOUT_MS, 'queryTimeoutMs')
  const pool = new pg.Pool({
    connectionString: options.url,
    max: unbounded ? 1 : options.poolSize ?? 16,
    types,
    // Bounds both a new connection and the wait for a free one (pg-pool's "timeout exceeded when trying to connect").
    connectionTimeoutMillis: timeoutOf(options.connectTimeoutMs, POSTGRES_CONNECT_TIMEOUT_MS, 'connectTimeoutMs'),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    // The server's two are startup parameters (no extra round trip). A query failed by query_timeout takes its
    // connection out of the pool (pool.query and inTransaction release it with the error), in whatever state it was.
    ...(unbounded
      ? {}
      : {
          query_timeout: queryTimeoutMs,
          statement_timeout: queryTimeoutMs + SERVER_MARGIN_MS,
          idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS
        }),
    ...(settings.length > 0 ? { options: settings.join(' ') } : {})
  })
  // An idle connection that dies (server restart, network) is dropped from the pool and replaced on next use;
  // without a listener the 'error' event would crash the process. Queries in flight get their own error.
  pool.on('error', () => {})
  return pool
}

/** pg's error when its query_timeout expires (it has no code). */
function isClientTimeout (error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout'
}

/**
 * Runs `work` in BEGIN … COMMIT on one pooled connection; ROLLBACK and rethrow on any error. A connection whose
 * ROLLBACK also failed, or whose statement timed out client-side, is destroyed rather than returned to the pool in
 * an unknown state.
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
    // After a client-side timeout the statement may still be running and the server silent: a ROLLBACK would only
    // queue behind it for another full timeout. Dropping the connection ends the transaction just as surely.
    if (isClientTimeout(error)) broken = error as Error
    else await client.query('ROLLBACK').catch((rollbackError: Error) => { broken = rollbackError })
    throw error
  } finally {
    client.release(broken)
  }
}

/** One statement on the transaction's connection, with LONG_QUERY_TIMEOUT_MS as its bound. */
export type LongQuery = (text: string, values?: unknown[]) => Promise<QueryResult>

/**
 * inTransaction() for the statements that may take minutes without anything being wrong: each query carries its own
 * client-side bound (pg reads a query_timeout of 0 as "the pool's", so "none" cannot be asked for, nor is it wanted),
 * and SET LOCAL raises the server's for this transaction only (in BEGIN's round trip).
 */
export async function inLongTransaction<T> (pool: Pool, work: (query: LongQuery) => Promise<T>): Promise<T> {
  return await inTransaction(pool, async client => {
    return await work(async (text, values) => {
      // query_timeout per query is read by pg (client.js) but missing from @types/pg's QueryConfig.
      const config: QueryConfig & { query_timeout: number } = { text, values, query_timeout: LONG_QUERY_TIMEOUT_MS }
      return await client.query(config)
    })
  }, `BEGIN; SET LOCAL statement_timeout = ${LONG_QUERY_TIMEOUT_MS + SERVER_MARGIN_MS}`)
}

/** Deadlocks and serialization failures: the transaction did nothing and may simply be run again. */
export function isRetryableTransactionError (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '40P01' || code === '40001'
}
