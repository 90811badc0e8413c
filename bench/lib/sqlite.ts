// Reads a SQLite store's signups by status after a run, read-only, to check what was really stored.
import { DatabaseSync } from 'node:sqlite'

export function sqliteCounts (file: string): Record<string, number> {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    const rows = db.prepare('SELECT status, count(*) AS n FROM signups GROUP BY status').all() as Array<{ status: string, n: number }>
    return Object.fromEntries(rows.map(row => [row.status, Number(row.n)]))
  } finally {
    db.close()
  }
}
