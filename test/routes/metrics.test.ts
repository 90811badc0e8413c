// /metrics: what an operator graphs — outcomes, refusals, holds, upstream calls, the queue — and nothing personal.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { openStore } from '../../src/store/open.ts'
import { buildTestApp, formPost, TEST_TOKEN } from '../helper.ts'

const metricValue = (text: string, name: string, labels: string) => {
  const series = labels === '' ? name : `${name}\\{${labels.replace(/[{}"+]/g, m => `\\${m}`)}\\}`
  return Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
}

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

t.test('times each durable write and counts the group commits that made them', async t => {
  const store = await openStore({ url: ':memory:' })
  const { app } = await buildTestApp(t, { store, dispatch: false })
  const before = await app.inject('/metrics')
  t.equal(metricValue(before.body, 'optline_durable_write_seconds_count', ''), 0, 'nothing written yet')
  t.equal(metricValue(before.body, 'optline_store_commits_total', 'result="committed"'), 0)

  // Three stored signups (one of them a duplicate, still written), and a refusal, which never reaches the store.
  await Promise.all(['(646) 555-0123', '(646) 555-0124', '(646) 555-0123'].map(phone =>
    app.inject(formPost('/c/summer', { phone, consent: 'yes' }))))
  await app.inject(formPost('/c/summer', { phone: '12', consent: 'yes' }))
  const text = (await app.inject('/metrics')).body
  t.equal(metricValue(text, 'optline_durable_write_seconds_count', ''), 3, 'one observation per stored signup')
  t.ok(metricValue(text, 'optline_durable_write_seconds_sum', '') > 0, 'the time is measured')
  t.equal(metricValue(text, 'optline_durable_write_seconds_bucket', 'le="+Inf"'), 3)
  const { batches, items } = store.acceptStats
  t.ok(batches >= 1 && batches <= 3, `${batches} commits for 3 signups`)
  t.equal(metricValue(text, 'optline_store_commits_total', 'result="committed"'), batches, 'commits as the store counted them')
  t.equal(metricValue(text, 'optline_store_commits_total', 'result="failed"'), 0)
  t.equal(metricValue(text, 'optline_store_commit_signups_total', ''), items)
  t.equal(items, 3)
})

t.test('SQLite on a file: the WAL file\'s size, so growth that checkpoints cannot undo shows', async t => {
  const path = join(t.testdir(), 'optline.db')
  const store = await openStore({ url: path })
  const { app } = await buildTestApp(t, { store, dispatch: false })
  await app.inject(formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes' }))
  // Another write (a traffic-counter flush) may land during the scrape: the WAL only grows meanwhile.
  const before = statSync(`${path}-wal`).size
  const reported = metricValue((await app.inject('/metrics')).body, 'optline_store_wal_bytes', '')
  const after = statSync(`${path}-wal`).size
  t.ok(before > 0, 'the signup went through the WAL')
  t.ok(reported >= before && reported <= after, `the file's size (${before}–${after} bytes), reported ${reported}`)
})

t.test('an in-memory store has no WAL to report', async t => {
  const { app } = await buildTestApp(t, { dispatch: false })
  t.notMatch((await app.inject('/metrics')).body, /optline_store_wal_bytes/)
})

t.test('METRICS_TOKEN puts the endpoint behind a bearer token', async t => {
  const { app } = await buildTestApp(t, { metricsToken: 'metrics-token-0123456789' })
  t.equal((await app.inject('/metrics')).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode, 200)
})
