// PostgreSQL's consent export (keyset pages of EXPORT_PAGE rows) and deletion of a number on request (one transaction).
import type { Pool } from 'pg'
import {
  campaignsOf, deletionArguments, deletionsQuery, EXPORT_PAGE, EXPORT_SELECT, exportRange, toDeletion, toExportRow
} from './consent-records.ts'
import { inLongTransaction, isRetryableTransactionError } from './postgres-pool.ts'
import type { ConsentExportQuery, ConsentExportRow, DeletionRecord, DeletionResult } from './types.ts'

export interface PostgresConsents {
  exportConsents (query: ConsentExportQuery): AsyncIterable<ConsentExportRow>
  deleteNumber (e164: string, now: number, note: string): Promise<DeletionResult>
  listDeletions (options: { limit: number, before?: number }): Promise<DeletionRecord[]>
}

// Keyset pagination rather than a cursor: a cursor holds a connection and a transaction (and vacuum's horizon) for as
// long as the consumer takes, a slow download included; a page holds nothing between two reads. Each page starts
// after the last row of the previous one, a range scan of signups_created in order. The first starts after
// (from, -1): ids are positive, so that is created_at >= from. Unnamed statement: planned with the actual values, so
// the campaign's IS NULL term folds away. A page of a rare campaign may walk a long stretch of other campaigns' rows
// to fill up, hence the long bound (inLongTransaction); a page still holds nothing once read.
const EXPORT_PAGE_SQL = `${EXPORT_SELECT}
  WHERE (s.created_at, s.id) > ($1::bigint, $2::bigint) AND s.created_at < $3 AND ($4::text IS NULL OR s.campaign = $4)
  ORDER BY s.created_at, s.id
  LIMIT $5`

// The number's signups, locked before anything is deleted: a dispatcher finishing a call for one of them waits, then
// finds it gone (finishAttempt drops the attempt); claimers skip locked rows. Signups before dedupe keys, the order
// releaseHeld() takes them in, so the two never deadlock. A full scan, as no index leads with the number: deletions
// are rare, and an index every accept would pay for is not worth it. That scan is why deletion has the long bound.
const LOCK_NUMBER = 'SELECT id, campaign FROM signups WHERE e164 = $1 ORDER BY id FOR UPDATE'

/** How many times a deletion that lost a deadlock is run again before the caller gets the error. */
const DEADLOCK_RETRIES = 3

export function createPostgresConsents (pool: Pool): PostgresConsents {
  return {
    exportConsents (query) {
      // Checked now, not at the first row: a bad date should fail the call, not a consumer half-way through a file.
      const range = exportRange(query)
      return readPages(pool, range)
    },

    async deleteNumber (e164, now, note) {
      const d = deletionArguments(e164, now, note)
      for (let attempt = 0; ; attempt++) {
        try {
          return await inLongTransaction(pool, async query => {
            const { rows } = await query(LOCK_NUMBER, [d.e164])
            const ids = rows.map(row => Number(row.id))
            // Children first: the foreign keys are checked at the end of each statement.
            await query('DELETE FROM signup_attempts WHERE signup_id = ANY ($1::bigint[])', [ids])
            await query('DELETE FROM signup_consents WHERE signup_id = ANY ($1::bigint[])', [ids])
            await query('DELETE FROM signups WHERE id = ANY ($1::bigint[])', [ids])
            // The dedupe keys hold the number too; without them its next signup is a fresh one, as it should be.
            await query('DELETE FROM dedupe_keys WHERE phone_number = $1', [d.phoneNumber])
            const campaigns = campaignsOf(rows)
            await query('INSERT INTO deletions (e164_sha256, campaigns, signups, deleted_at, note) VALUES ($1, $2, $3, $4, $5)',
              [d.hash, campaigns, ids.length, d.at, d.note])
            return { signups: ids.length, campaigns }
          })
        } catch (error) {
          if (attempt >= DEADLOCK_RETRIES || !isRetryableTransactionError(error)) throw error
        }
      }
    },

    async listDeletions (options) {
      const { limit, before } = deletionsQuery(options)
      const { rows } = await pool.query(`SELECT * FROM deletions WHERE ($1::bigint IS NULL OR id < $1)
        ORDER BY id DESC LIMIT $2`, [before, limit])
      return rows.map(toDeletion)
    }
  }
}

async function * readPages (pool: Pool, range: ReturnType<typeof exportRange>): AsyncGenerator<ConsentExportRow> {
  let after = [range.from, -1]
  for (;;) {
    const { rows } = await inLongTransaction(pool, query => query(EXPORT_PAGE_SQL, [after[0], after[1], range.to, range.campaign, EXPORT_PAGE]))
    for (const row of rows) yield toExportRow(row)
    const last = rows.at(-1)
    if (rows.length < EXPORT_PAGE || last === undefined) return
    after = [Number(last.created_at), Number(last.id)]
  }
}
