// The stand-in's XML answers and the canned failures tests queue with failNext().

import t from 'tap'
import { XMLValidator } from 'fast-xml-parser'
import { call, PHONE, startStandIn } from './helper.ts'

const XML = 'application/xml'

t.test('XML when Accept asks: the contact in <response><item>, errors as Yii writes them', async (t) => {
  const { baseUrl } = await startStandIn(t)
  const created = await call(baseUrl, { accept: XML, body: { PhoneNumber: PHONE, GroupIds: [1, 2] } })
  t.equal(created.status, 201)
  t.equal(created.headers['content-type'], 'application/xml; charset=UTF-8')
  t.equal(created.text,
    '<?xml version="1.0" encoding="UTF-8"?>\n<response><item><Id>1</Id><Number>16461230123</Number><OptedOut>0</OptedOut>' +
    '<FirstName/><LastName/><BirthDay>0000-00-00</BirthDay><Email/><Zip/><City/>' +
    '<DateCreated>2026-01-15 10:04:05</DateCreated><DateUpdated>2026-01-15 10:04:05</DateUpdated>' +
    '<GroupIds><item>1</item><item>2</item></GroupIds><CustomFieldIds/></item></response>\n')

  const rejected = await call(baseUrl, { accept: XML, body: {} })
  t.equal(rejected.status, 422)
  t.equal(rejected.text, '<?xml version="1.0" encoding="UTF-8"?>\n<response>' +
    '<item><field>PhoneNumber</field><message>Phone Number cannot be blank.</message></item>' +
    '<item><field>GroupIds</field><message>Group Ids cannot be blank.</message></item></response>\n')

  const denied = await call(baseUrl, { accept: XML, token: 'nope' })
  t.equal(denied.status, 401)
  t.match(denied.text, '<response><name>Unauthorized</name><message>Your request was made with invalid credentials.</message><code>0</code><status>401</status></response>')
  t.equal(XMLValidator.validate(denied.text), true)
})

t.test('xmlItemWrapper: false answers like plain Yii2', async (t) => {
  const { baseUrl } = await startStandIn(t, { xmlItemWrapper: false })
  const created = await call(baseUrl, { accept: XML })
  t.match(created.text, '<response><Id>1</Id><Number>')
})

t.test('failNext answers a canned status, body and headers, then goes back to normal', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t)
  standIn.failNext({ status: 502, body: '<html><title>502 Bad Gateway</title></html>', contentType: 'text/html', times: 2 })
  standIn.failNext({ status: 429, resetSeconds: 7 })
  standIn.failNext({ status: 503 })
  standIn.failNext({ status: 201, body: { message: 'Confirmation message successfully sent' }, headers: { 'x-rate-limit-reset': '' } })

  for (let i = 0; i < 2; i++) {
    const res = await call(baseUrl)
    t.equal(res.status, 502)
    t.equal(res.headers['content-type'], 'text/html')
    t.equal(res.text, '<html><title>502 Bad Gateway</title></html>')
  }
  const limited = await call(baseUrl, { token: 'even a wrong token' })
  t.equal(limited.status, 429, 'canned answers skip every check')
  t.match(limited.headers, { 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '7' })
  t.same((await call(baseUrl)).json, { name: 'Service Unavailable', message: 'Canned failure.', code: 0, status: 503 })
  const created = await call(baseUrl)
  t.same([created.status, created.json, created.headers['x-rate-limit-reset']], [201, { message: 'Confirmation message successfully sent' }, ''])
  const normal = await call(baseUrl)
  t.match([normal.status, normal.json], [201, { Id: 1 }])
  t.same(standIn.calls.map((c) => c.status), [502, 502, 429, 503, 201, 201])
  t.same(standIn.calls.map((c) => c.token), ['valid', 'valid', 'invalid', 'valid', 'valid', 'valid'])
})

t.test('failNext can drop the connection, or delay a normal answer', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t)
  standIn.failNext({ destroy: true })
  await t.rejects(call(baseUrl))
  standIn.failNext({ delayMs: 30 })
  const started = performance.now()
  const slow = await call(baseUrl)
  t.equal(slow.status, 201)
  t.ok(performance.now() - started >= 25)
  t.same(standIn.calls.map((c) => c.status), [0, 201])
})

t.test('close() does not wait for a long canned delay', async (t) => {
  const { baseUrl, standIn } = await startStandIn(t)
  standIn.failNext({ delayMs: 60_000 })
  const pending = call(baseUrl).then(() => 'answered', () => 'dropped')
  while (standIn.calls.length === 0) await new Promise((resolve) => setImmediate(resolve))
  const started = performance.now()
  await standIn.close()
  t.equal(await pending, 'dropped')
  t.ok(performance.now() - started < 5_000)
})
