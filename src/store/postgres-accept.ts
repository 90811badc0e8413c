// accept() on Postgres: one batch = one read, a decision in memory, then ONE write statement (one transaction, one
// WAL flush) that confirms the duplicates, inserts every signup and its consent row, and hands back each row's id.
import type { Pool } from 'pg'
import { isRetryableTransactionError } from './postgres-pool.ts'
import { phonePrefix, toMs } from './rows.ts'
import { type AcceptResult, type NewSignup, PREFIX_VELOCITY_HOLD, UTM_KEYS, type VelocityLimit } from './types.ts'

export interface Accepting {
  signup: NewSignup
  dedupeWindowMs: number
  velocity: VelocityLimit | undefined
}

/** What the committed rows say about one signup of the batch. */
interface Seen {
  keyTaken: boolean
  /** Signups of its campaign and prefix in its velocity window, counted up to the limit; 0 without a limit. */
  prefixRecent: number
}

interface Decision {
  status: 'pending' | 'duplicate' | 'held'
  holdReason: string | null
}

/** How many times a batch that lost a deadlock is run again before its callers get the error. */
const DEADLOCK_RETRIES = 3

// Read first, once per row, from committed data: is the number's dedupe key taken within the window, and how many
// recent signups share the prefix (signups_prefix_velocity; counting stops at the limit, only "≥ max" matters).
// Unlike the write below, this takes no lock: a taken key only ever stays taken (last_sent_at never decreases),
// and a free one is confirmed by the write's upsert.
const SEEN = `SELECT i.ord,
    EXISTS (SELECT 1 FROM dedupe_keys k WHERE k.campaign = i.campaign AND k.phone_number = i.phone_number
      AND k.last_sent_at > i.created_at - i.window_ms) AS key_taken,
    CASE WHEN i.velocity_max IS NULL THEN 0 ELSE (SELECT count(*) FROM (SELECT 1 FROM signups s
      WHERE s.campaign = i.campaign AND s.phone_prefix = i.phone_prefix AND s.status <> 'duplicate'
        AND s.created_at > i.created_at - i.velocity_window_ms LIMIT i.velocity_max) r) END AS prefix_recent
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::integer[], $7::bigint[])
    WITH ORDINALITY AS i (campaign, phone_number, phone_prefix, created_at, window_ms, velocity_max, velocity_window_ms, ord)`

// Dedupe: why an upsert on dedupe_keys rather than a check on signups. "The same number within 24 h" is a time
// window, which no unique index on signups can express; dedupe_keys holds one row per (campaign, number) with the
// time of its last signup that was sent. INSERT … ON CONFLICT DO UPDATE … WHERE takes that row's lock: when two
// instances accept one number at the same moment, the second waits for the first to commit, then evaluates the
// WHERE against the committed row, so exactly one of them gets the row back (RETURNING) and sends; the other's
// row becomes a duplicate here even though decide() thought it sendable. No advisory lock, no BEGIN/COMMIT round
// trips. Numbers are upserted in sorted order, so two batches always take their row locks in the same order and
// never deadlock each other. Only rows decide() found sendable take a key: never a held one, so a bot's
// submission does not block the number's owner. Within one batch, a number's later sendable rows exist only with
// window 0 (decide() made the others duplicates): ON CONFLICT cannot touch one row twice, so the first one upserts.
// Ids are drawn from the sequence before the insert and returned paired with each row's position (ord), because
// the order of INSERT … RETURNING is not guaranteed. Arrays go in one parameter per column: no 65535-parameter limit.
const ACCEPT_BATCH = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
      $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
      $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[])
      WITH ORDINALITY AS u (campaign, phone_number, e164, request, token_key, created_at, window_ms,
        disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
        phone_prefix, decided, hold_reason, utm_source, utm_medium, utm_campaign, utm_term, utm_content, ord)
  ), claims AS (
    SELECT DISTINCT ON (campaign, phone_number) ord, campaign, phone_number, created_at, window_ms
    FROM input WHERE decided = 'pending' ORDER BY campaign, phone_number, ord
  ), sent AS (
    INSERT INTO dedupe_keys AS k (campaign, phone_number, last_sent_at, window_ms)
    SELECT campaign, phone_number, created_at, window_ms FROM claims ORDER BY campaign, phone_number
    ON CONFLICT (campaign, phone_number) DO UPDATE
      SET last_sent_at = GREATEST(k.last_sent_at, excluded.last_sent_at), window_ms = excluded.window_ms
      WHERE k.last_sent_at <= excluded.last_sent_at - excluded.window_ms
    RETURNING k.campaign, k.phone_number
  ), numbered AS MATERIALIZED (
    -- Both lookups are single-table IN lists, which Postgres hashes: a join of claims and sent here was planned
    -- as a nested loop once claims had a WHERE (256 × 256 comparisons, slower than the rest of the statement).
    SELECT nextval(pg_get_serial_sequence('signups', 'id')) AS id, i.*,
      CASE
        WHEN i.decided <> 'pending' THEN i.decided
        WHEN i.ord NOT IN (SELECT ord FROM claims) THEN 'pending'
        WHEN (i.campaign, i.phone_number) IN (SELECT campaign, phone_number FROM sent) THEN 'pending'
        ELSE 'duplicate'
      END AS status
    FROM input i ORDER BY i.ord
  ), signup_rows AS (
    INSERT INTO signups (id, campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason,
      next_attempt_at, created_at)
    SELECT id, campaign, phone_number, phone_prefix, e164, request::jsonb, token_key, status, hold_reason,
      CASE WHEN status = 'pending' THEN created_at END, created_at
    FROM numbered
  ), consent_rows AS (
    INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
      utm_source, utm_medium, utm_campaign, utm_term, utm_content)
    SELECT id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
      utm_source, utm_medium, utm_campaign, utm_term, utm_content FROM numbered
  )
  SELECT id, ord, status FROM numbered`

/**
 * The batch's rows decided one by one, in order, as SQLite does inside its transaction: the caller's hold, then
 * duplicate, then velocity. Each row sees what was committed (`seen`) plus the rows before it in the batch: a
 * sendable row of the same number makes it a duplicate (held ones do not), and every earlier row of its prefix in
 * its window but the duplicates counts towards the velocity limit. Exact within the batch. Across batches
 * committing at the same moment (other instances, or this one's other connections) it misses their uncommitted
 * rows, and a row that then loses its dedupe key was counted as sendable: accepted, since velocity is a rate
 * heuristic against bursts, and making it exact would serialise every accept of a prefix.
 */
function decide (items: readonly Accepting[], seen: readonly Seen[]): Decision[] {
  const earlier = new Map<string, { item: Accepting, decision: Decision }[]>()
  return items.map((item, i) => {
    const { signup, dedupeWindowMs, velocity } = item
    const group = `${signup.campaign}\u0000${phonePrefix(signup.phoneNumber)}`
    const mates = earlier.get(group) ?? []
    earlier.set(group, mates)
    const decision = ((): Decision => {
      if (signup.hold !== undefined) return { status: 'held', holdReason: signup.hold }
      const repeat = dedupeWindowMs > 0 &&
        mates.some(m => m.decision.status === 'pending' && m.item.signup.phoneNumber === signup.phoneNumber)
      if (seen[i]?.keyTaken === true || repeat) return { status: 'duplicate', holdReason: null }
      if (velocity !== undefined) {
        const since = toMs(signup.createdAt, 'createdAt') - toMs(velocity.windowMs, 'windowMs')
        const inBatch = mates.filter(m => m.decision.status !== 'duplicate' && toMs(m.item.signup.createdAt, 'createdAt') > since).length
        if ((seen[i]?.prefixRecent ?? 0) + inBatch >= velocity.max) return { status: 'held', holdReason: PREFIX_VELOCITY_HOLD }
      }
      return { status: 'pending', holdReason: null }
    })()
    mates.push({ item, decision })
    return decision
  })
}

export async function commitAcceptBatch (pool: Pool, items: readonly Accepting[]): Promise<AcceptResult[]> {
  const column = <T> (pick: (item: Accepting) => T) => items.map(pick)
  const campaigns = column(({ signup }) => signup.campaign)
  const numbers = column(({ signup }) => signup.phoneNumber)
  const prefixes = column(({ signup }) => phonePrefix(signup.phoneNumber))
  const createdAt = column(({ signup }) => toMs(signup.createdAt, 'createdAt'))
  const windows = column(({ dedupeWindowMs }) => toMs(dedupeWindowMs, 'dedupeWindowMs'))
  const seenValues = [campaigns, numbers, prefixes, createdAt, windows,
    column(({ velocity }) => velocity?.max ?? null),
    column(({ velocity }) => velocity === undefined ? null : toMs(velocity.windowMs, 'windowMs'))]
  const rowValues = [
    campaigns,
    numbers,
    column(({ signup }) => signup.e164),
    column(({ signup }) => JSON.stringify(signup.request)),
    column(({ signup }) => signup.tokenKey),
    createdAt,
    windows,
    column(({ signup }) => signup.consent.disclosureVersion),
    column(({ signup }) => signup.consent.consentGiven),
    column(({ signup }) => signup.consent.clientIp ?? null),
    column(({ signup }) => signup.consent.userAgent ?? null),
    column(({ signup }) => signup.consent.pageUrl ?? null),
    column(({ signup }) => signup.consent.referrer ?? null),
    column(({ signup }) => signup.consent.source ?? null),
    prefixes
  ]
  // After the decisions ($16, $17): $18 … $22, one array per UTM column.
  const utmValues = UTM_KEYS.map(key => column(({ signup }) => signup.consent.utm?.[key] ?? null))
  for (let attempt = 0; ; attempt++) {
    try {
      // Both statements named, so each connection parses and plans them once: planning the write cost more than
      // running it (measured: about 2× the batches per second once prepared). Each commits on its own
      // (autocommit): no BEGIN/COMMIT round trips; the read has nothing to commit.
      const read = await pool.query({ name: 'optline_accept_seen', text: SEEN, values: seenValues })
      const seen: Seen[] = []
      for (const row of read.rows as { ord: number, key_taken: boolean, prefix_recent: number }[]) {
        seen[row.ord - 1] = { keyTaken: row.key_taken, prefixRecent: Number(row.prefix_recent) }
      }
      const decisions = decide(items, seen)
      const values = [...rowValues, decisions.map(d => d.status), decisions.map(d => d.holdReason), ...utmValues]
      const { rows } = await pool.query({ name: 'optline_accept_batch', text: ACCEPT_BATCH, values })
      const results: AcceptResult[] = []
      for (const row of rows as { id: number, ord: number, status: string }[]) {
        const held = row.status === 'held' ? decisions[row.ord - 1]?.holdReason ?? undefined : undefined
        results[row.ord - 1] = { id: row.id, duplicate: row.status === 'duplicate', held }
      }
      return items.map((_, i) => {
        const result = results[i]
        if (result === undefined) throw new Error(`store: no id returned for batch row ${i + 1}`)
        return result
      })
    } catch (error) {
      if (attempt >= DEADLOCK_RETRIES || !isRetryableTransactionError(error)) throw error
    }
  }
}
