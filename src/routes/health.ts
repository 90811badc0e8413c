// Liveness and readiness for load balancers and the Docker HEALTHCHECK.
import type { FastifyInstance } from 'fastify'

export interface HealthOptions {
  /** Returns problems that make this instance not ready (empty when ready). */
  readiness: () => { mode: 'live' | 'sandbox', campaigns: number, problems: string[] }
}

export default async function healthRoutes (app: FastifyInstance, options: HealthOptions) {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }))

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const { mode, campaigns, problems } = options.readiness()
    const ready = problems.length === 0
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', mode, campaigns, problems })
  })
}
