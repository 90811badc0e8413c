// The store suite against SQLite (a fresh file per subtest), plus what only a file can show: WAL, reopening.
import t from 'tap'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SQLITE_MIGRATIONS } from '../../src/store/migrations-sqlite.ts'
import { DEFAULT_SQLITE_PATH, openStore } from '../../src/store/open.ts'
import type { Test } from 'tap'
import type { InstrumentedStore, StoreOptions } from '../../src/store/types.ts'
import { runStoreSuite } from './store-suite.ts'
import { DAY, newSignup } from './suite-helpers.ts'
import { ADOPT_SQL, FIND_RECENT_SQL } from '../../src/store/sqlite-writes.ts'

async function opened (t: Test, path: string, options: Partial<StoreOptions> = {}): Promise<InstrumentedStore> {
  const store = await openStore({ ...options, url: path })
  t.teardown(() => store.close())
  return store
}

/** Runs SQL on the file through a connection of its own, as another process would. */
function execOn (path: string, sql: string): void {
  const db = new DatabaseSync(path)
  try {
    db.exec(sql)
  } finally {
    db.close()
  }
}

runStoreSuite(t, async t => {
  const path = join(t.testdir(), 'optline.db')
  return async overrides => await opened(t, path, overrides)
}, async (t, version) => {
  const path = join(t.testdir(), 'optline.db')
  execOn(path, [...SQLITE_MIGRATIONS.slice(0, version), `PRAGMA user_version = ${version}`].join(';\n'))
  return {
    exec: async sql => execOn(path, sql),
    open: async overrides => await opened(t, path, overrides)
  }
})

t.test('migration 4 rebuilds signups: child rows still point at it, foreign keys still enforced', async t => {
  const path = join(t.testdir(), 'optline.db')
  execOn(path, [...SQLITE_MIGRATIONS.slice(0, 3), 'PRAGMA user_version = 3'].join(';\n'))
  execOn(path, `INSERT INTO signups (campaign, phone_number, e164, request, token_key, status, next_attempt_at, created_at)
      VALUES ('summer', '16465550123', '+16465550123', '{}', 'tok', 'pending', 1, 1), ('summer', '123', '+123', '{}', 'tok', 'pending', 1, 1);
    INSERT INTO signup_consents (signup_id, disclosure_version, consent_given) SELECT id, 'v', 1 FROM signups;`)
  const store = await opened(t, path)
  const peek = new DatabaseSync(path)
  t.teardown(() => peek.close())
  t.same(peek.prepare('SELECT phone_prefix FROM signups ORDER BY id').all().map(r => r.phone_prefix), ['1646555', ''],
    'backfilled like phonePrefix(): a short number has an empty prefix')
  t.same(peek.prepare('PRAGMA foreign_key_list(signup_consents)').all().map(r => r.table), ['signups'])
  t.same(peek.prepare('PRAGMA foreign_key_check').all(), [])
  t.throws(() => peek.prepare("INSERT INTO signup_consents (signup_id, disclosure_version, consent_given) VALUES (99, 'v', 1)").run(),
    /FOREIGN KEY/, 'a consent row without its signup is still refused')
  t.match(await store.signupDetail(2), { status: 'pending', consent: { disclosureVersion: 'v' } })
})

t.test('the duplicate check seeks the number itself, however many signups its prefix holds', async t => {
  const path = join(t.testdir(), 'optline.db')
  await opened(t, path)
  const peek = new DatabaseSync(path, { readOnly: true })
  t.teardown(() => peek.close())
  // Through the prefix instead, it would read every signup of the prefix in the window, held ones included.
  const plan = peek.prepare(`EXPLAIN QUERY PLAN ${FIND_RECENT_SQL}`).all('summer', '16465550123', 0).map(r => String(r.detail)).join(' | ')
  t.match(plan, /SEARCH signups USING INDEX signups_dedupe \(campaign=\? AND phone_number=\? AND created_at>\?\)/)
})

t.test('adopting a replaced token\'s queue walks only the unfinished and the held rows, never the history', async t => {
  const path = join(t.testdir(), 'optline.db')
  await opened(t, path)
  const peek = new DatabaseSync(path, { readOnly: true })
  t.teardown(() => peek.close())
  const plan = (sql: string) => peek.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ tokenKey: 'k', except: '[]' }).map(r => String(r.detail)).join(' | ')
  t.match(plan(ADOPT_SQL.unfinished), /SCAN signups USING INDEX signups_active/)
  t.match(plan(ADOPT_SQL.held), /SCAN signups USING INDEX signups_held\b/)
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
  t.equal((peek.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 7, 'seven migrations applied')
  peek.close()
  const again = await opened(t, path, { durability: 'normal' })
  t.equal((await again.signupDetail(id))?.status, 'pending')
})

t.test('the default path is under ./data', async t => {
  t.equal(DEFAULT_SQLITE_PATH, 'data/optline.db')
})
