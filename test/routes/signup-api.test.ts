// The JSON API for embedders: same rules as the form, answered as 202 / 422 / 404 / 503 JSON.
import t from 'tap'
import { buildTestApp, formTokenFor } from '../helper.ts'

// An embedder's post: with a form token from the token endpoint, as if fetched ten seconds earlier.
const post = (slug: string, payload: unknown, contentType = 'application/json') => ({
  method: 'POST' as const,
  url: `/api/v1/campaigns/${slug}/signups`,
  headers: { 'content-type': contentType },
  payload: typeof payload === 'string' ? payload : JSON.stringify({ formToken: formTokenFor(slug), ...(payload as object) })
})

t.test('a valid signup is accepted with 202 and reaches ProTexting', async t => {
  const { app, standIn } = await buildTestApp(t)
  const res = await app.inject(post('summer', { phone: '646.555.0123', consent: true, source: 'instagram' }))
  t.equal(res.statusCode, 202)
  t.same(res.json(), { status: 'accepted', message: 'Check your phone: we sent you a text. Reply YES to confirm.', last4: '0123', lang: 'en' })
  await app.dispatcher.settled()
  t.match(standIn.calls[0]?.body, { PhoneNumber: '16465550123', GroupIds: [12, 15] })
})

t.test('refusals are 422 with one entry per field, in words', async t => {
  const { app, standIn } = await buildTestApp(t)
  const res = await app.inject(post('summer', { phone: '12', consent: false }))
  t.equal(res.statusCode, 422)
  const { errors } = res.json() as { errors: Array<{ field: string, message: string }> }
  t.same(errors.map(e => e.field), ['phone', 'consent'])
  t.match(errors[0]?.message, /too short/)
  t.match(errors[1]?.message, /tick the box/)
  t.equal(standIn.calls.length, 0)
})

t.test('missing fields get the same words as on the form', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post('summer', {}))
  t.equal(res.statusCode, 422)
  t.same(res.json(), {
    errors: [
      { field: 'phone', message: 'Please enter your mobile number.', code: 'empty' },
      { field: 'consent', message: 'Please tick the box to agree to receive text messages.', code: 'consent_missing' }
    ]
  })
})

t.test('the country applies on multi-country campaigns', async t => {
  const { app, standIn } = await buildTestApp(t)
  t.equal((await app.inject(post('world', { phone: '55 1234 5678', country: 'MX', consent: true }))).statusCode, 202)
  await app.dispatcher.settled()
  t.match(standIn.calls[0]?.body, { PhoneNumber: '525512345678' })
  const refused = await app.inject(post('world', { phone: '06 12 34 56 78', country: 'FR', consent: true }))
  t.equal(refused.statusCode, 422)
  t.equal((refused.json() as { errors: Array<{ field: string }> }).errors[0]?.field, 'country')
})

t.test('wrong types and broken JSON are clear 4xx answers, never 500', async t => {
  const { app, standIn } = await buildTestApp(t)
  const wrongType = await app.inject(post('summer', { phone: { $gt: '' }, consent: true }))
  t.equal(wrongType.statusCode, 422)
  t.same(wrongType.json(), { errors: [{ field: 'phone', message: 'must be string' }] })

  const broken = await app.inject(post('summer', '{"phone": '))
  t.equal(broken.statusCode, 400)
  t.same(broken.json(), { errors: [{ field: 'request', message: 'The request body is not valid JSON.' }] })

  const empty = await app.inject(post('summer', ''))
  t.equal(empty.statusCode, 400)

  const huge = await app.inject(post('summer', { phone: '1'.repeat(100_000), consent: true }))
  t.equal(huge.statusCode, 413)
  t.same(huge.json(), { errors: [{ field: 'request', message: 'The request is too large.' }] })
  t.equal(standIn.calls.length, 0)
})

t.test('an unknown campaign or path is a JSON 404', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post('nope', { phone: '6465550123', consent: true }))
  t.equal(res.statusCode, 404)
  t.match(res.json(), { errors: [{ field: 'campaign', message: /does not exist/ }] })
  const path = await app.inject('/api/v1/nothing')
  t.equal(path.statusCode, 404)
  t.match(path.json(), { errors: [{ field: 'path' }] })
})

t.test('health and readiness', async t => {
  const { app } = await buildTestApp(t, { sandbox: true })
  t.same((await app.inject('/healthz')).json(), { status: 'ok' })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', mode: 'sandbox', campaigns: 4, problems: [] })
})

t.test('the API is described in OpenAPI for embedders', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/api/openapi.json')
  t.equal(res.statusCode, 200)
  const doc = res.json() as { openapi: string, paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }, responses: Record<string, unknown> }>> }
  t.match(doc.openapi, /^3\./)
  t.same(Object.keys(doc.paths).sort(), ['/api/v1/campaigns/{campaign}/form', '/api/v1/campaigns/{campaign}/form-token', '/api/v1/campaigns/{campaign}/signups'], 'only the JSON API, not the pages')
  const post = doc.paths['/api/v1/campaigns/{campaign}/signups']?.post
  t.ok(post?.requestBody?.content['application/json']?.schema.properties.phone, 'the body schema')
  t.same(Object.keys(post?.responses ?? {}).sort(), ['202', '404', '422', '429', '503'])
})

t.test('the per-IP limit: counted with X-RateLimit headers where set, absent where a campaign turns it off (0)', async t => {
  const { app } = await buildTestApp(t)
  // Distinct prefixes (valid US area codes), so the prefix-velocity hold never mixes in.
  const areas = [201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225, 228]
  const number = (i: number) => `${areas[i]} 555 0123`
  const limited = await app.inject(post('summer', { phone: number(0), consent: true }))
  t.equal(limited.headers['x-ratelimit-limit'], '10', 'the default 10 a minute')
  t.equal(limited.headers['x-ratelimit-remaining'], '9')
  for (let i = 1; i < 10; i++) await app.inject(post('summer', { phone: number(i), consent: true }))
  t.equal((await app.inject(post('summer', { phone: number(10), consent: true }))).statusCode, 429, 'the 11th in a minute is refused')

  const codes: number[] = []
  for (let i = 0; i < 20; i++) {
    const res = await app.inject(post('bulk', { phone: number(i), consent: true }))
    codes.push(res.statusCode)
    t.equal(res.headers['x-ratelimit-limit'], undefined, 'no limit announced for a campaign without one')
  }
  t.same(new Set(codes), new Set([202]), '20 from one address, all accepted')
  // Pages are never counted either.
  t.equal((await app.inject('/c/summer')).headers['x-ratelimit-limit'], undefined)
})
