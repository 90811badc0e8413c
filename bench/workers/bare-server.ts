// The baseline: a bare Fastify route that parses the same JSON body and answers 202, in its own process.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
const accepted = { status: 'accepted', message: 'Check your phone: we sent you a text. Reply YES to confirm.', last4: '0123' }

app.post('/api/v1/campaigns/:campaign/signups', async (request, reply) => {
  const body = request.body as { phone?: unknown } | undefined
  if (typeof body?.phone !== 'string') return reply.code(422).send({ errors: [] })
  return reply.code(202).send(accepted)
})
app.get('/readyz', async () => ({ status: 'ready' }))

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
