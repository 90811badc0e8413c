// /metrics: what an operator graphs — outcomes, refusals, holds, upstream calls, the queue — and nothing personal.
import t from 'tap'
import { buildTestApp, formPost, TEST_TOKEN } from '../helper.ts'

const metricValue = (text: string, name: string, labels: string) =>
  Number(new RegExp(`^${name}\\{${labels.replace(/[{}"]/g, m => `\\${m}`)}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)

t.test('counts signups by outcome, refusals and holds by reason, upstream calls by status', async t => {
  const { app } = await buildTestApp(t)
  await app.inject(formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes' }))
  await app.inject(formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes' }))
  await app.inject(formPost('/c/summer', { phone: '12', consent: 'yes' }))
  await app.inject(formPost('/c/summer', { phone: '(646) 555-0199', consent: 'yes', website: 'spam' }))
  await app.dispatcher.settled()
  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain/)
  const text = res.body
  t.equal(metricValue(text, 'optline_signups_total', 'campaign="summer",outcome="accepted"'), 1)
  t.equal(metricValue(text, 'optline_signups_total', 'campaign="summer",outcome="duplicate"'), 1)
  t.equal(metricValue(text, 'optline_signups_total', 'campaign="summer",outcome="held"'), 1)
  t.equal(metricValue(text, 'optline_signups_total', 'campaign="summer",outcome="refused"'), 1)
  t.equal(metricValue(text, 'optline_refusals_total', 'campaign="summer",reason="too_short"'), 1)
  t.equal(metricValue(text, 'optline_held_total', 'campaign="summer",reason="honeypot"'), 1)
  t.equal(metricValue(text, 'optline_upstream_calls_total', 'campaign="summer",outcome="created",status="201"'), 1)
  t.match(text, /^optline_upstream_rate_limit_limit 60$/m, 'the learned limit')
  t.equal(metricValue(text, 'optline_queue_signups', 'status="delivered"'), 1)
  t.match(text, /optline_upstream_latency_seconds_bucket\{le="0.25",outcome="created"\}/)
  t.notMatch(text, /6465550123|6465550199/, 'no phone number in any label')
  t.notOk(text.includes(TEST_TOKEN), 'no token')
})

t.test('METRICS_TOKEN puts the endpoint behind a bearer token', async t => {
  const { app } = await buildTestApp(t, { metricsToken: 'metrics-token-0123456789' })
  t.equal((await app.inject('/metrics')).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode, 200)
})
