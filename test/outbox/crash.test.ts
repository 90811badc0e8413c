// Never lose a signup: upstream down, a burst, SIGKILL mid-burst, upstream back, restart: all delivered, none twice.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { startServer } from '../spawn-server.ts'
import { createStandIn } from '../../src/sandbox/stand-in.ts'

const TOKEN = 'crash-test-token-0001'
// One client posting 300 neighbouring numbers at once: the abuse defences would rightly stop it.
const LOAD_TEST_CAMPAIGNS = fileURLToPath(new URL('../fixtures/load-test-campaigns.yaml', import.meta.url))
const BURST = 300

t.test('every acknowledged signup reaches the upstream exactly once across a kill -9', { timeout: 120_000 }, async t => {
  const dir = t.testdir()
  // Reserve a port for the upstream, then leave it closed: ProTexting is "down".
  const probe = createStandIn({ accessToken: TOKEN })
  const upstreamUrl = await probe.listen()
  await probe.close()
  const port = Number(new URL(upstreamUrl).port)

  // A short upstream timeout gives a short lease: the dead instance's claims come back in 16 s.
  const env = { PROTEXTING_ACCESS_TOKEN: TOKEN, PROTEXTING_API_URL: upstreamUrl, DATABASE_URL: `${dir}/optline.db`, UPSTREAM_TIMEOUT_MS: '2000', CAMPAIGNS_FILE: LOAD_TEST_CAMPAIGNS }
  const first = startServer(env)
  const url = await first.ready

  // Eight clients keep posting; the server is killed once a third of the burst is acknowledged.
  const acknowledged: string[] = []
  let next = 0
  let killed = false
  const client = async () => {
    while (next < BURST && !killed) {
      const phone = `646555${String(1000 + next++).padStart(4, '0')}`
      const res = await fetch(`${url}/api/v1/campaigns/demo/signups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone, consent: true })
      }).catch(() => undefined)
      if (res?.status === 202) acknowledged.push(`1${phone}`)
      if (acknowledged.length >= BURST / 3 && !killed) {
        killed = true
        first.child.kill('SIGKILL')
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, client))
  await first.exited
  t.ok(acknowledged.length >= BURST / 3 && acknowledged.length < BURST, `${acknowledged.length} of ${BURST} acknowledged before the kill`)

  // ProTexting comes back; a new instance starts on the same database.
  const upstream = createStandIn({ accessToken: TOKEN, limit: 1000, windowSeconds: 10 })
  await upstream.listen({ port })
  t.teardown(() => upstream.close())
  const second = startServer(env)
  t.teardown(() => { second.child.kill('SIGKILL') })
  await second.ready

  const deadline = Date.now() + 60_000
  const delivered = () => new Set(upstream.calls.filter(c => c.status === 201).map(c => (c.body as { PhoneNumber: string }).PhoneNumber))
  while (Date.now() < deadline && !acknowledged.every(n => delivered().has(n))) {
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const missing = acknowledged.filter(n => !delivered().has(n))
  t.same(missing, [], 'every acknowledged signup reached ProTexting')
  if (missing.length > 0) t.comment(second.lines.slice(-20).join('\n'))
  const perNumber = new Map<string, number>()
  for (const call of upstream.calls) {
    const number = (call.body as { PhoneNumber: string }).PhoneNumber
    perNumber.set(number, (perNumber.get(number) ?? 0) + 1)
  }
  t.same([...perNumber].filter(([, count]) => count > 1), [], 'no number was sent twice')
})
