// buildApp(config, deps): the whole HTTP app, ready to inject or listen; it never listens itself.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import fastifyFormbody from '@fastify/formbody'
import type { Campaign } from './campaigns/campaign.ts'
import type { ProtextingClient } from './upstream/types.ts'
import { createSignupService } from './signup/service.ts'
import { redactUrl } from './upstream/redact.ts'
import views from './plugins/views.ts'
import errors from './plugins/errors.ts'
import healthRoutes from './routes/health.ts'
import signupPageRoutes from './routes/signup-page.ts'
import signupApiRoutes from './routes/signup-api.ts'

export interface AppDeps {
  campaigns: ReadonlyMap<string, Campaign>
  upstream: ProtextingClient
  /** True when the upstream is the built-in stand-in: every page then says no SMS is sent. */
  sandbox: boolean
  logger: FastifyBaseLogger
}

// A signup form posts a few hundred bytes; nothing legitimate comes near this.
const BODY_LIMIT = 16 * 1024

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT,
    // Campaign slugs and our paths are short; refuse absurd URLs before routing.
    routerOptions: { maxParamLength: 100 },
    return503OnClosing: true,
    // One line per request (below) instead of Fastify's two.
    disableRequestLogging: true
  })
  const { campaigns, upstream, sandbox } = deps

  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT })
  await app.register(views, { sandbox })
  await app.register(errors)

  const signups = createSignupService({ upstream, logger: app.log })
  await app.register(healthRoutes, {
    readiness: () => ({ mode: sandbox ? 'sandbox' : 'live', campaigns: campaigns.size, problems: [] })
  })
  await app.register(signupPageRoutes, { campaigns, signups })
  await app.register(signupApiRoutes, { campaigns, signups })

  app.addHook('onResponse', async (request, reply) => {
    const campaign = (request.params as { campaign?: string } | undefined)?.campaign
    const line = { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime), campaign }
    // Probes hit every few seconds; keep them out of the info stream.
    if (request.url === '/healthz' || request.url === '/readyz') request.log.debug(line, 'request')
    else request.log.info(line, 'request')
  })
  app.addHook('onClose', async () => { await upstream.close() })
  return app
}
