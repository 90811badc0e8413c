// accept() on Postgres: usually ONE statement per batch (one round trip, one transaction, one WAL flush) that decides,
// confirms the duplicates, inserts every signup and its consent row, and hands back each row's id. A batch whose rows
// could decide one another (the same number twice, a prefix near its velocity limit) is read first and decided in
// memory, row by row, then written by the same statement.
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
  FROM json_to_recordset($1::json) AS i (ord integer, campaign text, phone_number text, phone_prefix text,
    created_at bigint, window_ms bigint, velocity_max integer, velocity_window_ms bigint)`

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
// the order of INSERT … RETURNING is not guaranteed. The batch goes as ONE json parameter (json_to_recordset), each
// row carrying its position: no 65535-parameter limit, one place (batchJson) that makes every text storable, and the
// request object stored as jsonb without a second encoding. (Measured against the former 22 arrays: same throughput.)
const INPUT = `json_to_recordset($1::json) AS u (ord integer, campaign text, phone_number text, e164 text,
      request jsonb, token_key text, created_at bigint, window_ms bigint, disclosure_version text, consent_given boolean,
      client_ip text, user_agent text, page_url text, referrer text, source text, phone_prefix text, decided text,
      hold_reason text, utm_source text, utm_medium text, utm_campaign text, utm_term text, utm_content text,
      velocity_max integer, velocity_window_ms bigint)`

// The one-trip statement's guard: does any row of the batch depend on another's decision? The same number twice
// (the first sendable one makes the rest duplicates), or a prefix whose committed signups plus ALL the batch's rows
// of it could reach its velocity limit (counted from the earliest row's window, so never fewer than any row's
// count). Then nothing is written, the statement answers one row (ord 0, 'risky'), and the batch goes the two-trip
// way. Otherwise every row's decision is its own: held if the caller held it, else sendable unless the upsert
// below finds its key taken — exactly what decide() would say, without reading first.
const RISKY = `risky AS MATERIALIZED (
    SELECT EXISTS (SELECT 1 FROM input GROUP BY campaign, phone_number HAVING count(*) > 1)
      OR EXISTS (SELECT 1 FROM (SELECT campaign, phone_prefix, min(velocity_max) AS max, max(velocity_window_ms) AS window_ms,
          min(created_at) AS first_at, count(*) AS in_batch
        FROM input WHERE velocity_max IS NOT NULL GROUP BY campaign, phone_prefix) g
        WHERE g.in_batch + (SELECT count(*) FROM (SELECT 1 FROM signups s WHERE s.campaign = g.campaign
          AND s.phone_prefix = g.phone_prefix AND s.status <> 'duplicate' AND s.created_at > g.first_at - g.window_ms
          LIMIT g.max) r) >= g.max) AS yes
  )`

/** The write, decisions given (`decided`), or, `guarded`, decided in the statement unless RISKY says it cannot be. */
function acceptStatement (guarded: boolean): string {
  const go = guarded ? ' AND NOT (SELECT yes FROM risky)' : ''
  return `WITH input AS (SELECT * FROM ${INPUT}),${guarded ? ` ${RISKY},` : ''}
  claims AS (
    SELECT DISTINCT ON (campaign, phone_number) ord, campaign, phone_number, created_at, window_ms
    FROM input WHERE decided = 'pending'${go} ORDER BY campaign, phone_number, ord
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
    -- The sequence is looked up once per statement (an InitPlan): pg_get_serial_sequence() called per row searches
    -- the catalog each time (ad hoc, EXPLAIN ANALYZE of nextval() over 10,000 rows of an identity column: 35 ms
    -- against 5 ms).
    SELECT nextval((SELECT pg_get_serial_sequence('signups', 'id')::regclass)) AS id, i.*,
      CASE
        WHEN i.decided <> 'pending' THEN i.decided
        WHEN i.ord NOT IN (SELECT ord FROM claims) THEN 'pending'
        WHEN (i.campaign, i.phone_number) IN (SELECT campaign, phone_number FROM sent) THEN 'pending'
        ELSE 'duplicate'
      END AS status
    FROM input i WHERE true${go} ORDER BY i.ord
  ), signup_rows AS (
    INSERT INTO signups (id, campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason,
      next_attempt_at, created_at)
    SELECT id, campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason,
      CASE WHEN status = 'pending' THEN created_at END, created_at
    FROM numbered
  ), consent_rows AS (
    INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
      utm_source, utm_medium, utm_campaign, utm_term, utm_content)
    SELECT id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
      utm_source, utm_medium, utm_campaign, utm_term, utm_content FROM numbered
  )
  SELECT id, ord, status FROM numbered${guarded ? "\n  UNION ALL SELECT NULL, 0, 'risky' FROM risky WHERE yes" : ''}`
}

const ACCEPT_BATCH = acceptStatement(false)
const ACCEPT_GUARDED = acceptStatement(true)

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

const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi

/**
 * The batch's rows as the json parameter of one statement. JSON.stringify escapes what PostgreSQL's text type cannot
 * hold instead of failing: a NUL (\u0000) and a lone UTF-16 surrogate (from a hostile JSON body) would make
 * json_to_recordset throw, failing every signup of the batch; they are stored as U+FFFD, the replacement character.
 * Only an escape preceded by an even number of backslashes is one (an odd count means the backslash is text).
 */
function batchJson (rows: readonly object[]): string {
  return JSON.stringify(rows).replace(UNSTORABLE_ESCAPE, '$1\\ufffd')
}

type Row = ReturnType<typeof batchRows>[number]

/** The batch as the statements' json rows, decisions aside. */
function batchRows (items: readonly Accepting[]) {
  return items.map(({ signup, dedupeWindowMs, velocity }, i) => {
    const { consent } = signup
    return {
      ord: i + 1,
      campaign: signup.campaign,
      phone_number: signup.phoneNumber,
      phone_prefix: phonePrefix(signup.phoneNumber),
      created_at: toMs(signup.createdAt, 'createdAt'),
      window_ms: toMs(dedupeWindowMs, 'dedupeWindowMs'),
      velocity_max: velocity?.max ?? null,
      velocity_window_ms: velocity === undefined ? null : toMs(velocity.windowMs, 'windowMs'),
      e164: signup.e164,
      request: signup.request,
      token_key: signup.tokenKey,
      disclosure_version: consent.disclosureVersion,
      consent_given: consent.consentGiven,
      client_ip: consent.clientIp ?? null,
      user_agent: consent.userAgent ?? null,
      page_url: consent.pageUrl ?? null,
      referrer: consent.referrer ?? null,
      source: consent.source ?? null,
      ...Object.fromEntries(UTM_KEYS.map(key => [key, consent.utm?.[key] ?? null]))
    }
  })
}

/** Each batch row's result, from the write's (id, ord, status) rows; `holds` gives a held row its reason. */
function resultsOf (written: readonly { id: number, ord: number, status: string }[], holds: readonly (string | null)[]): AcceptResult[] {
  const results: AcceptResult[] = []
  for (const row of written) {
    const held = row.status === 'held' ? holds[row.ord - 1] ?? undefined : undefined
    results[row.ord - 1] = { id: row.id, duplicate: row.status === 'duplicate', held }
  }
  return holds.map((_, i) => {
    const result = results[i]
    if (result === undefined) throw new Error(`store: no id returned for batch row ${i + 1}`)
    return result
  })
}

function sameNumberTwice (items: readonly Accepting[]): boolean {
  const numbers = new Set(items.map(({ signup }) => `${signup.campaign}\u0000${signup.phoneNumber}`))
  return numbers.size < items.length
}

/** One round trip: decided and written by ACCEPT_GUARDED, or undefined when its guard found the batch risky (nothing written). */
async function acceptInOneTrip (pool: Pool, items: readonly Accepting[], rows: readonly Row[]): Promise<AcceptResult[] | undefined> {
  const holds = items.map(({ signup }) => signup.hold ?? null)
  const batch = rows.map((row, i) => ({ ...row, decided: holds[i] === null ? 'pending' : 'held', hold_reason: holds[i] }))
  const written = await pool.query({ name: 'optline_accept_guarded', text: ACCEPT_GUARDED, values: [batchJson(batch)] })
  const answer = written.rows as { id: number, ord: number, status: string }[]
  if (answer.length === 1 && answer[0]?.status === 'risky') return undefined
  return resultsOf(answer, holds)
}

/** Two round trips: what the committed rows say (SEEN), decide() row by row, then the write. */
async function acceptDecidedHere (pool: Pool, items: readonly Accepting[], rows: readonly Row[]): Promise<AcceptResult[]> {
  const read = await pool.query({ name: 'optline_accept_seen', text: SEEN, values: [batchJson(rows)] })
  const seen: Seen[] = []
  for (const row of read.rows as { ord: number, key_taken: boolean, prefix_recent: number }[]) {
    seen[row.ord - 1] = { keyTaken: row.key_taken, prefixRecent: Number(row.prefix_recent) }
  }
  const decisions = decide(items, seen)
  const batch = rows.map((row, i) => ({ ...row, decided: decisions[i]?.status, hold_reason: decisions[i]?.holdReason ?? null }))
  const written = await pool.query({ name: 'optline_accept_batch', text: ACCEPT_BATCH, values: [batchJson(batch)] })
  return resultsOf(written.rows as { id: number, ord: number, status: string }[], decisions.map(d => d.holdReason))
}

/** `readFirst` is called once for a batch that needs the read (counted in the store's acceptStats). */
export async function commitAcceptBatch (pool: Pool, items: readonly Accepting[], readFirst: () => void = () => {}): Promise<AcceptResult[]> {
  const rows = batchRows(items)
  // Known risky without asking: then the guarded statement would only cost a round trip.
  let oneTrip = !sameNumberTwice(items)
  if (!oneTrip) readFirst()
  for (let attempt = 0; ; attempt++) {
    try {
      // Every statement named, so each connection parses and plans it once: planning the write cost more than
      // running it (measured: about 2× the batches per second once prepared). Each commits on its own
      // (autocommit): no BEGIN/COMMIT round trips; the read has nothing to commit.
      if (oneTrip) {
        const written = await acceptInOneTrip(pool, items, rows)
        if (written !== undefined) return written
        // Risky: this batch (and a retry of it after a deadlock) takes the read.
        oneTrip = false
        readFirst()
      }
      return await acceptDecidedHere(pool, items, rows)
    } catch (error) {
      if (attempt >= DEADLOCK_RETRIES || !isRetryableTransactionError(error)) throw error
    }
  }
}
