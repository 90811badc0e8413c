// SQLite's consent export (one statement on a connection of its own, iterated row by row) and the deletion log.
// Deleting a number is a write, so it runs where every write runs: sqlite-writes.ts.
import { DatabaseSync } from 'node:sqlite'
import { deletionsQuery, EXPORT_SELECT, exportRange, toDeletion, toExportRow } from './consent-records.ts'
import type { ConsentExportQuery, ConsentExportRow, DeletionRecord } from './types.ts'

export interface SqliteConsents {
  exportConsents (query: ConsentExportQuery): AsyncIterable<ConsentExportRow>
  listDeletions (options: { limit: number, before?: number }): Promise<DeletionRecord[]>
}

// Served by signups_created (created_at, then the rowid every SQLite index ends with): the range is one index seek
// and the order is the index's, so no sort, and the first row comes out at once however big the table.
const EXPORT = `${EXPORT_SELECT}
  WHERE s.created_at >= :from AND s.created_at < :to AND (:campaign IS NULL OR s.campaign = :campaign)
  ORDER BY s.created_at, s.id`

/** `path`: the database file, for the export's own connection; undefined for :memory: (one connection only). */
export function createSqliteConsents (db: DatabaseSync, path: string | undefined): SqliteConsents {
  return {
    exportConsents (query) {
      // Checked now, not at the first row: a bad date should fail the call, not a consumer half-way through a file.
      const range = exportRange(query)
      return iterateExport(db, path, range)
    },

    async listDeletions (options) {
      const { limit, before } = deletionsQuery(options)
      return db.prepare(`SELECT * FROM deletions WHERE id < coalesce(:before, 9223372036854775807)
        ORDER BY id DESC LIMIT :limit`).all({ before, limit }).map(toDeletion)
    }
  }
}

async function * iterateExport (db: DatabaseSync, path: string | undefined, range: ReturnType<typeof exportRange>): AsyncGenerator<ConsentExportRow> {
  // The statement keeps one read transaction open until the last row, however slowly the download goes: on the
  // store's own connection, that snapshot would hide the writer thread's commits from every other read of this
  // thread (the dispatcher's bucket among them). So each export reads through a connection of its own, closed
  // when the export ends or its consumer stops. Writers go on meanwhile (WAL); their later commits stay out.
  const own = path === undefined ? undefined : new DatabaseSync(path, { readOnly: true })
  try {
    const statement = (own ?? db).prepare(EXPORT)
    for (const row of statement.iterate(range)) yield toExportRow(row)
  } finally {
    own?.close()
  }
}
