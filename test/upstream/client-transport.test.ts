// Network failures: resets, refused connections, header and body timeouts against a real local server.

import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createProtextingClient } from '../../src/upstream/client.ts'
import { captureLog, mockKit, OPT_IN_PATH, REQUEST, TOKEN } from './helper.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

async function localServer (t: { teardown: (fn: () => unknown) => void }, handler: Handler): Promise<string> {
  const server: Server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
}

function realClient (t: { teardown: (fn: () => unknown) => void }, baseUrl: string, timeouts: { headersTimeoutMs?: number, bodyTimeoutMs?: number } = {}) {
  const log = captureLog()
  const client = createProtextingClient({ baseUrl, accessToken: TOKEN, logger: log.logger, ...timeouts })
  t.teardown(() => client.close())
  return { client, log }
}

t.test('a connection reset is unavailable/connection and may have been processed', async (t) => {
  const kit = mockKit(t)
  kit.pool.intercept({ path: OPT_IN_PATH, method: 'POST' })
    .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))
  const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(outcome, { kind: 'unavailable', reason: 'connection', maybeProcessed: true, message: /ECONNRESET/, rateLimit: {} })
  t.equal(outcome.kind === 'unavailable' ? outcome.status : 'x', undefined)
  t.match(kit.log.lines[0], { level: 40, outcome: 'unavailable', reason: 'connection' })
})

t.test('a refused connection never reached the upstream', async (t) => {
  const baseUrl = await localServer(t, () => {})
  const port = new URL(baseUrl).port
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const deadPort = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  t.not(String(deadPort), port)
  const { client } = realClient(t, `http://127.0.0.1:${deadPort}/v1`)
  t.match(await client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unavailable', reason: 'connection', maybeProcessed: false, message: /ECONNREFUSED/ })
})

t.test('no headers in time is unavailable/timeout', async (t) => {
  const baseUrl = await localServer(t, () => { /* never answers */ })
  const { client, log } = realClient(t, baseUrl, { headersTimeoutMs: 50 })
  const outcome = await client.optIn(REQUEST, { campaign: 'c' })
  t.match(outcome, { kind: 'unavailable', reason: 'timeout', maybeProcessed: true, message: /UND_ERR_HEADERS_TIMEOUT/ })
  t.ok(outcome.latencyMs >= 40, `latency ${outcome.latencyMs}`)
  t.notOk(log.text().includes(TOKEN))
})

t.test('a body that stalls: a 201 still counts as created, another 2xx is a timeout', async (t) => {
  // undici's parser timers tick about once a second, so the three stalls run side by side.
  const stall = (status: number): Promise<string> => localServer(t, (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-rate-limit-remaining': '12' })
    res.write('{"Id":5,')
  })
  const [created, ok, badGateway] = await Promise.all([201, 200, 502].map(async (status) => {
    const { client } = realClient(t, await stall(status), { bodyTimeoutMs: 50 })
    return client.optIn(REQUEST, { campaign: 'c' })
  }))
  t.match(created, { kind: 'created', status: 201, body: null, rateLimit: { remaining: 12 } })
  t.match(ok, { kind: 'unavailable', reason: 'timeout', status: 200, maybeProcessed: true, message: /UND_ERR_BODY_TIMEOUT/ })
  t.match(badGateway, { kind: 'unavailable', reason: 'server_error', status: 502 })
})

t.test('a socket closed mid-body is classified by its status', async (t) => {
  const baseUrl = await localServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
    res.write('{"Id":')
    setImmediate(() => res.socket?.destroy())
  })
  const { client } = realClient(t, baseUrl)
  t.match(await client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unavailable', reason: 'connection', status: 200 })
})

t.test('a real server round trip goes through the pool with the exact request', async (t) => {
  const seen: Array<{ url?: string, headers: IncomingMessage['headers'], body: string }> = []
  const baseUrl = await localServer(t, (req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      seen.push({ url: req.url, headers: req.headers, body })
      res.writeHead(201, { 'content-type': 'application/json; charset=UTF-8' })
      res.end('{"Id":9,"Number":"16461230123"}')
    })
  })
  const { client } = realClient(t, baseUrl + '/')
  t.match(await client.optIn(REQUEST, { campaign: 'c' }), { kind: 'created', contactId: 9 })
  t.match(await client.optIn(REQUEST, { campaign: 'c' }), { kind: 'created', contactId: 9 })
  t.equal(seen[0]?.url, OPT_IN_PATH)
  t.match(seen[0]?.headers, { 'content-type': 'application/json', accept: 'application/json' })
  t.equal(seen[0]?.body, '{"PhoneNumber":"16461230123","GroupIds":[7]}')
})
