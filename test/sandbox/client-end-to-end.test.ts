// The upstream client talking to the stand-in over real HTTP: each outcome the server must handle.

import t from 'tap'
import pino from 'pino'
import { createProtextingClient } from '../../src/upstream/client.ts'
import type { ProtextingClientOptions } from '../../src/upstream/client.ts'
import { PHONE, startStandIn, TOKEN } from './helper.ts'

const REQUEST = { PhoneNumber: PHONE, GroupIds: [4], CTAMessage: 'Reply YES to join' }
const CONTEXT = { campaign: 'spring' }

function clientFor (t: { teardown: (fn: () => unknown) => void }, baseUrl: string, options: Partial<ProtextingClientOptions> = {}) {
  const lines: string[] = []
  const logger = pino({ level: 'info' }, { write (line: string) { lines.push(line) } })
  const client = createProtextingClient({ baseUrl, accessToken: TOKEN, logger, ...options })
  t.teardown(() => client.close())
  return { client, lines }
}

t.test('201 → created with the contact id; what reached the stand-in is the documented call', async (t) => {
  const standInLines: string[] = []
  const standInLogger = pino({ level: 'info' }, { write (line: string) { standInLines.push(line) } })
  const { baseUrl, standIn } = await startStandIn(t, { logger: standInLogger })
  const { client, lines } = clientFor(t, baseUrl)
  const outcome = await client.optIn(REQUEST, CONTEXT)
  t.match(outcome, { kind: 'created', status: 201, contactId: 1, body: { Number: PHONE, GroupIds: [4] }, rateLimit: { limit: 60, remaining: 59, resetSeconds: 1 } })
  t.match(standIn.calls[0], {
    method: 'POST',
    path: '/v1/contacts-opt-in/create',
    token: 'valid',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    rawBody: JSON.stringify(REQUEST)
  })
  t.notOk(lines.join('').includes(TOKEN))
  t.match(JSON.parse(standInLines.find((l) => l.includes('stand-in call')) ?? '{}'), { url: '/v1/contacts-opt-in/create?access_token=[REDACTED]', status: 201 })
  t.notOk(standInLines.join('').includes(TOKEN), 'the stand-in does not log the token either')
  t.match(JSON.parse(lines[0] ?? '{}'), { outcome: 'created', phone: '*******0123', campaign: 'spring', status: 201 })
})

t.test('422 → rejected with the field errors', async (t) => {
  const { baseUrl } = await startStandIn(t)
  const { client } = clientFor(t, baseUrl)
  const outcome = await client.optIn({ PhoneNumber: '12345', GroupIds: [] }, CONTEXT)
  t.match(outcome, {
    kind: 'rejected',
    status: 422,
    errors: [
      { field: 'PhoneNumber', message: 'Phone Number is invalid.' },
      { field: 'GroupIds', message: 'Group Ids cannot be blank.' }
    ]
  })
})

t.test('a wrong token → unauthorized, and no quota spent', async (t) => {
  const { baseUrl } = await startStandIn(t, { limit: 1 })
  const wrong = clientFor(t, baseUrl, { accessToken: 'not-the-token' })
  const outcome = await wrong.client.optIn(REQUEST, CONTEXT)
  t.match(outcome, { kind: 'unauthorized', status: 401, message: 'Your request was made with invalid credentials.' })
  t.same(outcome.rateLimit, {})
  t.notOk(wrong.lines.join('').includes('not-the-token'))
  t.equal((await clientFor(t, baseUrl).client.optIn(REQUEST, CONTEXT)).kind, 'created')
})

t.test('an empty bucket → rate_limited with resetSeconds', async (t) => {
  const { baseUrl, clock } = await startStandIn(t, { limit: 2, windowSeconds: 60 })
  const { client } = clientFor(t, baseUrl)
  t.equal((await client.optIn(REQUEST, CONTEXT)).kind, 'created')
  t.equal((await client.optIn(REQUEST, CONTEXT)).kind, 'created')
  const limited = await client.optIn(REQUEST, CONTEXT)
  t.match(limited, { kind: 'rate_limited', status: 429, resetSeconds: 60, rateLimit: { limit: 2, remaining: 0, resetSeconds: 60 } })
  clock.ms += 30_000
  t.equal((await client.optIn(REQUEST, CONTEXT)).kind, 'created')
})

t.test('XML-looking and broken answers, resets and 5xx via failNext', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t)
  const { client } = clientFor(t, baseUrl)
  standIn.failNext({ status: 201, body: '<?xml version="1.0"?><response><item><Id>77</Id></item></response>', contentType: 'application/xml' })
  standIn.failNext({ status: 502, body: '<html><head><title>502 Bad Gateway</title></head></html>', contentType: 'text/html' })
  standIn.failNext({ status: 200, body: 'garbage', contentType: 'text/plain' })
  standIn.failNext({ status: 404 })
  standIn.failNext({ destroy: true })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'created', contactId: 77 })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'unavailable', reason: 'server_error', status: 502 })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'unavailable', reason: 'malformed', status: 200 })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'misconfigured', status: 404 })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'unavailable', reason: 'connection', maybeProcessed: true })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'created', contactId: 1 }, 'and back to normal')
})

t.test('a slow stand-in → unavailable/timeout', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t)
  const { client } = clientFor(t, baseUrl, { headersTimeoutMs: 50 })
  standIn.failNext({ delayMs: 3_000 })
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'unavailable', reason: 'timeout', maybeProcessed: true })
})

t.test('a base URL path that is not /v1 → misconfigured 404', async (t) => {
  const { baseUrl } = await startStandIn(t)
  const { client } = clientFor(t, baseUrl.replace(/\/v1$/, '/v2'))
  t.match(await client.optIn(REQUEST, CONTEXT), { kind: 'misconfigured', status: 404, message: 'Page not found.' })
})
