// Pacing against the stand-in over real HTTP: a backlog drains at the upstream's rate, 429s stay rare.
import t from 'tap'
import { buildTestApp, formPost } from '../helper.ts'

// Small numbers keep this quick; the drain-time goal itself is measured by `npm run bench`.
const LIMIT = 4
const WINDOW_S = 2
const N = 10

t.test('a backlog drains through a small limit without hammering', async t => {
  const { app, standIn, store } = await buildTestApp(t, { standIn: { limit: LIMIT, windowSeconds: WINDOW_S } })
  for (let i = 0; i < N; i++) {
    const res = await app.inject(formPost('/c/bulk', { phone: `(646) 555-${String(1000 + i)}`, consent: 'yes' }))
    t.equal(res.statusCode, 303)
  }
  const deadline = Date.now() + 30_000
  while ((await store.counts()).delivered < N && Date.now() < deadline) await app.dispatcher.settled().then(() => new Promise(resolve => setTimeout(resolve, 50)))
  t.match(await store.counts(), { delivered: N, pending: 0 })

  const answered = standIn.calls.filter(call => call.status !== 0)
  const created = answered.filter(call => call.status === 201)
  const tooMany = answered.filter(call => call.status === 429)
  t.equal(created.length, N, 'each signup delivered once')
  const span = ((created.at(-1)?.time ?? 0) - (created[0]?.time ?? 0)) / 1000
  const ideal = (N - LIMIT) * WINDOW_S / LIMIT
  t.ok(span >= ideal * 0.9, `never faster than the upstream allows (${span.toFixed(2)} s for an ideal ${ideal} s)`)
  t.ok(tooMany.length <= Math.ceil(span / WINDOW_S), `at most one 429 per window (${tooMany.length} in ${span.toFixed(2)} s)`)
})
