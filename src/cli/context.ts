// What a command reads: the server's settings (.env, then the environment) and the store, opened for the command and
// closed after it.
import { existsSync } from 'node:fs'
import { loadEnv, type AppConfig } from '../config/env.ts'
import { isPostgresUrl, openStore } from '../store/open.ts'
import type { Store } from '../store/types.ts'
import { CliError, type CliIo } from './output.ts'

/** The server's settings; a bad value throws EnvError naming the variable, as the server would stop. */
export function settings (io: CliIo): AppConfig {
  return loadEnv(io.env)
}

/**
 * Opens the store DATABASE_URL names (migrated, like the server does), runs `work`, closes it. A SQLite file that does
 * not exist is refused rather than created: an empty new database would answer every command with nothing, when the
 * operator only ran the command from another directory.
 */
export async function withStore<T> (config: AppConfig, work: (store: Store) => Promise<T>): Promise<T> {
  const url = config.databaseUrl
  if (!isPostgresUrl(url) && url !== ':memory:' && !existsSync(url)) {
    throw new CliError(`no database at ${url}: run optline in the server's working directory, or set DATABASE_URL to where the server keeps its data`)
  }
  const store = await openStore({ url, durability: config.durability, poolSize: 2 })
  try {
    return await work(store)
  } finally {
    await store.close()
  }
}
