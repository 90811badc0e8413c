// The store suite against a real PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432/test), one schema per subtest.
// No server: skipped with the reason printed, except under CI, where that is a failure.
import t from 'tap'
import pg from 'pg'
import type { Test } from 'tap'
import { POSTGRES_MIGRATIONS } from '../../src/store/migrations-postgres.ts'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { type OpenStore, runStoreSuite } from './store-suite.ts'
import { dropSchema, newSchemaName, postgresUrl, requirePostgres } from '../postgres.ts'
import { acceptOnConsecutiveTurns, DAY, MINUTE, newSignup, numberIn, T0 } from './suite-helpers.ts'

const url = postgresUrl

/** Tap runs test files in parallel: every subtest gets its own schema, dropped (with its stores closed) afterwards. */
function freshSchema (t: Test): { schema: string, open: OpenStore } {
  const schema = newSchemaName()
  const stores: InstrumentedStore[] = []
  t.teardown(async () => {
    await Promise.all(stores.map(store => store.close()))
    await dropSchema(schema)
  })
  return {
    schema,
    open: async overrides => {
      const store = await openStore({ poolSize: 4, ...overrides, url, schema })
      stores.push(store)
      return store
    }
  }
}

/** Runs SQL (several statements allowed) in the schema through a connection of its own. */
async function execIn (schema: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

if (await requirePostgres(t)) {
  runStoreSuite(t, async t => freshSchema(t).open, async (t, version) => {
    const { schema, open } = freshSchema(t)
    // What migrate() would have left after `version` migrations (its schema_migrations table included).
    await execIn(schema, `CREATE SCHEMA ${schema};
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`)
    for (let v = 1; v <= version; v++) {
      await execIn(schema, `${POSTGRES_MIGRATIONS[v - 1]}; INSERT INTO schema_migrations (version, applied_at) VALUES (${v}, 0)`)
    }
    return { exec: sql => execIn(schema, sql), open }
  })

  t.test('openStore picks Postgres for postgres:// and postgresql:// URLs', async t => {
    const schema = newSchemaName()
    t.teardown(() => dropSchema(schema))
    const store = await openStore({ url: url.replace(/^postgres(ql)?:/, 'postgresql:'), schema })
    t.teardown(() => store.close())
    t.equal(store.kind, 'postgres')
    t.equal((await store.accept(newSignup(), DAY)).duplicate, false)
  })

  t.test('a batch whose rows cannot decide one another is written in one statement; one whose rows can is read first', async t => {
    const store = await freshSchema(t).open()
    const velocity = { max: 3, windowMs: 10 * MINUTE }
    const accept = (phoneNumber: string, overrides = {}) =>
      store.accept(newSignup({ phoneNumber, createdAt: T0, ...overrides }), DAY, velocity).then(r => [r.duplicate, r.held])
    // Distinct numbers, each prefix far from its limit, one held by the caller: one statement decides and writes.
    t.same(await Promise.all([accept(numberIn('1212555', 1)), accept(numberIn('1212556', 1)), accept(numberIn('1212557', 1), { hold: 'honeypot' })]),
      [[false, undefined], [false, undefined], [false, 'honeypot']])
    t.equal(store.acceptStats.readFirst, 0, 'no read before the write')
    // A number already sent: the one statement's upsert finds its key taken.
    t.same(await accept(numberIn('1212555', 1)), [true, undefined], 'a duplicate of a committed signup')
    t.equal(store.acceptStats.readFirst, 0)
    // The same number twice in one batch: read first, and the second is the duplicate.
    t.same(await Promise.all([accept(numberIn('1212558', 1)), accept(numberIn('1212558', 1))]), [[false, undefined], [true, undefined]])
    t.equal(store.acceptStats.readFirst, 1, 'read first: the same number twice')
    // Prefix 1212556 has 1 committed and 3 in this batch (limit 3): read first, decided row by row, the third held.
    t.same(await Promise.all([accept(numberIn('1212556', 2)), accept(numberIn('1212556', 3)), accept(numberIn('1212556', 4))]),
      [[false, undefined], [false, undefined], [false, 'prefix_velocity']])
    t.equal(store.acceptStats.readFirst, 2, 'read first: a prefix that could reach its limit')
    t.match(await store.counts(), { pending: 5, duplicate: 2, held: 2 })
  })

  t.test('by default a batch waits a moment for company: accepts from consecutive event-loop turns share it', async t => {
    const store = await freshSchema(t).open()
    await acceptOnConsecutiveTurns(store)
    t.equal(store.acceptStats.batches, 1)
    t.equal(store.acceptStats.largestBatch, 2)
    // Not forever: a signup alone is written within a few milliseconds.
    const started = performance.now()
    await store.accept(newSignup(), DAY)
    t.ok(performance.now() - started < 1000, 'a lone signup is not held back')
    t.equal(store.acceptStats.batches, 2)
  })

  t.test('a bad schema name is refused before it reaches SQL', async t => {
    await t.rejects(openStore({ url, schema: 'x; DROP TABLE signups' }), /schema must match/)
  })
}
