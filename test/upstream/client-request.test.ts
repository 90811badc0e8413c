// What the client puts on the wire: method, path, query token, headers, exact body; and what it logs.

import t from 'tap'
import { MockAgent } from 'undici'
import { createProtextingClient } from '../../src/upstream/client.ts'
import { captureLog, JSON_TYPE, mockKit, ORIGIN, OPT_IN_PATH, REQUEST, TOKEN } from './helper.ts'

const CONTACT = { Id: 42, Number: '16461230123', OptedOut: 0, GroupIds: [7] }

interface Seen {
  path: string
  method: string
  headers: Record<string, string>
  body: string
}

function recordInto (seen: Seen[]) {
  return (opts: { path: string, method: string, headers?: unknown, body?: unknown }) => {
    const headers = Object.fromEntries(
      Object.entries((opts.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])
    )
    seen.push({ path: opts.path, method: opts.method, headers, body: String(opts.body) })
    return { statusCode: 201, data: JSON.stringify(CONTACT), responseOptions: { headers: JSON_TYPE } }
  }
}

t.test('POSTs exactly the documented JSON with the token as a query parameter', async (t) => {
  const kit = mockKit(t)
  const seen: Seen[] = []
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' }).reply(recordInto(seen))
  await kit.client.optIn({
    PhoneNumber: '16461230123',
    GroupIds: [7, 9],
    CTAMessage: 'Reply YES',
    ConfirmMessage: 'Thanks',
    SendCTAMessage: 1,
    ...{ Extra: 'not sent' }
  }, { campaign: 'spring' })
  t.equal(seen.length, 1)
  const [call] = seen
  t.equal(call?.method, 'POST')
  t.equal(call?.path, `/v1/contacts-opt-in/create?access_token=${TOKEN}`)
  t.equal(call?.headers['content-type'], 'application/json')
  t.equal(call?.headers.accept, 'application/json')
  t.equal(call?.body, '{"PhoneNumber":"16461230123","GroupIds":[7,9],"CTAMessage":"Reply YES","ConfirmMessage":"Thanks","SendCTAMessage":1}')
})

t.test('omits optional keys that are undefined', async (t) => {
  const kit = mockKit(t)
  const seen: Seen[] = []
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' }).reply(recordInto(seen))
  await kit.client.optIn({ PhoneNumber: '16461230123', GroupIds: [7], CTAMessage: undefined }, { campaign: 'c' })
  t.same(JSON.parse(seen[0]?.body ?? ''), { PhoneNumber: '16461230123', GroupIds: [7] })
  t.notMatch(seen[0]?.body, /CTAMessage|SendCTAMessage|ConfirmMessage/)
})

t.test('joins the base URL with or without a trailing slash, and encodes the token', async (t) => {
  for (const baseUrl of [`${ORIGIN}/v1`, `${ORIGIN}/v1/`, `${ORIGIN}/v1//`]) {
    const kit = mockKit(t, { baseUrl })
    const seen: Seen[] = []
    kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' }).reply(recordInto(seen))
    const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
    t.equal(outcome.kind, 'created', baseUrl)
  }
  const kit = mockKit(t, { baseUrl: `${ORIGIN}/`, accessToken: 'a b&c=d' })
  const seen: Seen[] = []
  kit.pool.intercept({ path: (p) => p.startsWith('/contacts-opt-in/create?'), method: 'POST' }).reply(recordInto(seen))
  await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.equal(new URL(seen[0]?.path ?? '', ORIGIN).searchParams.get('access_token'), 'a b&c=d')
})

t.test('logs one line per call: campaign, status, kind, latency, masked phone, never the token', async (t) => {
  const kit = mockKit(t)
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' })
    .reply(201, JSON.stringify(CONTACT), { headers: { ...JSON_TYPE, 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '59' } })
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' })
    .reply(502, `<html><title>502 Bad Gateway</title><p>upstream /v1/contacts-opt-in/create?access_token=${TOKEN} 16461230123</p></html>`, { headers: { 'content-type': 'text/html' } })
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' })
    .reply(401, { name: 'Unauthorized', message: `bad token ${TOKEN}`, code: 0, status: 401 }, { headers: JSON_TYPE })
  await kit.client.optIn(REQUEST, { campaign: 'spring' })
  await kit.client.optIn(REQUEST, { campaign: 'spring' })
  await kit.client.optIn(REQUEST, { campaign: 'spring' })

  const lines = kit.log.lines
  t.equal(lines.length, 3)
  t.match(lines[0], { level: 30, campaign: 'spring', status: 201, outcome: 'created', phone: '*******0123', contactId: 42 })
  t.type(lines[0]?.latencyMs, 'number')
  t.match(lines[1], { level: 40, status: 502, outcome: 'unavailable', reason: 'server_error' })
  t.match(lines[2], { level: 50, status: 401, outcome: 'unauthorized' })
  const text = kit.log.text()
  t.notOk(text.includes(TOKEN), 'the token never reaches the log')
  t.notOk(text.includes('16461230123'), 'the full phone number never reaches the log')
  t.notOk(text.includes('access_token=tok'), 'no URL with the token')
})

t.test('a transport error message that echoes the URL is scrubbed too', async (t) => {
  const kit = mockKit(t)
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' })
    .replyWithError(Object.assign(new Error(`socket hang up on ${ORIGIN}${OPT_IN_PATH}`), { code: 'ECONNRESET' }))
  const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.equal(outcome.kind, 'unavailable')
  t.notOk(JSON.stringify(outcome).includes(TOKEN))
  t.notOk(kit.log.text().includes(TOKEN))
})

t.test('programmer errors throw, without the token in the message', async (t) => {
  const log = captureLog()
  t.throws(() => createProtextingClient({ baseUrl: 'https://x.test/v1', accessToken: '', logger: log.logger }))
  t.throws(() => createProtextingClient({ baseUrl: 'not a url', accessToken: TOKEN, logger: log.logger }))
  t.throws(() => createProtextingClient({ baseUrl: 'ftp://x.test/v1', accessToken: TOKEN, logger: log.logger }))

  const agent = new MockAgent()
  agent.disableNetConnect()
  const client = createProtextingClient({ baseUrl: 'https://elsewhere.test/v1', accessToken: TOKEN, logger: log.logger, dispatcher: agent })
  const err = await client.optIn(REQUEST, { campaign: 'c' }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof Error, 'an unmatched mock is a test bug, so it throws')
  t.notOk(String((err as Error).message).includes(TOKEN))
  await agent.close()

  const own = createProtextingClient({ baseUrl: 'http://127.0.0.1:9/v1', accessToken: TOKEN, logger: log.logger })
  await own.close()
  await t.rejects(own.optIn(REQUEST, { campaign: 'c' }), 'calling a closed client throws')
})
