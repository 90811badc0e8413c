// The app's pino options: what a written log line holds when the logged object carries a secret, and what it keeps.
import t from 'tap'
import { pino } from 'pino'
import { loggerOptions } from '../src/logger.ts'

function logOnce (write: (logger: pino.Logger) => void): Record<string, unknown> {
  const lines: string[] = []
  const logger = pino(loggerOptions('info'), { write (line: string) { lines.push(line) } })
  write(logger)
  t.equal(lines.length, 1, 'one line written')
  return JSON.parse(lines[0] ?? '{}') as Record<string, unknown>
}

t.test('secret keys at the top level and one level down are censored, the rest kept', async t => {
  const line = logOnce(log => log.info({
    token: 'tok-1',
    accessToken: 'tok-2',
    campaign: 'summer',
    upstream: { secret: 's-3', password: 'p-4', status: 401 },
    status: 202
  }, 'call'))
  t.match(line, {
    token: '[REDACTED]',
    accessToken: '[REDACTED]',
    campaign: 'summer',
    upstream: { secret: '[REDACTED]', password: '[REDACTED]', status: 401 },
    status: 202,
    msg: 'call'
  })
  t.notMatch(JSON.stringify(line), /tok-1|tok-2|s-3|p-4/)
})

t.test('credential headers are censored under headers and req.headers', async t => {
  const line = logOnce(log => log.info({
    headers: { authorization: 'Bearer abc', cookie: 'sid=def', 'x-api-key': 'ghi', accept: 'text/html' },
    req: { method: 'GET', url: '/x', headers: { authorization: 'Bearer jkl', 'content-type': 'application/json' } }
  }, 'request'))
  t.same(line.headers, { authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'text/html' })
  t.notMatch(JSON.stringify(line), /abc|def|ghi|jkl/)
  t.match(line.req, { method: 'GET', url: '/x' })
})

t.test('an error carrying a secret is still logged as that error, without the secret', async t => {
  class UpstreamError extends Error {}
  const error = Object.assign(new UpstreamError('ProTexting refused the call'), { token: 'tok-5', status: 401 })
  const line = logOnce(log => log.error({ err: error }, 'failed'))
  t.match(line.err, { type: 'UpstreamError', message: 'ProTexting refused the call', token: '[REDACTED]', status: 401 })
  t.match((line.err as { stack?: string }).stack, /ProTexting refused the call\n\s+at /)
  t.notMatch(JSON.stringify(line), /tok-5/)
  t.equal(error.token, 'tok-5', "the caller's error is left as it was")
})

t.test("the caller's object is never changed, and a line without secrets is written as given", async t => {
  const facts = { campaign: 'summer', nested: { token: 'tok-6' }, list: [{ token: 'in-an-array' }] }
  const line = logOnce(log => log.info(facts, 'facts'))
  t.same(facts.nested, { token: 'tok-6' })
  t.same(line.nested, { token: '[REDACTED]' })
  // Arrays are data, not a level of keys: the same reach as pino's `*.token` path had.
  t.same(line.list, [{ token: 'in-an-array' }])
  const plain = logOnce(log => log.info({ method: 'POST', url: '/api/v1/campaigns/summer/signups', status: 202, ms: 1 }, 'request'))
  t.match(plain, { method: 'POST', url: '/api/v1/campaigns/summer/signups', status: 202, ms: 1, msg: 'request' })
})

t.test('the URL of a logged request is scrubbed by the req serializer', async t => {
  const line = logOnce(log => log.info({ req: { method: 'GET', url: '/x?access_token=tok-7&a=1', hostname: 'h', ip: '1.2.3.4' } }, 'request'))
  t.notMatch(JSON.stringify(line), /tok-7/)
  t.match(line.req, { method: 'GET', host: 'h', remoteAddress: '1.2.3.4' })
})
