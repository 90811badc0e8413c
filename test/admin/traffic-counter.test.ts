// The traffic counter: counts kept in memory and summed into the store on flush, a cap on made-up keys per hour, counts
// kept (not lost) while the store refuses them, and a last flush on close.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { createTrafficCounter, OTHER_SOURCE } from '../../src/admin/traffic-counter.ts'
import { openStore } from '../../src/store/open.ts'
import type { Store, TrafficIncrement } from '../../src/store/types.ts'

const HOUR = 3_600_000
const H0 = Date.UTC(2026, 0, 15, 12)
const quiet = pino({ level: 'silent' })

async function memoryStore (t: Test): Promise<Store> {
  const store = await openStore({ url: ':memory:' })
  t.teardown(() => store.close())
  return store
}

const line = (r: { campaign: string, source: string, utmSource: string, event: string, reason: string, count: number }) =>
  `${r.campaign}|${r.source}|${r.utmSource}|${r.event}|${r.reason}=${r.count}`

t.test('views and refusals are summed per key and hour, and written on flush', async t => {
  const store = await memoryStore(t)
  let now = H0 + 5
  const counter = createTrafficCounter({ store, now: () => now, logger: quiet, flushMs: 60_000 })
  t.teardown(() => counter.close())
  counter.view('summer', { src: 'poster', utm_source: 'google' })
  counter.view('summer', { src: 'poster', utm_source: 'google' })
  counter.view('summer', { src: 'bad tag!' })
  counter.refused('summer', { source: undefined, utm: undefined }, ['too_short', 'consent_missing', 'too_short'])
  t.same(await store.traffic({ from: H0, to: H0 + HOUR }), [], 'nothing written before a flush')
  await counter.flush()
  now += HOUR
  counter.view('summer', {})
  await counter.flush()
  t.same((await store.traffic({ from: H0, to: H0 + HOUR })).map(line).sort(), [
    'summer|poster|google|view|=2',
    'summer|||refusal|consent_missing=1',
    'summer|||refusal|too_short=1',
    'summer|||refused|=1',
    'summer|||view|=1'
  ].sort(), 'a bad src tag counts as no source; a reason counts once per submission')
  t.same((await store.traffic({ from: H0 + HOUR, to: H0 + 2 * HOUR })).map(line), ['summer|||view|=1'], 'the next hour has its own row')
})

t.test('made-up tags cannot grow the table without bound: past the cap they count as (other)', async t => {
  const store = await memoryStore(t)
  const counter = createTrafficCounter({ store, now: () => H0, logger: quiet, flushMs: 60_000, maxKeysPerHour: 3 })
  for (let i = 0; i < 50; i++) counter.view('summer', { src: `random-${i}` })
  counter.view('summer', { src: 'random-1' })
  await counter.close()
  const rows = (await store.traffic({ from: H0, to: H0 + HOUR })).map(line).sort()
  t.same(rows, [`summer|${OTHER_SOURCE}||view|=47`, 'summer|random-0||view|=1', 'summer|random-1||view|=2', 'summer|random-2||view|=1'])
})

t.test('while the store refuses, counts are kept and written by a later flush; close flushes the rest', async t => {
  const real = await memoryStore(t)
  let failing = true
  const added: TrafficIncrement[][] = []
  const store = new Proxy(real, {
    get (target, name, receiver) {
      if (name === 'addTraffic') {
        return async (rows: TrafficIncrement[]) => {
          if (failing) throw new Error('database is locked')
          added.push(rows)
          return target.addTraffic(rows)
        }
      }
      return Reflect.get(target, name, receiver)
    }
  })
  let logged = ''
  const logger = pino({ level: 'warn' }, { write: (text: string) => { logged += text } })
  const counter = createTrafficCounter({ store, now: () => H0, logger, flushMs: 60_000 })
  counter.view('summer', {})
  await counter.flush()
  t.match(logged, /traffic counts not saved yet/)
  counter.view('summer', {})
  failing = false
  await counter.close()
  t.same((await real.traffic({ from: H0, to: H0 + HOUR })).map(line), ['summer|||view|=2'])
  t.equal(added.length, 1, 'one write with both views')
  counter.view('summer', {})
  await counter.flush()
  t.equal(added.length, 1, 'nothing counted after close')
})
