// Every write of the SQLite store after migration, each one transaction on the writer connection: group-committed
// accepts (duplicate and velocity checks, signup row, consent record), the dispatcher's claim, attempt, release and
// bucket update, and the rarer ones (disclosure texts, releasing a held signup, deleting a number, traffic counts).
// They take plain data and return plain data, so they run in the writer thread (files) or inline (:memory:); with
// one writing connection per process, this process's writes never wait for each other's locks.
import type { DatabaseSync } from 'node:sqlite'
import { campaignsOf, type deletionArguments } from './consent-records.ts'
import { checkBucket, phonePrefix, resolutionColumns, toBucket, toMs, utmColumns } from './rows.ts'
import { ADD_TRAFFIC } from './sqlite-stats.ts'
import {
  type AcceptResult, type AttemptRecord, type AttemptResolution, type BucketState, type DeletionResult, type NewSignup,
  PREFIX_VELOCITY_HOLD, type TrafficIncrement, type VelocityLimit
} from './types.ts'

/** A deletion request as deletionArguments() checked it. */
export type DeletionArgs = ReturnType<typeof deletionArguments>

/** One accept() call as it crosses to the writer. */
export interface Accepting {
  signup: NewSignup
  dedupeWindowMs: number
  velocity: VelocityLimit | undefined
}

export interface ClaimArgs { tokenKey: string, now: number, limit: number, leaseUntil: number, owner: string }

/** Every write the writer runs, by name: what the writer thread's messages call. */
export interface SqliteWrites {
  accept (items: readonly Accepting[]): AcceptResult[]
  /** The claimed rows as SQLite returns them (rows.ts toClaimed turns them into ClaimedSignup). */
  claim (args: ClaimArgs): Record<string, unknown>[]
  finishAttempt (attempt: AttemptRecord, resolution: AttemptResolution): void
  release (ids: readonly number[]): void
  adoptSignups (tokenKey: string, except: readonly string[]): number
  /**
   * Stores `next` as the token's bucket if the stored one still equals `expected` (undefined: no bucket yet), in one
   * transaction: a compare-and-set, so a caller that computed `next` from a stale read retries instead of losing an
   * update made meanwhile by another instance. `current` is the bucket as found (so a retry starts from it).
   */
  putBucketIf (tokenKey: string, expected: BucketState | undefined, next: BucketState): { stored: boolean, current: BucketState | undefined }
  saveDisclosure (version: string, text: string, at: number): void
  /** True when the signup was held and is now pending. */
  releaseHeld (id: number, at: number): boolean
  deleteNumber (d: DeletionArgs): DeletionResult
  addTraffic (rows: readonly TrafficIncrement[]): void
}

export type WriteName = keyof SqliteWrites

/** Every write by name, for the two places that forward them all (the writer thread's client, the inline store). */
export const WRITE_NAMES = ['accept', 'claim', 'finishAttempt', 'release', 'adoptSignups', 'putBucketIf', 'saveDisclosure', 'releaseHeld',
  'deleteNumber', 'addTraffic'] as const satisfies readonly WriteName[]
// Fails to compile when a write is added to SqliteWrites but not listed above.
export const EVERY_WRITE_LISTED: [Exclude<WriteName, typeof WRITE_NAMES[number]>] extends [never] ? true : never = true

/** Starts a write transaction (BEGIN IMMEDIATE, waiting for the lock as the caller's thread may). */
export type Begin = (db: DatabaseSync) => void

/** The rest of a transaction already begun: the work, then COMMIT, or ROLLBACK if anything throws. */
export function commitOrRollBack<T> (db: DatabaseSync, work: () => T): T {
  try {
    const result = work()
    db.exec('COMMIT')
    return result
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw error
  }
}

export function createSqliteWrites (db: DatabaseSync, begin: Begin): SqliteWrites {
  // Prepared on first use: the tables exist once migrated.
  let cached: ReturnType<typeof statements> | undefined
  function transaction<T> (work: (q: ReturnType<typeof statements>) => T): T {
    begin(db)
    return commitOrRollBack(db, () => work(cached ??= statements(db)))
  }

  return {
    // The whole batch is one transaction, so one fsync; each row's duplicate and velocity checks run inside
    // it and therefore see the rows inserted before it in the same batch.
    accept: items => transaction(q => items.map(item => acceptOne(q, item))),

    claim: ({ tokenKey, now, limit, leaseUntil, owner }) => transaction(q => {
      // Two statements in one transaction, because SQLite's RETURNING sees only the new row: the status each row had
      // before (a 'sending' row is a reclaim) has to be read first.
      const due = q.due.all({ tokenKey, now, limit })
      if (due.length === 0) return []
      const before = new Map(due.map(row => [Number(row.id), row]))
      return q.claim.all({ ids: JSON.stringify([...before.keys()]), leaseUntil, owner }).map(row => {
        const found = before.get(Number(row.id))
        return { ...row, previous_status: found?.status, maybe_sent_before: found?.maybe_sent_before } as Record<string, unknown>
      })
    }),

    finishAttempt: (attempt, resolution) => {
      const columns = resolutionColumns(resolution, attempt.finishedAt)
      transaction(q => {
        // No row to count: deleted on request while the call was in flight, and it stays deleted.
        if (q.countAttempt.run(attempt.signupId).changes === 0) return
        q.insertAttempt.run(attempt.signupId, toMs(attempt.startedAt, 'startedAt'), toMs(attempt.finishedAt, 'finishedAt'),
          attempt.outcome, attempt.httpStatus ?? null, attempt.detail, attempt.maybeProcessed ? 1 : 0)
        q.resolve.run({ id: attempt.signupId, ...columns })
      })
    },

    release: ids => {
      transaction(q => q.release.run(JSON.stringify(ids)))
    },

    adoptSignups: (tokenKey, except) => transaction(q => {
      const args = { tokenKey, except: JSON.stringify(except) }
      return Number(q.adoptUnfinished.run(args).changes) + Number(q.adoptHeld.run(args).changes)
    }),

    putBucketIf: (tokenKey, expected, next) => {
      const s = checkBucket(next)
      return transaction(q => {
        const current = toBucket(q.getBucket.get(tokenKey))
        if (!sameBucket(current, expected)) return { stored: false, current }
        q.putBucket.run(tokenKey, s.tokens, s.updatedAt, s.capacity, s.windowMs, s.blockedUntil)
        return { stored: true, current: s }
      })
    },

    saveDisclosure: (version, text, at) => {
      transaction(q => q.insertDisclosure.run(version, text, at))
    },

    releaseHeld: (id, at) => transaction(q => q.releaseHeld.run({ id, now: at }).changes === 1),

    deleteNumber: d => {
      // secure_delete overwrites the freed cells with zeros, so the number does not linger in free pages of the
      // file; only for this transaction, since it costs a write per deleted cell. (The WAL's older frames still hold
      // it until they are checkpointed over, and backups until they rotate.) The pragma is a no-op inside a
      // transaction, hence around it.
      const previous = Number((db.prepare('PRAGMA secure_delete').get() as { secure_delete: number }).secure_delete)
      db.exec('PRAGMA secure_delete = ON')
      try {
        return transaction(() => {
          // The number's signups in every campaign: a full scan, as no index leads with the number. Deletions are
          // rare; an index every accept would pay for is not worth it. Children first: foreign keys are enforced.
          const rows = db.prepare('SELECT id, campaign FROM signups WHERE e164 = ? ORDER BY id').all(d.e164)
          const ids = JSON.stringify(rows.map(row => Number(row.id)))
          db.prepare('DELETE FROM signup_attempts WHERE signup_id IN (SELECT value FROM json_each(?))').run(ids)
          db.prepare('DELETE FROM signup_consents WHERE signup_id IN (SELECT value FROM json_each(?))').run(ids)
          db.prepare('DELETE FROM signups WHERE id IN (SELECT value FROM json_each(?))').run(ids)
          const campaigns = campaignsOf(rows)
          db.prepare('INSERT INTO deletions (e164_sha256, campaigns, signups, deleted_at, note) VALUES (?, ?, ?, ?, ?)')
            .run(d.hash, JSON.stringify(campaigns), rows.length, d.at, d.note)
          return { signups: rows.length, campaigns }
        })
      } finally {
        // 2 is how the pragma reports FAST, but setting it takes the word: a bare 2 would read as ON.
        db.exec(`PRAGMA secure_delete = ${previous === 2 ? 'FAST' : previous}`)
      }
    },

    addTraffic: rows => {
      transaction(q => {
        for (const r of rows) q.addTraffic.run(r.campaign, r.hour, r.source, r.utmSource, r.utmMedium, r.utmCampaign, r.event, r.reason, r.count)
      })
    }
  }
}

// `== null`: an absent bucket crosses to the writer thread as null.
function sameBucket (a: BucketState | undefined, b: BucketState | undefined): boolean {
  if (a == null || b == null) return (a == null) === (b == null)
  return a.tokens === b.tokens && a.updatedAt === b.updatedAt && a.capacity === b.capacity &&
    a.windowMs === b.windowMs && a.blockedUntil === b.blockedUntil
}

function acceptOne (q: ReturnType<typeof statements>, { signup, dedupeWindowMs, velocity }: Accepting): AcceptResult {
  const createdAt = toMs(signup.createdAt, 'createdAt')
  const prefix = phonePrefix(signup.phoneNumber)
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
  // In the statement's column order.
  const { lastInsertRowid } = q.insertSignup.run(signup.campaign, signup.phoneNumber, prefix, signup.e164,
    JSON.stringify(signup.request), signup.tokenKey, status, holdReason ?? null, status === 'pending' ? createdAt : null, createdAt)
  const id = Number(lastInsertRowid)
  const c = signup.consent
  q.insertConsent.run(id, c.disclosureVersion, c.consentGiven ? 1 : 0, c.clientIp ?? null, c.userAgent ?? null,
    c.pageUrl ?? null, c.referrer ?? null, c.source ?? null, ...utmColumns(c.utm))
  return { id, duplicate: status === 'duplicate', held: holdReason }
}

/**
 * adoptSignups(): two statements, each with the WHERE of a partial index (signups_active, signups_held), so each walks
 * only the unfinished or the held rows at start-up; one `status IN (pending, sending, held)` matches neither index and
 * scans the whole table, delivered history included. Exported so that a test can read their query plans.
 */
export const ADOPT_SQL = {
  unfinished: adoptWhere("status IN ('pending', 'sending')"),
  held: adoptWhere("status = 'held'")
} as const

function adoptWhere (statusTerm: string): string {
  return `UPDATE signups SET token_key = :tokenKey
    WHERE ${statusTerm} AND token_key <> :tokenKey AND token_key NOT IN (SELECT value FROM json_each(:except))`
}

/** The duplicate check's statement (exported so that a test can read its query plan). */
export const FIND_RECENT_SQL = `SELECT 1 FROM signups
  WHERE campaign = ? AND phone_number = ? AND status NOT IN ('duplicate', 'held') AND created_at > ? LIMIT 1`

function statements (db: DatabaseSync) {
  return {
    // An earlier signup of this number in the window that was or will be sent (served by signups_dedupe, whose
    // WHERE the query repeats word for word: SQLite uses a partial index only then). Held rows do not count.
    // Its own index, though velocity's has the same leading columns: merged into one (campaign, prefix, created_at,
    // number) index, each accept writes one page fewer (writer thread 29.8 -> 23.4 µs per signup), but this lookup
    // then reads every signup of the prefix in the window, held ones included: 32 µs at 720 rows, 2.1 ms at 50,000
    // (against 0.3-0.4 µs here), and a botnet can fill one prefix. Here it seeks the number itself, whatever its prefix holds.
    findRecent: db.prepare(FIND_RECENT_SQL),
    // Velocity: the prefix's signups in the window, every status but duplicate (served by signups_prefix_velocity).
    // Counting stops at the limit: during a burst the window may hold thousands, and only "≥ max" matters.
    // `+?`, not `?`: SQLite's planner reads a bare parameter's value in a subquery's LIMIT, and then every call
    // recompiles the statement, since each call binds the parameter anew (perf under load: 13–15% of the writer
    // thread's CPU in sqlite3Reprepare). The unary plus hides the value from the planner, nothing else.
    prefixRecent: db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM signups
      WHERE campaign = ? AND phone_prefix = ? AND status <> 'duplicate' AND created_at > ? LIMIT +?)`),
    // Positional parameters: node:sqlite binds named ones from an object, 3.3 µs more per row here (11.9 against 8.6
    // µs for the whole insert, :memory:, ad hoc), and this runs for every signup.
    insertSignup: db.prepare(`INSERT INTO signups
      (campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertConsent: db.prepare(`INSERT INTO signup_consents
      (signup_id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
        utm_source, utm_medium, utm_campaign, utm_term, utm_content)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // Due = pending and its retry time has come, or claimed by a dispatcher whose lease ran out (it died).
    // The status IN (…) term lets SQLite use the partial index signups_active, walked in id order.
    due: db.prepare(`SELECT id, status,
        EXISTS (SELECT 1 FROM signup_attempts a WHERE a.signup_id = signups.id AND a.maybe_processed = 1) AS maybe_sent_before
      FROM signups
      WHERE token_key = :tokenKey AND status IN ('pending', 'sending')
        AND ((status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND lease_until <= :now))
      ORDER BY id LIMIT :limit`),
    claim: db.prepare(`UPDATE signups SET status = 'sending', lease_until = :leaseUntil, claimed_by = :owner
      WHERE id IN (SELECT value FROM json_each(:ids))
      RETURNING id, campaign, phone_number, request, token_key, attempts, created_at`),
    insertAttempt: db.prepare(`INSERT INTO signup_attempts
      (signup_id, started_at, finished_at, outcome, http_status, detail, maybe_processed) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    countAttempt: db.prepare('UPDATE signups SET attempts = attempts + 1 WHERE id = ?'),
    // A signup already delivered or rejected keeps its status: a late answer from a dispatcher whose lease
    // expired (and whose row someone else then finished) must not put it back in the queue.
    resolve: db.prepare(`UPDATE signups SET status = :status, next_attempt_at = :nextAttemptAt,
        delivered_at = :deliveredAt, contact_id = :contactId, last_error = :lastError, lease_until = NULL, claimed_by = NULL
      WHERE id = :id AND status IN ('pending', 'sending')`),
    adoptUnfinished: db.prepare(ADOPT_SQL.unfinished),
    adoptHeld: db.prepare(ADOPT_SQL.held),
    release: db.prepare(`UPDATE signups SET status = 'pending', lease_until = NULL, claimed_by = NULL
      WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'`),
    getBucket: db.prepare('SELECT * FROM rate_buckets WHERE token_key = ?'),
    insertDisclosure: db.prepare(`INSERT INTO disclosures (version, text, created_at) VALUES (?, ?, ?)
      ON CONFLICT (version) DO NOTHING`),
    // Due at once; hold_reason stays for the record. Once pending, findRecent counts it as a sent signup.
    releaseHeld: db.prepare(`UPDATE signups SET status = 'pending', next_attempt_at = :now, released_at = :now
      WHERE id = :id AND status = 'held'`),
    addTraffic: db.prepare(ADD_TRAFFIC),
    putBucket: db.prepare(`INSERT INTO rate_buckets (token_key, tokens, updated_at, capacity, window_ms, blocked_until)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (token_key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at,
        capacity = excluded.capacity, window_ms = excluded.window_ms, blocked_until = excluded.blocked_until`)
  }
}
