// Graceful shutdown: the call in flight finishes and is recorded; what was not sent stays pending.
import t from 'tap'
import { buildTestApp, formPost } from '../helper.ts'
import { openStore } from '../../src/store/open.ts'

t.test('closing the app records the call in flight and leaves the rest pending', async t => {
  const file = `${t.testdir()}/optline.db`
  const { app, standIn } = await buildTestApp(t, { store: await openStore({ url: file }), standIn: { limit: 1, windowSeconds: 60 } })
  standIn.failNext({ delayMs: 400 }) // the first call is slow
  await app.inject(formPost('/c/summer', { phone: '(646) 555-0101', consent: 'yes' }))
  await app.inject(formPost('/c/summer', { phone: '(646) 555-0102', consent: 'yes' }))
  while (standIn.calls.length === 0) await new Promise(resolve => setTimeout(resolve, 10))

  await app.close() // while the first call is still in flight

  const reopened = await openStore({ url: file })
  t.teardown(() => reopened.close())
  t.match(await reopened.counts(), { delivered: 1, pending: 1, sending: 0 }, 'in flight: recorded; the other: still pending')
  t.equal(standIn.calls.length, 1, 'nothing new was started after close began')
})
