// GET /metrics in Prometheus text format; behind a bearer token when METRICS_TOKEN is set.
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../metrics.ts'

export default async function metricsRoutes (app: FastifyInstance, options: { metrics: Metrics, token: string | undefined }) {
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`)
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    if (expected !== undefined) {
      const given = Buffer.from(request.headers.authorization ?? '')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ errors: [{ field: 'authorization', message: 'Send the metrics token as a Bearer token.' }] })
      }
    }
    return reply.header('content-type', options.metrics.registry.contentType).header('cache-control', 'no-store')
      .send(await options.metrics.registry.metrics())
  })
}
