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
import { DAY, newSignup } from './suite-helpers.ts'

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

  t.test('a bad schema name is refused before it reaches SQL', async t => {
    await t.rejects(openStore({ url, schema: 'x; DROP TABLE signups' }), /schema must match/)
  })
}
