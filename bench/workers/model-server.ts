// The reference model of a durable accept: the bare route plus one INSERT into a one-table SQLite file (WAL,
// synchronous=FULL), the rows of one event-loop turn committed together on this thread before their 202s. It shows
// what durable group commit itself costs on this machine, apart from what optline stores and checks.
import Fastify from 'fastify'
import { DatabaseSync } from 'node:sqlite'

const db = new DatabaseSync(process.env.DATABASE_URL ?? 'model.db')
db.exec('PRAGMA journal_mode = WAL')
db.exec('PRAGMA synchronous = FULL')
// A status column so that the bench counts what was stored the same way for every variant.
db.exec("CREATE TABLE IF NOT EXISTS signups (id INTEGER PRIMARY KEY, campaign TEXT NOT NULL, phone TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', created_at INTEGER NOT NULL)")
const insert = db.prepare('INSERT INTO signups (campaign, phone, created_at) VALUES (?, ?, ?)')

let batch: Array<{ campaign: string, phone: string, done: () => void }> = []
function commit (): void {
  const rows = batch
  batch = []
  db.exec('BEGIN IMMEDIATE')
  const now = Date.now()
  for (const row of rows) insert.run(row.campaign, row.phone, now)
  db.exec('COMMIT')
  for (const row of rows) row.done()
}

const app = Fastify({ logger: false })
const accepted = { status: 'accepted', message: 'Check your phone: we sent you a text. Reply YES to confirm.', last4: '0123' }
app.post<{ Params: { campaign: string } }>('/api/v1/campaigns/:campaign/signups', async (request, reply) => {
  const body = request.body as { phone?: unknown } | undefined
  if (typeof body?.phone !== 'string') return reply.code(422).send({ errors: [] })
  const phone = body.phone
  await new Promise<void>(resolve => {
    if (batch.length === 0) setImmediate(commit)
    batch.push({ campaign: request.params.campaign, phone, done: resolve })
  })
  return reply.code(202).send(accepted)
})
app.get('/readyz', async () => ({ status: 'ready' }))

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.once('SIGTERM', () => { app.close().then(() => { db.close(); process.exit(0) }, () => process.exit(1)) })
