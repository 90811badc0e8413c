// Every documented ProTexting answer (201 shapes, 422, Yii errors, 429, 5xx) mapped to its outcome.

import t from 'tap'
import { isRetryable } from '../../src/upstream/classify.ts'
import { answer, JSON_TYPE, mockKit, REQUEST, XML_TYPE } from './helper.ts'

const CONTACT = {
  Id: 1,
  Number: '16461234567',
  OptedOut: 0,
  FirstName: 'John',
  LastName: '',
  BirthDay: '0000-00-00',
  Email: '',
  Zip: '',
  City: '',
  DateCreated: '2015-01-20 10:21:29',
  DateUpdated: '2015-01-20 10:41:29',
  GroupIds: [1],
  CustomFieldIds: []
}
const CONTACT_XML_FIELDS = '<Id>1</Id><Number>016461234567</Number><OptedOut>0</OptedOut><FirstName>John</FirstName>' +
  '<LastName/><BirthDay>0000-00-00</BirthDay><Email/><Zip/><City/><DateCreated>2015-01-20 10:21:29</DateCreated>' +
  '<DateUpdated>2015-01-20 10:41:29</DateUpdated><GroupIds><item>1</item></GroupIds><CustomFieldIds/>'
const RATE = { 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '59', 'x-rate-limit-reset': '1' }

t.test('201 with the contact object (JSON)', async (t) => {
  const kit = mockKit(t)
  answer(kit, 201, CONTACT, { ...JSON_TYPE, ...RATE })
  const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(outcome, { kind: 'created', status: 201, contactId: 1, body: CONTACT, rateLimit: { limit: 60, remaining: 59, resetSeconds: 1 } })
  t.type(outcome.latencyMs, 'number')
  t.notOk(isRetryable(outcome))
})

t.test('201 with the older {message} shape', async (t) => {
  const kit = mockKit(t)
  answer(kit, 201, { message: 'Confirmation message successfully sent' }, JSON_TYPE)
  const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(outcome, { kind: 'created', status: 201, message: 'Confirmation message successfully sent' })
  t.equal(outcome.kind === 'created' ? outcome.contactId : 'x', undefined)
})

t.test('201 in XML, with the documented <item> wrapper and without it (plain Yii2)', async (t) => {
  const kit = mockKit(t)
  answer(kit, 201, `<?xml version="1.0" encoding="UTF-8"?>\n<response><item>${CONTACT_XML_FIELDS}</item></response>`, XML_TYPE)
  answer(kit, 201, `<?xml version="1.0" encoding="UTF-8"?>\n<response>${CONTACT_XML_FIELDS}</response>`, XML_TYPE)
  answer(kit, 201, '<response><message>Confirmation message successfully sent</message></response>', XML_TYPE)
  const wrapped = await kit.client.optIn(REQUEST, { campaign: 'c' })
  const plain = await kit.client.optIn(REQUEST, { campaign: 'c' })
  const message = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(wrapped, { kind: 'created', contactId: 1 })
  t.match(plain, { kind: 'created', contactId: 1, body: { Number: '016461234567', LastName: '', GroupIds: ['1'] } })
  t.match(message, { kind: 'created', message: 'Confirmation message successfully sent' })
})

t.test('201 whose body cannot be parsed still counts as created (the SMS was sent)', async (t) => {
  const kit = mockKit(t)
  answer(kit, 201, '{"Id":1,"Numb', JSON_TYPE)
  answer(kit, 201, '', {})
  answer(kit, 201, '<html><body>OK</body></html>', { 'content-type': 'text/html' })
  for (const body of ['{"Id":1,"Numb', null, '<html><body>OK</body></html>']) {
    const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
    t.match(outcome, { kind: 'created', status: 201, body })
  }
})

t.test('other 2xx: a parsed body is created, garbage or nothing is unavailable/malformed', async (t) => {
  const kit = mockKit(t)
  answer(kit, 200, CONTACT, JSON_TYPE)
  answer(kit, 200, 'Service temporarily moved', { 'content-type': 'text/plain' })
  answer(kit, 200, '{"broken', JSON_TYPE)
  answer(kit, 204, '', {})
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'created', status: 200, contactId: 1 })
  for (const status of [200, 200, 204]) {
    const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
    t.match(outcome, { kind: 'unavailable', reason: 'malformed', status, maybeProcessed: true })
    t.ok(isRetryable(outcome))
  }
})

t.test('422 as a JSON array, as XML items, and as a lone Yii object', async (t) => {
  const kit = mockKit(t)
  const errors = [
    { field: 'PhoneNumber', message: 'Phone Number cannot be blank.' },
    { field: 'GroupIds', message: 'Group Ids cannot be blank.' }
  ]
  answer(kit, 422, errors, { ...JSON_TYPE, ...RATE })
  answer(kit, 422, '<?xml version="1.0" encoding="UTF-8"?>\n<response><item><field>PhoneNumber</field>' +
    '<message>Phone Number cannot be blank.</message></item><item><field>GroupIds</field>' +
    '<message>Group Ids cannot be blank.</message></item></response>', XML_TYPE)
  answer(kit, 422, '<response><item><field>PhoneNumber</field><message>Phone Number is invalid.</message></item></response>', XML_TYPE)
  answer(kit, 422, { name: 'Unprocessable entity', message: 'Bad data.', code: 0, status: 422 }, JSON_TYPE)
  answer(kit, 422, '', {})

  const json = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.same(json.kind === 'rejected' && json.errors, errors)
  t.match(json, { kind: 'rejected', status: 422, message: 'Phone Number cannot be blank. Group Ids cannot be blank.', rateLimit: { remaining: 59 } })
  t.notOk(isRetryable(json))
  const xml = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.same(xml.kind === 'rejected' && xml.errors, errors)
  const single = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.same(single.kind === 'rejected' && single.errors, [{ field: 'PhoneNumber', message: 'Phone Number is invalid.' }])
  const yii = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.same(yii.kind === 'rejected' && yii.errors, [{ field: '', message: 'Bad data.' }])
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'rejected', errors: [], message: 'Data Validation Failed.' })
})

t.test('401 and 403 are unauthorized: the operator fixes the token, no retry', async (t) => {
  const kit = mockKit(t)
  answer(kit, 401, { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 }, JSON_TYPE)
  answer(kit, 403, '<response><name>Forbidden</name><message>You are not allowed to perform this action.</message>' +
    '<code>0</code><status>403</status></response>', XML_TYPE)
  const unauthorized = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(unauthorized, { kind: 'unauthorized', status: 401, message: 'Your request was made with invalid credentials.', rateLimit: {} })
  t.same(unauthorized.rateLimit, {}, 'a 401 carries no rate-limit headers')
  t.notOk(isRetryable(unauthorized))
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unauthorized', status: 403, message: 'You are not allowed to perform this action.' })
})

t.test('400, 404, 405, 415 and other 4xx/3xx are misconfigured: alert, no retry', async (t) => {
  const kit = mockKit(t)
  const rows: Array<[number, string, string]> = [
    [400, 'Bad Request', 'Invalid JSON data in request body: Syntax error.'],
    [404, 'Not Found', 'Page not found.'],
    [405, 'Method Not Allowed', 'Method Not Allowed. This URL can only handle the following request methods: POST, OPTIONS.'],
    [415, 'Unsupported Media Type', 'None of your requested content types is supported.'],
    [409, 'Conflict', 'Already there.']
  ]
  for (const [status, name, message] of rows) answer(kit, status, { name, message, code: 0, status }, JSON_TYPE)
  answer(kit, 301, '', { location: 'https://elsewhere.test/' })
  for (const [status, , message] of rows) {
    const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
    t.match(outcome, { kind: 'misconfigured', status, message }, `${status}`)
    t.notOk(isRetryable(outcome))
  }
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'misconfigured', status: 301, message: 'HTTP 301 Moved Permanently' })
})

t.test('429 is rate_limited with the reset from the headers; a missing or empty reset falls back', async (t) => {
  const kit = mockKit(t)
  const yii429 = { name: 'Too Many Requests', message: 'Rate limit exceeded.', code: 0, status: 429 }
  answer(kit, 429, yii429, { ...JSON_TYPE, 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '37' })
  answer(kit, 429, yii429, { ...JSON_TYPE, 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '' })
  answer(kit, 429, yii429, { ...JSON_TYPE, 'retry-after': '5' })
  answer(kit, 429, yii429, { ...JSON_TYPE, 'x-rate-limit-reset': '0' })

  const first = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(first, { kind: 'rate_limited', status: 429, resetSeconds: 37, message: 'Rate limit exceeded.' })
  t.same(first.rateLimit, { limit: 60, remaining: 0, resetSeconds: 37 })
  t.ok(isRetryable(first))
  const empty = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(empty, { kind: 'rate_limited', resetSeconds: 60 })
  t.same(empty.rateLimit, { limit: 60, remaining: 0 }, 'an empty Reset stays undefined')
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'rate_limited', resetSeconds: 5 })
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'rate_limited', resetSeconds: 1 }, 'never zero')
})

t.test('rate-limit headers are read on every outcome, junk ignored', async (t) => {
  const kit = mockKit(t)
  answer(kit, 201, CONTACT, { ...JSON_TYPE, 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': 'many' })
  const outcome = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.same(outcome.rateLimit, { limit: 60 })
})

t.test('5xx, HTML error pages and 408 are unavailable and retryable', async (t) => {
  const kit = mockKit(t)
  answer(kit, 500, { name: 'Internal Server Error', message: 'An internal server error occurred.', code: 0, status: 500 }, JSON_TYPE)
  answer(kit, 502, '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>', { 'content-type': 'text/html' })
  answer(kit, 503, '<html><body><h1>Down for maintenance</h1></body></html>', {})
  answer(kit, 504, '', {})
  answer(kit, 408, '', {})
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unavailable', reason: 'server_error', status: 500, message: 'An internal server error occurred.' })
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unavailable', reason: 'server_error', status: 502, message: 'HTTP 502 Bad Gateway (HTML page: 502 Bad Gateway)' })
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unavailable', reason: 'server_error', status: 503, message: /Down for maintenance/ })
  const timeout = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(timeout, { kind: 'unavailable', reason: 'server_error', status: 504, message: 'HTTP 504 Gateway Timeout', maybeProcessed: true })
  t.ok(isRetryable(timeout))
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'unavailable', reason: 'timeout', status: 408 })
})

t.test('the body is sniffed when the Content-Type lies or is missing', async (t) => {
  const kit = mockKit(t)
  answer(kit, 201, JSON.stringify(CONTACT), { 'content-type': 'text/html' })
  answer(kit, 201, `<response><item>${CONTACT_XML_FIELDS}</item></response>`, { 'content-type': 'application/json' })
  answer(kit, 422, '\uFEFF[{"field":"PhoneNumber","message":"Phone Number is invalid."}]', {})
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'created', contactId: 1, body: CONTACT })
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'created', contactId: 1 })
  t.match(await kit.client.optIn(REQUEST, { campaign: 'c' }), { kind: 'rejected', errors: [{ field: 'PhoneNumber' }] })
})

t.test('the token echoed in a body never reaches the outcome', async (t) => {
  const kit = mockKit(t)
  answer(kit, 404, { name: 'Not Found', message: 'No route for /v1/contacts-opt-in/create?access_token=tok_S3cr3t-ABC123', code: 0, status: 404 }, JSON_TYPE)
  answer(kit, 201, { message: 'sent with tok_S3cr3t-ABC123' }, JSON_TYPE)
  const notFound = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.match(notFound, { kind: 'misconfigured', message: 'No route for /v1/contacts-opt-in/create?access_token=[REDACTED]' })
  const created = await kit.client.optIn(REQUEST, { campaign: 'c' })
  t.notOk(JSON.stringify(created).includes('tok_S3cr3t'))
})
