// SQLite's consent export (one statement, iterated row by row) and deletion of a number on request (one transaction).
import type { DatabaseSync } from 'node:sqlite'
import {
  campaignsOf, deletionArguments, deletionsQuery, EXPORT_SELECT, exportRange, toDeletion, toExportRow
} from './consent-records.ts'
import type { ConsentExportQuery, ConsentExportRow, DeletionRecord, DeletionResult } from './types.ts'

export interface SqliteConsents {
  exportConsents (query: ConsentExportQuery): AsyncIterable<ConsentExportRow>
  deleteNumber (e164: string, now: number, note: string): Promise<DeletionResult>
  listDeletions (options: { limit: number, before?: number }): Promise<DeletionRecord[]>
}

// Served by signups_created (created_at, then the rowid every SQLite index ends with): the range is one index seek
// and the order is the index's, so no sort, and the first row comes out at once however big the table.
const EXPORT = `${EXPORT_SELECT}
  WHERE s.created_at >= :from AND s.created_at < :to AND (:campaign IS NULL OR s.campaign = :campaign)
  ORDER BY s.created_at, s.id`

export function createSqliteConsents (db: DatabaseSync, writeTransaction: <T>(work: () => T) => Promise<T>): SqliteConsents {
  return {
    exportConsents (query) {
      // Checked now, not at the first row: a bad date should fail the call, not a consumer half-way through a file.
      const range = exportRange(query)
      return iterateExport(db, range)
    },

    async deleteNumber (e164, now, note) {
      const d = deletionArguments(e164, now, note)
      // secure_delete overwrites the freed cells with zeros, so the number does not linger in free pages of the
      // file; only for this transaction, since it costs a write per deleted cell. (The WAL's older frames still hold
      // it until they are checkpointed over, and backups until they rotate.)
      const previous = Number((db.prepare('PRAGMA secure_delete').get() as { secure_delete: number }).secure_delete)
      db.exec('PRAGMA secure_delete = ON')
      try {
        return await writeTransaction(() => {
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

    async listDeletions (options) {
      const { limit, before } = deletionsQuery(options)
      return db.prepare(`SELECT * FROM deletions WHERE id < coalesce(:before, 9223372036854775807)
        ORDER BY id DESC LIMIT :limit`).all({ before, limit }).map(toDeletion)
    }
  }
}

async function * iterateExport (db: DatabaseSync, range: ReturnType<typeof exportRange>): AsyncGenerator<ConsentExportRow> {
  // A statement of its own for each export: iterate() on a shared one would reset another export's cursor. The
  // statement keeps one read transaction open until the last row (or until the consumer stops: for…of then resets
  // it): other connections' later commits stay out, writers go on meanwhile (WAL). This connection's own writes
  // during the export may show, like rows accepted while it runs.
  const statement = db.prepare(EXPORT)
  for (const row of statement.iterate(range)) yield toExportRow(row)
}
