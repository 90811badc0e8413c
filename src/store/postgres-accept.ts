// accept() on Postgres: one batch = ONE statement (so one transaction, one WAL flush, one round trip) that decides
// duplicates, inserts every signup and its consent row, and hands back each row's id.
import type { Pool } from 'pg'
import { isRetryableTransactionError } from './postgres-pool.ts'
import { toMs } from './rows.ts'
import type { AcceptResult, NewSignup } from './types.ts'

export interface Accepting {
  signup: NewSignup
  dedupeWindowMs: number
}

/** How many times a batch that lost a deadlock is run again before its callers get the error. */
const DEADLOCK_RETRIES = 3

// Dedupe: why an upsert on dedupe_keys rather than a check on signups. "The same number within 24 h" is a time
// window, which no unique index on signups can express; dedupe_keys holds one row per (campaign, number) with the
// time of its last signup that was sent. INSERT … ON CONFLICT DO UPDATE … WHERE takes that row's lock: when two
// instances accept one number at the same moment, the second waits for the first to commit, then evaluates the
// WHERE against the committed row, so exactly one of them gets the row back (RETURNING) and sends. No advisory
// lock, no separate read, no BEGIN/COMMIT round trips. Numbers are upserted in sorted order, so two batches
// always take their row locks in the same order and never deadlock each other.
// Within one batch, only a number's first occurrence can be sent: ON CONFLICT cannot touch one row twice in a
// statement, and the later ones (a double submit) are duplicates of it, unless the window is 0.
// Ids are drawn from the sequence before the insert and returned paired with each row's position (ord), because
// the order of INSERT … RETURNING is not guaranteed. Arrays go in one parameter per column: no 65535-parameter limit.
const ACCEPT_BATCH = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
      $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
      WITH ORDINALITY AS u (campaign, phone_number, e164, request, token_key, created_at, window_ms,
        disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source, ord)
  ), firsts AS (
    SELECT DISTINCT ON (campaign, phone_number) * FROM input ORDER BY campaign, phone_number, ord
  ), sent AS (
    INSERT INTO dedupe_keys AS k (campaign, phone_number, last_sent_at, window_ms)
    SELECT campaign, phone_number, created_at, window_ms FROM firsts ORDER BY campaign, phone_number
    ON CONFLICT (campaign, phone_number) DO UPDATE
      SET last_sent_at = GREATEST(k.last_sent_at, excluded.last_sent_at), window_ms = excluded.window_ms
      WHERE k.last_sent_at <= excluded.last_sent_at - excluded.window_ms
    RETURNING k.campaign, k.phone_number
  ), numbered AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('signups', 'id')) AS id, i.*,
      CASE
        WHEN i.ord IN (SELECT f.ord FROM firsts f JOIN sent s USING (campaign, phone_number)) THEN 'pending'
        WHEN i.window_ms <= 0 AND i.ord NOT IN (SELECT ord FROM firsts) THEN 'pending'
        ELSE 'duplicate'
      END AS status
    FROM input i ORDER BY i.ord
  ), signup_rows AS (
    INSERT INTO signups (id, campaign, phone_number, e164, request, token_key, status, next_attempt_at, created_at)
    SELECT id, campaign, phone_number, e164, request::jsonb, token_key, status,
      CASE WHEN status = 'pending' THEN created_at END, created_at
    FROM numbered
  ), consent_rows AS (
    INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source)
    SELECT id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source FROM numbered
  )
  SELECT id, ord, status FROM numbered`

export async function commitAcceptBatch (pool: Pool, items: readonly Accepting[]): Promise<AcceptResult[]> {
  const column = <T> (pick: (item: Accepting) => T) => items.map(pick)
  const values = [
    column(({ signup }) => signup.campaign),
    column(({ signup }) => signup.phoneNumber),
    column(({ signup }) => signup.e164),
    column(({ signup }) => JSON.stringify(signup.request)),
    column(({ signup }) => signup.tokenKey),
    column(({ signup }) => toMs(signup.createdAt, 'createdAt')),
    column(({ dedupeWindowMs }) => toMs(dedupeWindowMs, 'dedupeWindowMs')),
    column(({ signup }) => signup.consent.disclosureVersion),
    column(({ signup }) => signup.consent.consentGiven),
    column(({ signup }) => signup.consent.clientIp ?? null),
    column(({ signup }) => signup.consent.userAgent ?? null),
    column(({ signup }) => signup.consent.pageUrl ?? null),
    column(({ signup }) => signup.consent.referrer ?? null),
    column(({ signup }) => signup.consent.source ?? null)
  ]
  for (let attempt = 0; ; attempt++) {
    try {
      // A single statement commits on its own (autocommit): no BEGIN/COMMIT round trips. Named, so each
      // connection parses and plans it once: planning this statement cost more than running it (measured:
      // about 2× the batches per second once prepared).
      const { rows } = await pool.query({ name: 'optline_accept_batch', text: ACCEPT_BATCH, values })
      const results: AcceptResult[] = []
      for (const row of rows as { id: number, ord: number, status: string }[]) {
        results[row.ord - 1] = { id: row.id, duplicate: row.status === 'duplicate' }
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
