// Opens the store DATABASE_URL names (postgres:// → PostgreSQL, anything else → a SQLite file or :memory:), migrated.
import { createPostgresStore } from './postgres.ts'
import { createSqliteStore } from './sqlite.ts'
import type { InstrumentedStore, StoreOptions } from './types.ts'

/** The SQLite file used when DATABASE_URL is unset (relative to the working directory; created on first start). */
export const DEFAULT_SQLITE_PATH = 'data/optline.db'

export function isPostgresUrl (url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url)
}

export async function openStore (options: StoreOptions): Promise<InstrumentedStore> {
  const url = options.url === '' ? DEFAULT_SQLITE_PATH : options.url
  const store = isPostgresUrl(url) ? createPostgresStore({ ...options, url }) : createSqliteStore({ ...options, url })
  try {
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  return store
}
