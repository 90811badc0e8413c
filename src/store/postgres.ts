// The scale-out store: PostgreSQL through a pg.Pool, shared by several instances. Accepts are group-committed
// (postgres-accept.ts), claims use FOR UPDATE SKIP LOCKED, and each token's bucket is one row lock for everyone.
import { createGroupCommit } from './group-commit.ts'
import { type Accepting, commitAcceptBatch } from './postgres-accept.ts'
import { createPostgresConsents } from './postgres-consents.ts'
import { createPostgresStats } from './postgres-stats.ts'
import { checkSchemaName, createPool, inTransaction } from './postgres-pool.ts'
import { POSTGRES_MIGRATIONS } from './migrations-postgres.ts'
import {
  checkBucket, heldQuery, invalidAccept, resolutionColumns, toBucket, toClaimed, toCounts, toDetail, toHeld, toMs
} from './rows.ts'
import type { AcceptResult, InstrumentedStore, StoreOptions } from './types.ts'

// Claimers skip rows another transaction has locked instead of queueing behind it (the pg-boss / graphile-worker
// pattern), so N dispatchers take N disjoint sets. The status terms let the planner use only the partial indexes
// of unfinished rows (signups_active in id order for a big backlog; signups_pending_due + signups_lease when few
// are due), never the delivered history. The row lock lasts this one statement; afterwards status = 'sending'
// with a future lease keeps other claimers off the row.
const CLAIM = `WITH due AS (
    SELECT id, status,
      EXISTS (SELECT 1 FROM signup_attempts a WHERE a.signup_id = signups.id AND a.maybe_processed) AS maybe_sent_before
    FROM signups
    WHERE token_key = $1 AND status IN ('pending', 'sending')
      AND ((status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND lease_until <= $2))
    ORDER BY id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  )
  UPDATE signups s SET status = 'sending', lease_until = $4, claimed_by = $5
  FROM due WHERE s.id = due.id
  RETURNING s.id, s.campaign, s.phone_number, s.request, s.token_key, s.attempts, s.created_at, due.status AS previous_status,
    due.maybe_sent_before`

// A signup already delivered or rejected keeps its status: a late answer from a dispatcher whose lease expired
// (and whose row someone else then finished) must not put it back in the queue. The attempt still counts.
const RESOLVE = `UPDATE signups SET status = $2, next_attempt_at = $3, delivered_at = $4, contact_id = $5,
    last_error = $6, lease_until = NULL, claimed_by = NULL
  WHERE id = $1 AND status IN ('pending', 'sending')`

// Two index probes (signups_pending_due, signups_lease); LEAST ignores the NULL of an empty side.
const NEXT_DUE = `SELECT LEAST(
    (SELECT min(next_attempt_at) FROM signups WHERE token_key = $1 AND status = 'pending'),
    (SELECT min(lease_until) FROM signups WHERE token_key = $1 AND status = 'sending')) AS due`

const DETAIL = `SELECT s.*, c.disclosure_version, c.consent_given, c.client_ip, c.user_agent, c.page_url,
    c.referrer, c.source, c.utm_source, c.utm_medium, c.utm_campaign, c.utm_term, c.utm_content, d.text AS disclosure_text
  FROM signups s
  LEFT JOIN signup_consents c ON c.signup_id = s.id
  LEFT JOIN disclosures d ON d.version = c.disclosure_version
  WHERE s.id = $1`

// Newest first from the cursor down. Unnamed statement, so planned with the actual values: the IS NULL terms fold
// away and the plan walks signups_held or signups_held_campaign backwards.
const LIST_HELD = `SELECT s.id, s.campaign, s.e164, s.hold_reason, s.created_at, c.client_ip, c.source
  FROM signups s LEFT JOIN signup_consents c ON c.signup_id = s.id
  WHERE s.status = 'held' AND ($1::text IS NULL OR s.campaign = $1) AND ($2::bigint IS NULL OR s.id < $2)
  ORDER BY s.id DESC LIMIT $3`

// A released signup is due at once and keeps its hold_reason. It now counts as sent for the duplicate check, as
// it does on SQLite (which reads signups): so it takes its number's dedupe key, as of its created_at, like an
// accept would have. GREATEST: a newer signup of the number may hold the key already. window_ms is only read as
// excluded.window_ms by accept's upsert; an existing key keeps its own, a new one gets 0.
const RELEASE_HELD = `WITH released AS (
    UPDATE signups SET status = 'pending', next_attempt_at = $2, released_at = $2
    WHERE id = $1 AND status = 'held'
    RETURNING campaign, phone_number, created_at
  ), keyed AS (
    INSERT INTO dedupe_keys AS k (campaign, phone_number, last_sent_at, window_ms)
    SELECT campaign, phone_number, created_at, 0 FROM released
    ON CONFLICT (campaign, phone_number) DO UPDATE SET last_sent_at = GREATEST(k.last_sent_at, excluded.last_sent_at)
  )
  SELECT count(*) AS released FROM released`

/** How long a batch of signups waits for more before it is written, unless StoreOptions.batchDelayMs says otherwise. */
export const POSTGRES_BATCH_DELAY_MS = 2

export function createPostgresStore (options: StoreOptions): InstrumentedStore {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema)
  const pool = createPool(options)
  const poolSize = options.poolSize ?? 16
  const batcher = createGroupCommit<Accepting, AcceptResult>({
    // Each batch costs this thread a query to build, send and read back: a batch waits up to 2 ms for company
    // (fewer, bigger batches). Measured side by side (ad hoc, autocannon): 8,531 → 9,049 signups/s, and at 2000/s
    // p50 2.3 → 3.7 ms with p99 no worse (9.8 vs 8.9 ms); 4 ms made p99 worse. SQLite keeps 0: its batches go to
    // the writer thread, not through this one.
    batchDelayMs: options.batchDelayMs ?? POSTGRES_BATCH_DELAY_MS,
    maxBatch: options.maxBatch,
    // Several batches commit at once on different connections; while all are busy the queue grows, so the
    // next batch is bigger: the busier the database, the fewer commits per signup.
    maxInFlight: poolSize,
    commit: items => commitAcceptBatch(pool, items, () => { acceptStats.readFirst++ })
  })
  const acceptStats = Object.assign(batcher.stats, { readFirst: 0 })
  // Bucket rows are never deleted: once seen, skip the INSERT … ON CONFLICT round trip.
  const knownBuckets = new Set<string>()
  const consents = createPostgresConsents(pool)
  let closed = false

  return {
    kind: 'postgres',
    acceptStats,

    async migrate () {
      // One transaction per migration, all under one advisory lock: instances starting together queue here,
      // and each re-reads the version once it holds the lock, so a migration runs exactly once. On a pool of its
      // own without the per-statement bound (postgres-pool.ts says why), closed once the schema is current.
      const migrations = createPool(options, true)
      try {
        for (;;) {
          const applied = await inTransaction(migrations, async client => {
            await client.query("SELECT pg_advisory_xact_lock(hashtextextended('optline.schema_migrations', 0))")
            // Looked up first: CREATE … IF NOT EXISTS needs the CREATE privilege even when the object exists, and an
            // up-to-date database should start under a role that may only read and write rows.
            if (schema !== undefined && (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 0) {
              await client.query(`CREATE SCHEMA ${schema}`)
            }
            if ((await client.query("SELECT to_regclass('schema_migrations') IS NULL AS missing")).rows[0]?.missing === true) {
              await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)')
            }
            const { rows } = await client.query('SELECT coalesce(max(version), 0) AS version FROM schema_migrations')
            const version = Number(rows[0]?.version ?? 0)
            const migration = POSTGRES_MIGRATIONS[version]
            // A newer build may have migrated further: its schema is a superset, so this build can still run.
            if (migration === undefined) return false
            await client.query(migration)
            await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version + 1, Date.now()])
            return true
          })
          if (!applied) return
        }
      } finally {
        await migrations.end()
      }
    },

    async saveDisclosure (version, text, now) {
      await pool.query('INSERT INTO disclosures (version, text, created_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING',
        [version, text, toMs(now, 'now')])
    },

    accept (signup, dedupeWindowMs, velocity) {
      if (closed) return Promise.reject(new Error('store: accept() after close()'))
      const invalid = invalidAccept(signup, dedupeWindowMs, velocity)
      if (invalid !== undefined) return Promise.reject(invalid)
      return batcher.add({ signup, dedupeWindowMs, velocity })
    },

    async claim (tokenKey, limit, now, leaseMs, owner) {
      const at = toMs(now, 'now')
      const { rows } = await pool.query(CLAIM, [tokenKey, at, limit, toMs(at + leaseMs, 'leaseUntil'), owner])
      // RETURNING order is unspecified: put the oldest first as promised.
      return rows.map(toClaimed).sort((a, b) => a.id - b.id)
    },

    async finishAttempt (attempt, resolution) {
      const c = resolutionColumns(resolution, attempt.finishedAt)
      await inTransaction(pool, async client => {
        // The count first: it locks the row, so a deletion of the number (deleteNumber) either waits for this
        // transaction or has already removed the row, which then stays removed and the attempt is dropped.
        const counted = await client.query('UPDATE signups SET attempts = attempts + 1 WHERE id = $1', [attempt.signupId])
        if (counted.rowCount === 0) return
        await client.query(`INSERT INTO signup_attempts
          (signup_id, started_at, finished_at, outcome, http_status, detail, maybe_processed) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [attempt.signupId, toMs(attempt.startedAt, 'startedAt'), toMs(attempt.finishedAt, 'finishedAt'), attempt.outcome,
          attempt.httpStatus ?? null, attempt.detail, attempt.maybeProcessed])
        await client.query(RESOLVE, [attempt.signupId, c.status, c.nextAttemptAt, c.deliveredAt, c.contactId, c.lastError])
      })
    },

    async adoptSignups (tokenKey, except) {
      const { rowCount } = await pool.query(`UPDATE signups SET token_key = $1
        WHERE status IN ('pending', 'sending', 'held') AND token_key <> $1 AND NOT (token_key = ANY ($2::text[]))`, [tokenKey, except])
      return rowCount ?? 0
    },

    async release (ids) {
      if (ids.length === 0) return
      await pool.query(`UPDATE signups SET status = 'pending', lease_until = NULL, claimed_by = NULL
        WHERE id = ANY ($1::bigint[]) AND status = 'sending'`, [ids])
    },

    async nextDue (tokenKey) {
      const { rows } = await pool.query(NEXT_DUE, [tokenKey])
      const due = rows[0]?.due as number | null | undefined
      return due ?? undefined
    },

    async withBucket (tokenKey, update) {
      // The row lock (FOR UPDATE) is held from the read to the write, so every instance takes its turn with the
      // same bucket: N instances share one pace. The row must exist to be locked, hence the empty insert first
      // (a concurrent first insert waits for ours, then does nothing).
      const result = await inTransaction(pool, async client => {
        if (!knownBuckets.has(tokenKey)) {
          await client.query('INSERT INTO rate_buckets (token_key) VALUES ($1) ON CONFLICT (token_key) DO NOTHING', [tokenKey])
        }
        const { rows } = await client.query('SELECT * FROM rate_buckets WHERE token_key = $1 FOR UPDATE', [tokenKey])
        if (rows[0] === undefined) {
          knownBuckets.delete(tokenKey)
          throw new Error('store: rate bucket row missing (deleted by hand?); the next call recreates it')
        }
        const { state, result } = update(toBucket(rows[0]))
        const s = checkBucket(state)
        await client.query(`UPDATE rate_buckets SET tokens = $2, updated_at = $3, capacity = $4, window_ms = $5,
          blocked_until = $6 WHERE token_key = $1`, [tokenKey, s.tokens, s.updatedAt, s.capacity, s.windowMs, s.blockedUntil])
        return result
      })
      knownBuckets.add(tokenKey)
      return result
    },

    async counts (campaign) {
      const { rows } = await pool.query(`SELECT status, count(*) AS n FROM signups
        WHERE $1::text IS NULL OR campaign = $1 GROUP BY status`, [campaign ?? null])
      return toCounts(rows)
    },

    async listHeld (options) {
      const { campaign, limit, before } = heldQuery(options)
      const { rows } = await pool.query(LIST_HELD, [campaign, before, limit])
      return rows.map(toHeld)
    },

    async releaseHeld (id, now) {
      const { rows } = await pool.query(RELEASE_HELD, [id, toMs(now, 'now')])
      return Number(rows[0]?.released) === 1
    },

    async signupDetail (id) {
      const [detail, attempts] = await Promise.all([
        pool.query(DETAIL, [id]),
        pool.query('SELECT * FROM signup_attempts WHERE signup_id = $1 ORDER BY id', [id])
      ])
      const row = detail.rows[0]
      return row === undefined ? undefined : toDetail(row, attempts.rows)
    },

    exportConsents (query) {
      if (closed) throw new Error('store: exportConsents() after close()')
      return consents.exportConsents(query)
    },

    deleteNumber: consents.deleteNumber,
    listDeletions: consents.listDeletions,
    ...createPostgresStats(pool),

    async close () {
      if (closed) return
      closed = true
      await batcher.drain()
      await pool.end()
    }
  }
}
