// The stand-in's leaky bucket: capacity, continuous refill on an injected clock, Yii's 429 clock restart.

import t from 'tap'
import { createLeakyBucket } from '../../src/sandbox/leaky-bucket.ts'
import { call, startStandIn } from './helper.ts'

function rate (headers: Record<string, string | string[] | undefined>): [unknown, unknown, unknown] {
  return [headers['x-rate-limit-limit'], headers['x-rate-limit-remaining'], headers['x-rate-limit-reset']]
}

t.test('limit 3: the 4th call is a 429 with the headers; refill at limit/window', async (t) => {
  const { baseUrl, clock } = await startStandIn(t, { limit: 3, windowSeconds: 60 })
  const seen = []
  for (let i = 0; i < 4; i++) {
    const res = await call(baseUrl)
    seen.push([res.status, ...rate(res.headers)])
  }
  t.same(seen, [
    [201, '3', '2', '20'],
    [201, '3', '1', '40'],
    [201, '3', '0', '60'],
    [429, '3', '0', '60']
  ])

  // The 429 restarted the clock: 19 s later there is still not a whole request in the bucket.
  clock.ms += 19_000
  t.equal((await call(baseUrl)).status, 429)
  clock.ms += 20_000
  const refilled = await call(baseUrl)
  t.same([refilled.status, ...rate(refilled.headers)], [201, '3', '0', '60'])
  t.equal((await call(baseUrl)).status, 429)

  clock.ms += 600_000
  const full = await call(baseUrl)
  t.same([full.status, ...rate(full.headers)], [201, '3', '2', '20'], 'never more than the capacity')
})

t.test('hammering a 429 prolongs it', async (t) => {
  const { baseUrl, clock } = await startStandIn(t, { limit: 1, windowSeconds: 10 })
  t.equal((await call(baseUrl)).status, 201)
  for (let i = 0; i < 5; i++) {
    clock.ms += 9_000
    t.equal((await call(baseUrl)).status, 429, `retry ${i} after 9 s`)
  }
  clock.ms += 10_000
  t.equal((await call(baseUrl)).status, 201)
})

t.test('the bucket is per token, and reset() refills it', async (t) => {
  const bucket = createLeakyBucket({ limit: 1, windowSeconds: 60, now: () => 0 })
  t.ok(bucket.take('a').allowed)
  t.notOk(bucket.take('a').allowed)
  t.ok(bucket.take('b').allowed)
  bucket.reset()
  t.ok(bucket.take('a').allowed)
  t.throws(() => createLeakyBucket({ limit: 0, windowSeconds: 60, now: () => 0 }))
  t.throws(() => createLeakyBucket({ limit: 1, windowSeconds: 0, now: () => 0 }))
})

t.test('reset() forgets calls, the bucket and the contacts', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t, { limit: 1 })
  t.match((await call(baseUrl)).json, { Id: 1 })
  t.equal((await call(baseUrl)).status, 429)
  standIn.reset()
  t.equal(standIn.calls.length, 0)
  const res = await call(baseUrl)
  t.equal(res.status, 201)
  t.match(res.json, { Id: 1 })
})
