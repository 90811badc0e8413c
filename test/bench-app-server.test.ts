// bench/workers/app-server.ts, the bench's "store that writes nothing" variant: it has to be optline itself, answering
// and refusing signups as optline does, with no signup written, or the bench's decomposition would measure something else.
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startServer } from './spawn-server.ts'

const APP_SERVER = fileURLToPath(new URL('../bench/workers/app-server.ts', import.meta.url))

// The load-test campaign (defences off, no form token): this test is about the store, not the bot checks.
const CAMPAIGNS_FILE = fileURLToPath(new URL('./fixtures/load-test-campaigns.yaml', import.meta.url))

async function post (base: string, body: object): Promise<{ status: number, answer: Record<string, unknown> }> {
  const response = await fetch(`${base}/api/v1/campaigns/demo/signups`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  return { status: response.status, answer: await response.json() as Record<string, unknown> }
}

t.test('answers a signup as optline does, refuses a bad one, and stores nothing', async t => {
  const dir = t.testdir({})
  const database = join(dir, 'optline.db')
  const server = startServer({ DATABASE_URL: database, CAMPAIGNS_FILE }, dir, APP_SERVER)
  t.teardown(() => { server.child.kill('SIGKILL') })
  const base = await server.ready

  const accepted = await post(base, { phone: '(201) 555-0123', consent: true })
  t.equal(accepted.status, 202)
  t.match(accepted.answer, { status: 'accepted', last4: '0123' })
  // The request's own checks still run: a number that cannot be a phone is refused in the visitor's words.
  const refused = await post(base, { phone: '12', consent: true })
  t.equal(refused.status, 422)
  t.match(refused.answer, { errors: [{ field: 'phone' }] })
  t.ok(server.lines.some(line => line.includes('SANDBOX MODE')), 'it is optline starting in sandbox mode, as the bench runs it')

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'shuts down cleanly')
  // The real store was opened (migrated file) but the accepted signup was never written.
  const db = new DatabaseSync(database, { readOnly: true })
  t.teardown(() => db.close())
  t.same(db.prepare('SELECT count(*) AS n FROM signups').get(), { n: 0 })
})
