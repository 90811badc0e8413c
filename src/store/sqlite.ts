// The embedded store: node:sqlite on one file in WAL mode. Every write after migration (sqlite-writes.ts: the group-
// committed accepts, the dispatcher's, the rare ones) runs in a writer thread with a connection of its own, so their
// SQL and fsync never stall the event loop; this thread's connection reads, and migrates at start-up, waiting for a
// lock asynchronously rather than sleeping in SQLite's busy handler. Consent exports read through a connection each.
import { statSync } from 'node:fs'
import type { DatabaseSync } from 'node:sqlite'
import { setTimeout as sleep } from 'node:timers/promises'
import { createGroupCommit } from './group-commit.ts'
import { SQLITE_MIGRATIONS } from './migrations-sqlite.ts'
import { BUSY_TIMEOUT_MS, beginImmediateBlocking, isBusy, openSqliteConnection } from './sqlite-connection.ts'
import { createSqliteConsents } from './sqlite-consents.ts'
import { createSqliteStats } from './sqlite-stats.ts'
import { type AsyncWrites, createWriterThread } from './sqlite-writer.ts'
import { type Accepting, commitOrRollBack, createSqliteWrites, type SqliteWrites, WRITE_NAMES } from './sqlite-writes.ts'
import { deletionArguments } from './consent-records.ts'
import { checkBucket, heldQuery, invalidAccept, toBucket, toClaimed, toCounts, toDetail, toHeld, toMs } from './rows.ts'
import type { AcceptResult, InstrumentedStore, StoreOptions } from './types.ts'

/** Compare-and-set attempts withBucket makes before it gives up (each lost one means another instance won). */
const BUCKET_ATTEMPTS = 50

export function createSqliteStore (options: StoreOptions): InstrumentedStore {
  const path = options.url
  // :memory: is private to its connection, so a writer thread could not see it: tests' stores write inline.
  const inMemory = path === ':memory:' || path === ''
  const db = openSqliteConnection(path, options.durability, 0)

  // For migrate() only. BEGIN IMMEDIATE takes the write lock up front (a deferred transaction that reads then writes
  // could hit SQLITE_BUSY on the upgrade). While another process holds the lock (one starting at the same moment),
  // wait here without blocking the event loop, up to the same timeout a busy handler would have.
  async function writeTransaction<T> (work: () => T): Promise<T> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS
    for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 25)) {
      try {
        db.exec('BEGIN IMMEDIATE')
        break
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error
        await sleep(waitMs)
      }
    }
    return commitOrRollBack(db, work)
  }

  // Prepared on first use: the tables exist only once migrate() has run.
  let cached: ReturnType<typeof statements> | undefined
  const sql = () => (cached ??= statements(db))

  const writer = inMemory ? undefined : createWriterThread({ path, durability: options.durability })
  const writes: AsyncWrites = writer?.writes ?? inline(createSqliteWrites(db, beginImmediateBlocking))
  const batcher = createGroupCommit<Accepting, AcceptResult>({
    batchDelayMs: options.batchDelayMs,
    maxBatch: options.maxBatch,
    // One writer, so batches commit one after another. With the writer thread, a second batch may wait in its queue:
    // it starts the moment the first commits, instead of after this thread has answered the first one's visitors.
    // More would only make batches smaller.
    maxInFlight: writer === undefined ? 1 : 2,
    commit: items => writes.accept(items)
  })

  const consents = createSqliteConsents(db, inMemory ? undefined : path)
  let closed = false

  return {
    kind: 'sqlite',
    acceptStats: batcher.stats,
    // Read by /metrics: a WAL that keeps growing means checkpoints cannot keep up (deploy.md).
    ...(inMemory ? {} : { walBytes: () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0 }),

    async migrate () {
      // A migration may rebuild a table that others reference (SQLite's 12-step ALTER): foreign keys are off
      // meanwhile (the pragma is a no-op inside a transaction, hence around the loop) and checked by
      // foreign_key_check before each commit. openStore() migrates before anything else uses the store, so no
      // other statement of this connection runs while they are off, even while a transaction waits for the lock.
      db.exec('PRAGMA foreign_keys = OFF')
      try {
        // One transaction per migration; the version is re-read under the write lock, so a second process
        // starting at the same moment waits, then finds the work done.
        for (;;) {
          const applied = await writeTransaction(() => {
            const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
            const migration = SQLITE_MIGRATIONS[version]
            // A newer build may have migrated further: its schema is a superset, so this build can still run.
            if (migration === undefined) return false
            db.exec(migration)
            if (db.prepare('PRAGMA foreign_key_check').all().length > 0) {
              throw new Error(`store: migration ${version + 1} left rows without their parent row`)
            }
            db.exec(`PRAGMA user_version = ${version + 1}`)
            return true
          })
          if (!applied) break
        }
      } finally {
        db.exec('PRAGMA foreign_keys = ON')
      }
      // Now, not at the first signup, whose answer would otherwise wait for the thread to start.
      await writer?.start()
    },

    async saveDisclosure (version, text, now) {
      await writes.saveDisclosure(version, text, toMs(now, 'now'))
    },

    accept (signup, dedupeWindowMs, velocity) {
      if (closed) return Promise.reject(new Error('store: accept() after close()'))
      const invalid = invalidAccept(signup, dedupeWindowMs, velocity)
      if (invalid !== undefined) return Promise.reject(invalid)
      return batcher.add({ signup, dedupeWindowMs, velocity })
    },

    async claim (tokenKey, limit, now, leaseMs, owner) {
      const at = toMs(now, 'now')
      const rows = await writes.claim({ tokenKey, now: at, limit, leaseUntil: toMs(at + leaseMs, 'leaseUntil'), owner })
      // RETURNING order is unspecified: put the oldest first as promised.
      return rows.map(toClaimed).sort((a, b) => a.id - b.id)
    },

    async finishAttempt (attempt, resolution) {
      await writes.finishAttempt(attempt, resolution)
    },

    async release (ids) {
      if (ids.length === 0) return
      await writes.release(ids)
    },

    async adoptSignups (tokenKey, except) {
      return await writes.adoptSignups(tokenKey, except)
    },

    async nextDue (tokenKey) {
      const row = sql().nextDue.get({ tokenKey }) as { due: number | null } | undefined
      return row?.due ?? undefined
    },

    async withBucket (tokenKey, update) {
      // Read here, update, then a compare-and-set by the writer: if another instance changed the bucket meanwhile,
      // update again from the bucket the writer found. The writer never waits for this thread's logic under a lock.
      let seen = toBucket(sql().getBucket.get(tokenKey))
      for (let attempt = 1; ; attempt++) {
        const { state, result } = update(seen)
        const { stored, current } = await writes.putBucketIf(tokenKey, seen, checkBucket(state))
        if (stored) return result
        // Instances take tokens a few times a second: losing this many races in a row means something is wrong.
        if (attempt >= BUCKET_ATTEMPTS) throw new Error(`store: the rate bucket of ${tokenKey} changed under ${attempt} updates in a row`)
        seen = current ?? undefined
      }
    },

    async counts (campaign) {
      return toCounts(sql().counts.all({ campaign: campaign ?? null }))
    },

    async listHeld (options) {
      const { campaign, limit, before } = heldQuery(options)
      const q = sql()
      return (campaign === null ? q.listHeld.all({ before, limit }) : q.listHeldIn.all({ campaign, before, limit })).map(toHeld)
    },

    async releaseHeld (id, now) {
      return await writes.releaseHeld(id, toMs(now, 'now'))
    },

    async signupDetail (id) {
      const q = sql()
      const row = q.detail.get(id)
      return row === undefined ? undefined : toDetail(row, q.attemptLog.all(id))
    },

    exportConsents (query) {
      if (closed) throw new Error('store: exportConsents() after close()')
      return consents.exportConsents(query)
    },

    async deleteNumber (e164, now, note) {
      return await writes.deleteNumber(deletionArguments(e164, now, note))
    },

    listDeletions: consents.listDeletions,
    ...createSqliteStats(db, rows => writes.addTraffic(rows)),

    async close () {
      if (closed) return
      closed = true
      await batcher.drain()
      await writer?.close()
      db.close()
    }
  }
}

function statements (db: DatabaseSync) {
  return {
    // Two index probes (signups_pending_due, signups_lease); min() skips the NULL of an empty side.
    nextDue: db.prepare(`SELECT min(t) AS due FROM (
        SELECT min(next_attempt_at) AS t FROM signups WHERE token_key = :tokenKey AND status = 'pending'
        UNION ALL
        SELECT min(lease_until) FROM signups WHERE token_key = :tokenKey AND status = 'sending')`),
    getBucket: db.prepare('SELECT * FROM rate_buckets WHERE token_key = ?'),
    counts: db.prepare(`SELECT status, count(*) AS n FROM signups
      WHERE :campaign IS NULL OR campaign = :campaign GROUP BY status`),
    detail: db.prepare(`SELECT s.*, c.disclosure_version, c.consent_given, c.client_ip, c.user_agent, c.page_url,
        c.referrer, c.source, c.utm_source, c.utm_medium, c.utm_campaign, c.utm_term, c.utm_content, d.text AS disclosure_text
      FROM signups s
      LEFT JOIN signup_consents c ON c.signup_id = s.id
      LEFT JOIN disclosures d ON d.version = c.disclosure_version
      WHERE s.id = ?`),
    attemptLog: db.prepare('SELECT * FROM signup_attempts WHERE signup_id = ? ORDER BY id'),
    // Two statements rather than ":campaign IS NULL OR …": SQLite plans once, without the values, so each states
    // exactly what its partial index (signups_held, signups_held_campaign) can seek: the cursor is a range
    // (no cursor: below the largest id), walked backwards from there.
    listHeld: db.prepare(`SELECT s.id, s.campaign, s.e164, s.hold_reason, s.created_at, c.client_ip, c.source
      FROM signups s LEFT JOIN signup_consents c ON c.signup_id = s.id
      WHERE s.status = 'held' AND s.id < coalesce(:before, 9223372036854775807)
      ORDER BY s.id DESC LIMIT :limit`),
    listHeldIn: db.prepare(`SELECT s.id, s.campaign, s.e164, s.hold_reason, s.created_at, c.client_ip, c.source
      FROM signups s LEFT JOIN signup_consents c ON c.signup_id = s.id
      WHERE s.status = 'held' AND s.campaign = :campaign AND s.id < coalesce(:before, 9223372036854775807)
      ORDER BY s.id DESC LIMIT :limit`)
  }
}

/** The writes run on this thread's connection (a :memory: database), answered as the writer thread would. */
function inline (writes: SqliteWrites): AsyncWrites {
  return Object.fromEntries(WRITE_NAMES.map(name => {
    const write = writes[name] as (...args: unknown[]) => unknown
    return [name, async (...args: unknown[]) => write(...args)]
  })) as AsyncWrites
}
