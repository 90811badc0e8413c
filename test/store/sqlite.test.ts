// The store suite against SQLite (a fresh file per subtest), plus what only a file can show: WAL, reopening.
import t from 'tap'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { DEFAULT_SQLITE_PATH, openStore } from '../../src/store/open.ts'
import type { Test } from 'tap'
import type { InstrumentedStore, StoreOptions } from '../../src/store/types.ts'
import { runStoreSuite } from './store-suite.ts'
import { DAY, newSignup } from './suite-helpers.ts'

async function opened (t: Test, path: string, options: Partial<StoreOptions> = {}): Promise<InstrumentedStore> {
  const store = await openStore({ ...options, url: path })
  t.teardown(() => store.close())
  return store
}

runStoreSuite(t, async t => {
  const path = join(t.testdir(), 'optline.db')
  return async overrides => await opened(t, path, overrides)
})

t.test(':memory: works for unit tests', async t => {
  const store = await opened(t, ':memory:')
  t.equal(store.kind, 'sqlite')
  t.equal((await store.accept(newSignup(), DAY)).duplicate, false)
})

t.test('a file store creates its directory, uses WAL, and keeps data across close and reopen', async t => {
  const path = join(t.testdir(), 'nested', 'deeper', 'optline.db')
  const first = await openStore({ url: path })
  const { id } = await first.accept(newSignup(), DAY)
  await first.close()
  const peek = new DatabaseSync(path, { readOnly: true })
  t.equal((peek.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal')
  t.equal((peek.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 3, 'three migrations applied')
  peek.close()
  const again = await opened(t, path, { durability: 'normal' })
  t.equal((await again.signupDetail(id))?.status, 'pending')
})

t.test('the default path is under ./data', async t => {
  t.equal(DEFAULT_SQLITE_PATH, 'data/optline.db')
})
