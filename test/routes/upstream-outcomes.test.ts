// Whatever ProTexting answers, the visitor gets a clear page and the operator a clear log line; never a 500.
import t from 'tap'
import { buildTestApp, formPost, TEST_TOKEN } from '../helper.ts'
import type { FailSpec } from '../../src/sandbox/stand-in.ts'

const signup = formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes' })
const RETRY_LATER = /We could not sign you up just now\. Please try again in a few minutes\./

t.test('a 422 about the number is shown to the visitor as a refusal', async t => {
  const { app, standIn } = await buildTestApp(t)
  standIn.failNext({ status: 422, body: [{ field: 'PhoneNumber', message: 'Phone Number is invalid.' }] })
  const res = await app.inject(signup)
  t.equal(res.statusCode, 422)
  t.match(res.body, /<p class="error" id="phone-error" role="alert">This number cannot be signed up for texts\./)
  t.match(res.body, /value="\(646\) 555-0123"/)
})

t.test('a 422 about the campaign settings alerts the operator', async t => {
  const { app, standIn, logs } = await buildTestApp(t)
  standIn.failNext({ status: 422, body: [{ field: 'GroupIds', message: 'Group Ids is invalid.' }] })
  const res = await app.inject(signup)
  t.equal(res.statusCode, 422)
  t.match(res.body, /id="form-error" role="alert">We could not sign you up with these details/)
  t.match(logs(), /ProTexting rejected the campaign settings/)
})

const unavailable: Array<[string, FailSpec, RegExp]> = [
  ['401 bad token', { status: 401, body: { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 } }, /"level":50/],
  ['403', { status: 403, body: { name: 'Forbidden', message: 'no', code: 0, status: 403 } }, /"level":50/],
  ['404 wrong API URL', { status: 404, body: { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 } }, /"level":50/],
  ['429 rate limited', { status: 429, resetSeconds: 30 }, /"outcome":"rate_limited"/],
  ['500', { status: 500, body: { name: 'Internal Server Error', message: 'An internal server error occurred.', code: 0, status: 500 } }, /"outcome":"unavailable"/],
  ['502 HTML page', { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' }, /"outcome":"unavailable"/],
  ['connection reset', { destroy: true }, /"outcome":"unavailable"/],
  ['timeout', { delayMs: 2500 }, /"reason":"timeout"/]
]

for (const [name, spec, logged] of unavailable) {
  t.test(`${name}: the visitor is asked to retry later, the signup is not lost from view`, async t => {
    const { app, standIn, logs } = await buildTestApp(t)
    standIn.failNext(spec)
    const res = await app.inject(signup)
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '60')
    t.match(res.body, RETRY_LATER)
    t.match(res.body, /value="\(646\) 555-0123"/, 'the typed value is kept')
    t.match(res.body, /id="consent"[^>]* checked/, 'consent stays ticked')
    t.match(logs(), logged)
    t.notOk(logs().includes(TEST_TOKEN), 'the token is not logged')
    t.notOk(res.body.includes(TEST_TOKEN))
  })
}

t.test('an XML answer is understood', async t => {
  const { app, standIn } = await buildTestApp(t)
  standIn.failNext({
    status: 201,
    contentType: 'application/xml; charset=UTF-8',
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<response><item><Id>77</Id><Number>16465550123</Number></item></response>'
  })
  const res = await app.inject(signup)
  t.equal(res.statusCode, 303)
})

t.test('the older 201 {message} answer counts as a signup', async t => {
  const { app, standIn } = await buildTestApp(t)
  standIn.failNext({ status: 201, body: { message: 'Confirmation message successfully sent' } })
  t.equal((await app.inject(signup)).statusCode, 303)
})

t.test('logs: one line per upstream call, the number masked, the token nowhere', async t => {
  const { app, logs } = await buildTestApp(t)
  await app.inject(signup)
  const lines = logs().trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>)
  const upstream = lines.filter(line => line.outcome === 'created')
  t.equal(upstream.length, 1)
  t.match(upstream[0], { campaign: 'summer', status: 201 })
  t.type(upstream[0]?.latencyMs, 'number')
  t.notOk(logs().includes('6465550123'), 'the whole number is never logged')
  t.ok(logs().includes('0123'))
  t.notOk(logs().includes(TEST_TOKEN))
})
