// The store suite against a real PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432/test), one schema per subtest.
// No server: skipped with the reason printed, except under CI, where that is a failure.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { runStoreSuite } from './store-suite.ts'
import { DAY, newSignup } from './suite-helpers.ts'

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const shownUrl = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')

async function reachable (): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

async function dropSchema (schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}

const problem = await reachable()
if (problem !== undefined && process.env.CI !== undefined) {
  t.fail(`PostgreSQL is required under CI but ${shownUrl} is unreachable: ${problem}`)
} else if (problem !== undefined) {
  t.plan(0, `skipped: no PostgreSQL at ${shownUrl} (${problem}); set TEST_DATABASE_URL or start the server`)
} else {
  runStoreSuite(t, async t => {
    // Tap runs test files in parallel: every subtest gets its own schema, dropped afterwards.
    const schema = `optline_test_${randomBytes(6).toString('hex')}`
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
    const schema = `optline_test_${randomBytes(6).toString('hex')}`
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
