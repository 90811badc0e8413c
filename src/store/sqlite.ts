// The embedded store: node:sqlite on one file in WAL mode, accepts group-committed, writes serialised by BEGIN IMMEDIATE.
// Every transaction here opens and commits inside one synchronous call, so none is ever held across an await.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { createGroupCommit } from './group-commit.ts'
import { SQLITE_MIGRATIONS } from './migrations-sqlite.ts'
import { createSqliteConsents } from './sqlite-consents.ts'
import { createSqliteStats } from './sqlite-stats.ts'
import {
  checkBucket, heldQuery, invalidAccept, phonePrefix, resolutionColumns, toBucket, toClaimed, toCounts, toDetail, toHeld, toMs,
  utmColumns
} from './rows.ts'
import { type AcceptResult, type InstrumentedStore, type NewSignup, PREFIX_VELOCITY_HOLD, type StoreOptions, type VelocityLimit } from './types.ts'

/** How long a write waits for another process's transaction before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000

interface Accepting {
  signup: NewSignup
  dedupeWindowMs: number
  velocity: VelocityLimit | undefined
}

export function createSqliteStore (options: StoreOptions): InstrumentedStore {
  const path = options.url
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true })
  // timeout sets SQLite's busy handler: several processes may share the file, each waits its turn to write.
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS })
  // WAL: readers never block the writer, and a commit appends to one file. FULL fsyncs the WAL at every
  // commit, so an acknowledged signup survives power loss; NORMAL only survives a crash of the process.
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(`PRAGMA synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`)

  // BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes could hit
  // SQLITE_BUSY on the upgrade without the busy handler ever retrying it.
  function writeTransaction<T> (work: () => T): T {
    db.exec('BEGIN IMMEDIATE')
    try {
      const result = work()
      db.exec('COMMIT')
      return result
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK')
      throw error
    }
  }

  // Prepared on first use: the tables exist only once migrate() has run.
  let cached: ReturnType<typeof statements> | undefined
  const sql = () => (cached ??= statements(db))

  const batcher = createGroupCommit<Accepting, AcceptResult>({
    batchDelayMs: options.batchDelayMs,
    maxBatch: options.maxBatch,
    // One connection, one writer: a second batch could only queue behind the first.
    maxInFlight: 1,
    // The whole batch is one transaction, so one fsync; each row's duplicate and velocity checks run inside
    // it and therefore see the rows inserted before it in the same batch.
    commit: (items) => writeTransaction(() => items.map(({ signup, dedupeWindowMs, velocity }) => {
      const createdAt = toMs(signup.createdAt, 'createdAt')
      const prefix = phonePrefix(signup.phoneNumber)
      const q = sql()
      // The contract's order: the caller's hold, then duplicate, then velocity.
      let status: 'pending' | 'duplicate' | 'held' = 'pending'
      let holdReason = signup.hold
      if (holdReason !== undefined) {
        status = 'held'
      } else if (q.findRecent.get(signup.campaign, signup.phoneNumber, createdAt - dedupeWindowMs) !== undefined) {
        status = 'duplicate'
      } else if (velocity !== undefined &&
        Number(q.prefixRecent.get(signup.campaign, prefix, createdAt - toMs(velocity.windowMs, 'windowMs'), velocity.max)?.n) >= velocity.max) {
        status = 'held'
        holdReason = PREFIX_VELOCITY_HOLD
      }
      const { lastInsertRowid } = q.insertSignup.run({
        campaign: signup.campaign,
        phoneNumber: signup.phoneNumber,
        phonePrefix: prefix,
        e164: signup.e164,
        request: JSON.stringify(signup.request),
        tokenKey: signup.tokenKey,
        status,
        holdReason: holdReason ?? null,
        nextAttemptAt: status === 'pending' ? createdAt : null,
        createdAt
      })
      const id = Number(lastInsertRowid)
      const c = signup.consent
      q.insertConsent.run(id, c.disclosureVersion, c.consentGiven ? 1 : 0, c.clientIp ?? null, c.userAgent ?? null,
        c.pageUrl ?? null, c.referrer ?? null, c.source ?? null, ...utmColumns(c.utm))
      return { id, duplicate: status === 'duplicate', held: holdReason }
    }))
  })

  const consents = createSqliteConsents(db, writeTransaction)
  let closed = false

  return {
    kind: 'sqlite',
    acceptStats: batcher.stats,

    async migrate () {
      // A migration may rebuild a table that others reference (SQLite's 12-step ALTER): foreign keys are off
      // meanwhile (the pragma is a no-op inside a transaction, hence around the loop) and checked by
      // foreign_key_check before each commit. Nothing here awaits, so no other statement of this connection
      // runs while they are off.
      db.exec('PRAGMA foreign_keys = OFF')
      try {
        // One transaction per migration; the version is re-read under the write lock, so a second process
        // starting at the same moment waits, then finds the work done.
        for (;;) {
          const applied = writeTransaction(() => {
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
          if (!applied) return
        }
      } finally {
        db.exec('PRAGMA foreign_keys = ON')
      }
    },

    async saveDisclosure (version, text, now) {
      sql().insertDisclosure.run(version, text, toMs(now, 'now'))
    },

    accept (signup, dedupeWindowMs, velocity) {
      if (closed) return Promise.reject(new Error('store: accept() after close()'))
      const invalid = invalidAccept(signup, dedupeWindowMs, velocity)
      if (invalid !== undefined) return Promise.reject(invalid)
      return batcher.add({ signup, dedupeWindowMs, velocity })
    },

    async claim (tokenKey, limit, now, leaseMs, owner) {
      const at = toMs(now, 'now')
      const rows = writeTransaction(() => sql().claim.all({ tokenKey, now: at, limit, leaseUntil: toMs(at + leaseMs, 'leaseUntil'), owner }))
      // RETURNING order is unspecified: put the oldest first as promised.
      return rows.map(toClaimed).sort((a, b) => a.id - b.id)
    },

    async finishAttempt (attempt, resolution) {
      const columns = resolutionColumns(resolution, attempt.finishedAt)
      writeTransaction(() => {
        const q = sql()
        // No row to count: deleted on request while the call was in flight, and it stays deleted.
        if (q.countAttempt.run(attempt.signupId).changes === 0) return
        q.insertAttempt.run(attempt.signupId, toMs(attempt.startedAt, 'startedAt'), toMs(attempt.finishedAt, 'finishedAt'),
          attempt.outcome, attempt.httpStatus ?? null, attempt.detail, attempt.maybeProcessed ? 1 : 0)
        q.resolve.run({ id: attempt.signupId, ...columns })
      })
    },

    async release (ids) {
      if (ids.length === 0) return
      writeTransaction(() => sql().release.run(JSON.stringify(ids)))
    },

    async nextDue (tokenKey) {
      const row = sql().nextDue.get({ tokenKey }) as { due: number | null } | undefined
      return row?.due ?? undefined
    },

    async withBucket (tokenKey, update) {
      // The write lock is held from the read to the upsert, so processes sharing the file take turns.
      return writeTransaction(() => {
        const q = sql()
        const { state, result } = update(toBucket(q.getBucket.get(tokenKey)))
        const s = checkBucket(state)
        q.putBucket.run(tokenKey, s.tokens, s.updatedAt, s.capacity, s.windowMs, s.blockedUntil)
        return result
      })
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
      const at = toMs(now, 'now')
      return writeTransaction(() => sql().releaseHeld.run({ id, now: at }).changes === 1)
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

    deleteNumber: consents.deleteNumber,
    listDeletions: consents.listDeletions,
    ...createSqliteStats(db, writeTransaction),

    async close () {
      if (closed) return
      closed = true
      await batcher.drain()
      db.close()
    }
  }
}

function statements (db: DatabaseSync) {
  return {
    // An earlier signup of this number in the window that was or will be sent (served by signups_dedupe, whose
    // WHERE the query repeats word for word: SQLite uses a partial index only then). Held rows do not count.
    findRecent: db.prepare(`SELECT 1 FROM signups
      WHERE campaign = ? AND phone_number = ? AND status NOT IN ('duplicate', 'held') AND created_at > ? LIMIT 1`),
    // Velocity: the prefix's signups in the window, every status but duplicate (served by signups_prefix_velocity).
    // Counting stops at the limit: during a burst the window may hold thousands, and only "≥ max" matters.
    prefixRecent: db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM signups
      WHERE campaign = ? AND phone_prefix = ? AND status <> 'duplicate' AND created_at > ? LIMIT ?)`),
    insertSignup: db.prepare(`INSERT INTO signups
      (campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason, next_attempt_at, created_at)
      VALUES (:campaign, :phoneNumber, :phonePrefix, :e164, :request, :tokenKey, :status, :holdReason, :nextAttemptAt, :createdAt)`),
    insertConsent: db.prepare(`INSERT INTO signup_consents
      (signup_id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
        utm_source, utm_medium, utm_campaign, utm_term, utm_content)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertDisclosure: db.prepare(`INSERT INTO disclosures (version, text, created_at) VALUES (?, ?, ?)
      ON CONFLICT (version) DO NOTHING`),
    // Due = pending and its retry time has come, or claimed by a dispatcher whose lease ran out (it died).
    // The status IN (…) term lets SQLite use the partial index signups_active, walked in id order.
    claim: db.prepare(`UPDATE signups SET status = 'sending', lease_until = :leaseUntil, claimed_by = :owner
      WHERE id IN (
        SELECT id FROM signups
        WHERE token_key = :tokenKey AND status IN ('pending', 'sending')
          AND ((status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND lease_until <= :now))
        ORDER BY id LIMIT :limit)
      RETURNING id, campaign, phone_number, request, token_key, attempts, created_at`),
    insertAttempt: db.prepare(`INSERT INTO signup_attempts
      (signup_id, started_at, finished_at, outcome, http_status, detail, maybe_processed) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    countAttempt: db.prepare('UPDATE signups SET attempts = attempts + 1 WHERE id = ?'),
    // A signup already delivered or rejected keeps its status: a late answer from a dispatcher whose lease
    // expired (and whose row someone else then finished) must not put it back in the queue.
    resolve: db.prepare(`UPDATE signups SET status = :status, next_attempt_at = :nextAttemptAt,
        delivered_at = :deliveredAt, contact_id = :contactId, last_error = :lastError, lease_until = NULL, claimed_by = NULL
      WHERE id = :id AND status IN ('pending', 'sending')`),
    release: db.prepare(`UPDATE signups SET status = 'pending', lease_until = NULL, claimed_by = NULL
      WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'`),
    // Two index probes (signups_pending_due, signups_lease); min() skips the NULL of an empty side.
    nextDue: db.prepare(`SELECT min(t) AS due FROM (
        SELECT min(next_attempt_at) AS t FROM signups WHERE token_key = :tokenKey AND status = 'pending'
        UNION ALL
        SELECT min(lease_until) FROM signups WHERE token_key = :tokenKey AND status = 'sending')`),
    getBucket: db.prepare('SELECT * FROM rate_buckets WHERE token_key = ?'),
    putBucket: db.prepare(`INSERT INTO rate_buckets (token_key, tokens, updated_at, capacity, window_ms, blocked_until)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (token_key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at,
        capacity = excluded.capacity, window_ms = excluded.window_ms, blocked_until = excluded.blocked_until`),
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
      ORDER BY s.id DESC LIMIT :limit`),
    // Due at once; hold_reason stays for the record. Once pending, findRecent counts it as a sent signup.
    releaseHeld: db.prepare(`UPDATE signups SET status = 'pending', next_attempt_at = :now, released_at = :now
      WHERE id = :id AND status = 'held'`)
  }
}
