// Opens a connection to the SQLite file the way every part of the store needs it: WAL, the chosen durability.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

/** What the writer cuts the WAL file back to once it starts over: more than it holds under load (a few tens of MB). */
export const WAL_KEPT_BYTES = 64 * 1024 * 1024

/** How long a write waits for another connection's transaction before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000

/** SQLITE_BUSY or one of its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT): try again later. */
export function isBusy (error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode
  return typeof code === 'number' && (code & 0xff) === 5
}

/**
 * `busyTimeoutMs` sets SQLite's busy handler, which SLEEPS in the calling thread until the lock is free: right for
 * the writer thread, wrong for the main thread (it would stall every request), which passes 0 and retries itself.
 */
export function openSqliteConnection (path: string, durability: 'full' | 'normal' | undefined, busyTimeoutMs: number): DatabaseSync {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true })
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs })
  // WAL: readers never block the writer, and a commit appends to one file. FULL fsyncs the WAL at every
  // commit, so an acknowledged signup survives power loss; NORMAL only survives a crash of the process.
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(`PRAGMA synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`)
  return db
}

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * BEGIN IMMEDIATE, waiting in short steps while another connection holds the write lock. For the writer thread
 * (and the single :memory: connection): SQLite's own busy handler would sleep 1, 2, 5, 10, 15… ms between tries,
 * so a lock held for one 5 ms commit could cost a batch 18 ms.
 */
export function beginImmediateBlocking (db: DatabaseSync): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE')
      return
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error
      Atomics.wait(pause, 0, 0, 0.25)
    }
  }
}
