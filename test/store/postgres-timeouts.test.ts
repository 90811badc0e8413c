// A PostgreSQL that stops answering: a proxy between the store and the server black-holes the traffic (no reset, no
// answer, as in a partition or on a frozen volume). Accepts must fail within their bound, reach the visitor as the
// 503, and succeed again once the database answers. No server: skipped with the reason printed, a failure under CI.
import t from 'tap'
import type { Test } from 'tap'
import net from 'node:net'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { buildTestApp, formTokenFor } from '../helper.ts'
import { dropSchema, newSchemaName, postgresUrl, requirePostgres } from '../postgres.ts'
import { DAY, newSignup, T0, TOKEN } from './suite-helpers.ts'

// Short bounds so the test takes seconds; production keeps the defaults (postgres-pool.ts).
const QUERY_TIMEOUT_MS = 1000
const CONNECT_TIMEOUT_MS = 1000
// A slow CI machine's share on top of a bound.
const SLACK_MS = 1000

interface BlackHoleProxy {
  url: string
  /** True: bytes are read and dropped both ways, the sockets stay open. False: forwarded again. */
  blackHole: boolean
}

/** A TCP proxy on 127.0.0.1 (random port) to the test server; closed with its sockets in teardown. */
async function startProxy (t: Test): Promise<BlackHoleProxy> {
  const target = new URL(postgresUrl)
  const sockets = new Set<net.Socket>()
  const proxy: BlackHoleProxy = { url: '', blackHole: false }
  const server = net.createServer(client => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from)
      from.on('data', chunk => { if (!proxy.blackHole) to.write(chunk) })
      // One side gone (the pool gave up on a connection): so is the other, and the server's backend with it.
      from.on('close', () => { sockets.delete(from); to.destroy() })
      from.on('error', () => {})
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise(resolve => server.close(resolve))
  })
  const url = new URL(postgresUrl)
  url.hostname = '127.0.0.1'
  url.port = String((server.address() as net.AddressInfo).port)
  proxy.url = url.toString()
  return proxy
}

/** A store behind the proxy, with short bounds, on a schema of its own (dropped in teardown). */
async function storeBehind (t: Test, proxy: BlackHoleProxy): Promise<InstrumentedStore> {
  const schema = newSchemaName()
  t.teardown(() => dropSchema(schema))
  const store = await openStore({
    url: proxy.url, schema, poolSize: 2, queryTimeoutMs: QUERY_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS
  })
  return store
}

/** How long `promise` took to settle, ms, and whether it was rejected (with what). */
async function timed (promise: Promise<unknown>): Promise<{ ms: number, error: unknown }> {
  const started = performance.now()
  const error = await promise.then(() => undefined, (error: unknown) => error ?? new Error('rejected'))
  return { ms: performance.now() - started, error }
}

if (await requirePostgres(t)) {
  t.test('an accept the database never answers fails within its bound; the pool recovers when it answers again', async t => {
    const proxy = await startProxy(t)
    const store = await storeBehind(t, proxy)
    t.teardown(() => store.close())
    // Two connections in the pool (poolSize 2): an accept and a rate-bucket transaction at once.
    const bucket = { tokens: 1, updatedAt: T0, capacity: 2, windowMs: 1000, blockedUntil: 0 }
    const lockBucket = () => store.withBucket(TOKEN, () => ({ state: bucket, result: 'locked' }))
    const [accepted] = await Promise.all([store.accept(newSignup(), DAY), lockBucket()])
    t.equal(accepted.duplicate, false, 'accepted while the database answers')

    proxy.blackHole = true
    // Each takes a pooled connection; the server never sees either, so only the client's own timer ends the wait.
    const [sent, locking] = await Promise.all([timed(store.accept(newSignup(), DAY)), timed(lockBucket())])
    t.match(sent.error, { message: 'Query read timeout' }, 'the accept is rejected by the client-side bound')
    t.ok(sent.ms < QUERY_TIMEOUT_MS + SLACK_MS, `settled in ${Math.round(sent.ms)} ms`)
    t.match(locking.error, { message: 'Query read timeout' }, 'so is the transaction')
    // Not a second full wait for a ROLLBACK queued behind the silent BEGIN: the connection is dropped instead.
    t.ok(locking.ms < 2 * QUERY_TIMEOUT_MS, `settled in ${Math.round(locking.ms)} ms`)
    // Both connections were dropped; a new one cannot finish its start-up either.
    const connecting = await timed(store.accept(newSignup(), DAY))
    t.match(connecting.error, { message: /timeout/ }, 'rejected by the connect bound')
    t.ok(connecting.ms < CONNECT_TIMEOUT_MS + SLACK_MS, `settled in ${Math.round(connecting.ms)} ms`)
    t.equal(store.acceptStats.failedBatches, 2)

    proxy.blackHole = false
    t.equal((await store.accept(newSignup(), DAY)).duplicate, false, 'accepted again once the database answers')
    t.match(await store.counts(), { pending: 2 }, 'the two refused signups were not written')
  })

  t.test('a visitor whose signup the database never answers gets the 503 "try again", then a 202 once it answers', async t => {
    const proxy = await startProxy(t)
    const store = await storeBehind(t, proxy)
    // The app closes the store it was given.
    const { app } = await buildTestApp(t, { store, dispatch: false })
    const post = () => app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/summer/signups',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ formToken: formTokenFor('summer'), phone: '646.555.0123', consent: true })
    })

    proxy.blackHole = true
    const started = performance.now()
    const refused = await post()
    const ms = performance.now() - started
    t.equal(refused.statusCode, 503)
    t.equal(refused.headers['retry-after'], '60')
    t.match(refused.json(), { errors: [{ field: 'form', message: /try again/i }] })
    t.ok(ms < QUERY_TIMEOUT_MS + SLACK_MS, `answered in ${Math.round(ms)} ms`)

    proxy.blackHole = false
    t.equal((await post()).statusCode, 202)
  })

  t.test('migrations are not cut by the per-statement bound: a start-up may rewrite a big table', async t => {
    const schema = newSchemaName()
    t.teardown(() => dropSchema(schema))
    // A bound no statement could meet: every migration still runs, on the migrations' own unbounded pool.
    const store = await openStore({ url: postgresUrl, schema, queryTimeoutMs: 1 })
    t.teardown(() => store.close())
    t.pass('migrated')
  })

  t.test('a timeout that would mean "no bound" to PostgreSQL is refused', async t => {
    await t.rejects(openStore({ url: postgresUrl, queryTimeoutMs: 0 }), /queryTimeoutMs must be a positive integer/)
    await t.rejects(openStore({ url: postgresUrl, connectTimeoutMs: -1 }), /connectTimeoutMs must be a positive integer/)
  })
}
