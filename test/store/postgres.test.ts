// The store suite against a real PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432/test), one schema per subtest.
// No server: skipped with the reason printed, except under CI, where that is a failure.
import t from 'tap'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { runStoreSuite } from './store-suite.ts'
import { dropSchema, newSchemaName, postgresUrl, requirePostgres } from '../postgres.ts'
import { DAY, newSignup } from './suite-helpers.ts'

const url = postgresUrl

if (await requirePostgres(t)) {
  runStoreSuite(t, async t => {
    // Tap runs test files in parallel: every subtest gets its own schema, dropped afterwards.
    const schema = newSchemaName()
    const stores: InstrumentedStore[] = []
    t.teardown(async () => {
      await Promise.all(stores.map(store => store.close()))
      await dropSchema(schema)
    })
    return async overrides => {
      const store = await openStore({ poolSize: 4, ...overrides, url, schema })
      stores.push(store)
      return store
    }
  })

  t.test('openStore picks Postgres for postgres:// and postgresql:// URLs', async t => {
    const schema = newSchemaName()
    t.teardown(() => dropSchema(schema))
    const store = await openStore({ url: url.replace(/^postgres(ql)?:/, 'postgresql:'), schema })
    t.teardown(() => store.close())
    t.equal(store.kind, 'postgres')
    t.equal((await store.accept(newSignup(), DAY)).duplicate, false)
  })

  t.test('a bad schema name is refused before it reaches SQL', async t => {
    await t.rejects(openStore({ url, schema: 'x; DROP TABLE signups' }), /schema must match/)
  })
}
