// Two instances on one PostgreSQL: a shared backlog is sent once, and together they stay within the upstream's rate.
import t from 'tap'
import { buildTestApp, formPost, TEST_TOKEN } from '../helper.ts'
import { openStore } from '../../src/store/open.ts'
import { createStandIn } from '../../src/sandbox/stand-in.ts'
import { dropSchema, newSchemaName, postgresUrl, requirePostgres } from '../postgres.ts'

const LIMIT = 5
const WINDOW_S = 2
const N = 16

if (await requirePostgres(t)) {
  t.test('two instances drain one backlog: each signup once, no faster than one instance may', async t => {
    const schema = newSchemaName()
    t.teardown(() => dropSchema(schema))
    const standIn = createStandIn({ accessToken: TEST_TOKEN, limit: LIMIT, windowSeconds: WINDOW_S })
    const shared = { standIn, baseUrl: await standIn.listen() }
    t.teardown(() => standIn.close())

    // Both accept while neither dispatches, then both start at once on the same backlog.
    const a = await buildTestApp(t, { sharedStandIn: shared, dispatch: false, store: await openStore({ url: postgresUrl, schema, poolSize: 4 }) })
    const b = await buildTestApp(t, { sharedStandIn: shared, dispatch: false, store: await openStore({ url: postgresUrl, schema, poolSize: 4 }) })
    for (let i = 0; i < N; i++) {
      const app = i % 2 === 0 ? a.app : b.app
      t.equal((await app.inject(formPost('/c/bulk', { phone: `(646) 555-${1000 + i}`, consent: 'yes' }))).statusCode, 303)
    }
    a.app.dispatcher.start()
    b.app.dispatcher.start()
    const deadline = Date.now() + 40_000
    while ((await a.store.counts()).delivered < N && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))

    const created = standIn.calls.filter(call => call.status === 201)
    const numbers = created.map(call => (call.body as { PhoneNumber: string }).PhoneNumber)
    t.equal(created.length, N, 'every signup delivered')
    t.equal(new Set(numbers).size, N, 'none twice')
    const span = ((created.at(-1)?.time ?? 0) - (created[0]?.time ?? 0)) / 1000
    const ideal = (N - LIMIT) * WINDOW_S / LIMIT
    t.ok(span >= ideal * 0.9, `together no faster than the upstream allows (${span.toFixed(2)} s, ideal ${ideal} s)`)
    const tooMany = standIn.calls.filter(call => call.status === 429).length
    t.ok(tooMany <= Math.ceil(span / WINDOW_S), `at most one 429 per window (${tooMany})`)
  })
}
