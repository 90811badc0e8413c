// The stand-in over real HTTP: Yii2's check order, the contact it returns, the headers it sends.

import t from 'tap'
import { call, PHONE, startStandIn, TOKEN } from './helper.ts'

const YII = { 'x-powered-by': 'PHP/5.6.2', 'cache-control': /no-store/, pragma: 'no-cache' }

t.test('201 with the contact object, Yii headers and rate-limit headers', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t)
  const res = await call(baseUrl, { body: { PhoneNumber: PHONE, GroupIds: [1, 2], CTAMessage: 'Reply YES', SendCTAMessage: 1 } })
  t.equal(res.status, 201)
  t.match(res.headers, { ...YII, 'content-type': 'application/json; charset=UTF-8', 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '59', 'x-rate-limit-reset': '1' })
  t.same(res.json, {
    Id: 1,
    Number: PHONE,
    OptedOut: 0,
    FirstName: '',
    LastName: '',
    BirthDay: '0000-00-00',
    Email: '',
    Zip: '',
    City: '',
    // 15:04:05 UTC in January is 10:04:05 US Eastern.
    DateCreated: '2026-01-15 10:04:05',
    DateUpdated: '2026-01-15 10:04:05',
    GroupIds: [1, 2],
    CustomFieldIds: []
  })
  const next = await call(baseUrl, { body: { PhoneNumber: '447700900123', GroupIds: ['3'] } })
  t.match(next.json, { Id: 2, Number: '447700900123', GroupIds: [3] })
  const again = await call(baseUrl, { body: { PhoneNumber: PHONE, GroupIds: [5] } })
  t.match(again.json, { Id: 1, GroupIds: [1, 2, 5] }, 'the same number is the same contact')

  t.equal(standIn.calls.length, 3)
  t.match(standIn.calls[0], {
    method: 'POST',
    path: '/v1/contacts-opt-in/create',
    url: '/v1/contacts-opt-in/create?access_token=[REDACTED]',
    token: 'valid',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: { PhoneNumber: PHONE, GroupIds: [1, 2], CTAMessage: 'Reply YES', SendCTAMessage: 1 },
    status: 201
  })
  t.notOk(JSON.stringify(standIn.calls).includes(`access_token=${TOKEN}`))
})

t.test('Yii order: 415 before 405 before 401 before 429 before the action', async (t) => {
  const { baseUrl } = await startStandIn(t, { limit: 1 })
  const unsupported = await call(baseUrl, { method: 'GET', token: null, accept: 'text/html' })
  t.equal(unsupported.status, 415)
  t.same(unsupported.json, { name: 'Unsupported Media Type', message: 'None of your requested content types is supported.', code: 0, status: 415 })

  const wrongVerb = await call(baseUrl, { method: 'GET', token: null })
  t.equal(wrongVerb.status, 405)
  t.equal(wrongVerb.headers.allow, 'POST, OPTIONS')
  t.match(wrongVerb.json, { name: 'Method Not Allowed', status: 405 })

  for (const token of [null, 'wrong']) {
    const denied = await call(baseUrl, { token, body: {} })
    t.equal(denied.status, 401)
    t.same(denied.json, { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 })
    t.equal(denied.headers['x-rate-limit-limit'], undefined, 'a 401 carries no rate-limit headers')
  }

  const spent = await call(baseUrl, { body: {} })
  t.equal(spent.status, 422, 'the 401s spent no quota')
  const limited = await call(baseUrl, { body: 'not even json' })
  t.equal(limited.status, 429, 'the rate limit comes before the body is read')
  t.same(limited.json, { name: 'Too Many Requests', message: 'Rate limit exceeded.', code: 0, status: 429 })
  t.match(limited.headers, { ...YII, 'x-rate-limit-limit': '1', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '60' })
  t.equal(limited.headers['retry-after'], undefined)
})

t.test('the action: 422 per failing field, bodies only parsed as JSON, 400 for broken JSON', async (t) => {
  const { baseUrl } = await startStandIn(t)
  const blank = [
    { field: 'PhoneNumber', message: 'Phone Number cannot be blank.' },
    { field: 'GroupIds', message: 'Group Ids cannot be blank.' }
  ]
  const empty = await call(baseUrl, { body: {} })
  t.equal(empty.status, 422)
  t.same(empty.json, blank)
  t.match(empty.headers, { 'x-rate-limit-remaining': '59' }, 'a counted answer')

  const form = await call(baseUrl, { contentType: 'application/x-www-form-urlencoded', body: `PhoneNumber=${PHONE}&GroupIds[]=1` })
  t.same(form.json, blank, 'without a JSON content type the body is not parsed (misleading "blank")')
  const none = await call(baseUrl, { contentType: null })
  t.same(none.json, blank)

  const invalid = await call(baseUrl, { body: { PhoneNumber: '+1 646 123', GroupIds: [1, 'x'], CTAMessage: 5, SendCTAMessage: 2 } })
  t.same(invalid.json, [
    { field: 'PhoneNumber', message: 'Phone Number is invalid.' },
    { field: 'GroupIds', message: 'Group Ids is invalid.' },
    { field: 'CTAMessage', message: 'CTA Message must be a string.' },
    { field: 'SendCTAMessage', message: 'Send CTA Message is invalid.' }
  ])
  t.same((await call(baseUrl, { body: { PhoneNumber: '123456789', GroupIds: 1 } })).json, [
    { field: 'PhoneNumber', message: 'Phone Number is invalid.' },
    { field: 'GroupIds', message: 'Group Ids is invalid.' }
  ])
  t.same((await call(baseUrl, { body: { PhoneNumber: 16461230123, GroupIds: [1] } })).json, [
    { field: 'PhoneNumber', message: 'Phone Number must be a string.' }
  ])

  const broken = await call(baseUrl, { body: '{"PhoneNumber":' })
  t.equal(broken.status, 400)
  t.same(broken.json, { name: 'Bad Request', message: 'Invalid JSON data in request body: Syntax error.', code: 0, status: 400 })
  t.ok(broken.headers['x-rate-limit-remaining'] !== undefined)
})

t.test('other routes are a Yii 404; OPTIONS lists the verbs', async (t) => {
  const { baseUrl } = await startStandIn(t)
  for (const path of ['/contacts/create', '/contacts-opt-in/create/', '/../nothing']) {
    const res = await call(baseUrl, { path })
    t.equal(res.status, 404, path)
    t.same(res.json, { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 })
    t.match(res.headers, YII)
  }
  const options = await call(baseUrl, { method: 'OPTIONS', token: null })
  t.equal(options.status, 200)
  t.equal(options.headers.allow, 'POST, OPTIONS')
})

t.test('content negotiation follows Accept and its q values', async (t) => {
  const { baseUrl } = await startStandIn(t)
  const cases: Array<[string | null, number, string]> = [
    [null, 201, 'application/json'],
    ['*/*', 201, 'application/json'],
    ['application/*', 201, 'application/json'],
    ['text/html, application/xml;q=0.9, */*;q=0.8', 201, 'application/xml'],
    ['application/json;q=0.5, application/xml', 201, 'application/xml'],
    ['application/json;q=0', 415, 'application/json'],
    ['text/xml', 415, 'application/json']
  ]
  for (const [accept, status, type] of cases) {
    const res = await call(baseUrl, { accept })
    t.equal(res.status, status, String(accept))
    t.match(res.headers['content-type'], type, String(accept))
  }
})
