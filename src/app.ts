// buildApp(deps): the whole HTTP app and its outbox dispatcher, ready to inject or listen; it never listens itself.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyFormbody from '@fastify/formbody'
import fastifyCompress from '@fastify/compress'
import fastifySwagger from '@fastify/swagger'
import fastifyAccepts from '@fastify/accepts'
import type { Campaign } from './campaigns/campaign.ts'
import { disclosuresOf } from './campaigns/campaign-locale.ts'
import { createCampaignRegistry } from './campaigns/registry.ts'
import type { ProtextingClient } from './upstream/types.ts'
import type { Store } from './store/types.ts'
import { createSignupService } from './signup/service.ts'
import { createDispatcher, type Dispatcher } from './outbox/dispatcher.ts'
import { systemClock, type Clock } from './outbox/clock.ts'
import { tokenKeyOf } from './outbox/token-key.ts'
import { SANDBOX_TOKEN } from './sandbox/stand-in.ts'
import { redactUrl } from './upstream/redact.ts'
import { isApiUrl } from './http/api-url.ts'
import views from './plugins/views.ts'
import errors from './plugins/errors.ts'
import securityHeaders, { API_HEADERS, contentSecurityPolicy } from './plugins/security-headers.ts'
import rateLimits from './plugins/rate-limits.ts'
import apiCors from './plugins/cors.ts'
import { createFormTokens } from './abuse/form-token.ts'
import type { BotCheckDeps } from './signup/bot-checks.ts'
import healthRoutes from './routes/health.ts'
import signupPageRoutes from './routes/signup-page.ts'
import signupApiRoutes from './routes/signup-api.ts'
import qrRoutes from './routes/qr.ts'
import metricsRoutes from './routes/metrics.ts'
import embedRoutes from './routes/embed.ts'
import brandAssetRoutes from './routes/brand-assets.ts'
import { createMetrics } from './metrics.ts'
import adminRoutes from './routes/admin.ts'
import { createAdminAuth, type AdminAuthSettings } from './admin/auth.ts'
import { countingRefusals, createTrafficCounter, pageViewHook } from './admin/traffic-counter.ts'

export interface AppDeps {
  campaigns: ReadonlyMap<string, Campaign>
  /** Owned by the app from here on: closed when the app closes. */
  upstream: ProtextingClient
  store: Store
  /** Short hash naming the access token (see outbox/token-key.ts). */
  tokenKey: string
  /** True when the upstream is the built-in stand-in: every page then says no SMS is sent. */
  sandbox: boolean
  logger: FastifyBaseLogger
  clock?: Clock
  random?: () => number
  /** False in tests that look at what was queued without sending it. Default true. */
  dispatch?: boolean
  trustProxy?: boolean | number | string[]
  /** How long a claimed signup stays claimed if its instance dies (default 30 s; keep above the upstream timeout). */
  leaseMs?: number
  /** Signs form tokens; every instance behind one load balancer needs the same (FORM_TOKEN_SECRET). */
  formTokenSecret: Buffer | readonly Buffer[]
  /** PUBLIC_URL: the origin QR codes point at (default: the request's). */
  publicUrl?: string
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string
  /** CAPTCHA verifiers for the providers whose secret is configured. */
  captcha?: BotCheckDeps['captcha']
  /** ADMIN_TOKEN / ADMIN_PASSWORD_HASH: /admin exists only when one is set. */
  admin?: AdminAuthSettings
}

declare module 'fastify' {
  interface FastifyInstance {
    dispatcher: Dispatcher
    /** Puts a new, already validated campaigns set in force (SIGHUP). */
    reloadCampaigns: (campaigns: ReadonlyMap<string, Campaign>) => Promise<void>
  }
}

/** A hop count becomes a function: Fastify honours numbers at run time but its types omit them. */
function trustProxyOption (setting: AppDeps['trustProxy']) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting
  return setting ?? false
}

/** 400/414 for a URL the router cannot read, with the same headers and wording as every other refusal. */
function answerUnroutable (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 400
  const message = status === 414 ? 'This address is too long.' : 'This address is not valid.'
  request.log.info({ method: request.method, status, code: error.code }, 'request')
  const json = isApiUrl(request.url)
  reply.raw.writeHead(status, json
    ? { 'content-type': 'application/json; charset=utf-8', ...API_HEADERS }
    : {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': contentSecurityPolicy(undefined),
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'cache-control': 'no-store'
      })
  // Nothing from the URL is echoed back.
  reply.raw.end(json
    ? JSON.stringify({ errors: [{ field: 'path', message }] })
    : `<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title><h1>Page not found</h1><p>${message}</p></html>`)
}

// A signup form posts a few hundred bytes; nothing legitimate comes near this.
const BODY_LIMIT = 16 * 1024

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOption(deps.trustProxy),
    // Campaign slugs and our paths are short; refuse absurd URLs before routing.
    routerOptions: { maxParamLength: 100 },
    return503OnClosing: true,
    // One line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // A malformed or absurdly long URL fails before routing, so no hook or error handler sees it.
    frameworkErrors: answerUnroutable
  })
  const { upstream, store, sandbox, tokenKey } = deps
  const campaigns = createCampaignRegistry(deps.campaigns)
  const clock = deps.clock ?? systemClock

  const metrics = createMetrics({ store, now: () => clock.now() })
  const dispatcher = createDispatcher({
    metrics,
    store,
    client: upstream,
    tokenKey,
    clock,
    random: deps.random ?? Math.random,
    logger: app.log.child({ component: 'outbox' }),
    leaseMs: deps.leaseMs
  })
  app.decorate('dispatcher', dispatcher)

  // Collects the JSON routes' schemas (routes tagged for it) into /api/openapi.json for embedders.
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'optline signup API', version: '1', description: 'Sign visitors up to a campaign\'s SMS program from your own page. See README.md, "API for embedders".' }
    },
    hideUntagged: true
  })
  await app.register(securityHeaders, { campaigns })
  // Brotli or gzip for pages and assets: the whole first visit fits the first TCP round trip.
  await app.register(fastifyCompress, { threshold: 1024 })
  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT })
  // request.language(offered): Accept-Language negotiation for pages and API answers (i18n/negotiate.ts).
  await app.register(fastifyAccepts)
  await app.register(views, { sandbox })
  // The campaigns: a campaign page's refusal keeps its branding and, in a frame, embed mode.
  await app.register(errors, { campaigns })
  await app.register(rateLimits, { campaigns })
  await app.register(apiCors, { campaigns })

  // The campaign's own minSubmitSeconds is applied by the bot checks, so the token itself has no minimum.
  const formTokens = createFormTokens({ secret: deps.formTokenSecret, now: () => clock.now(), minAgeMs: 0 })
  const signups = createSignupService({
    store,
    tokenKey,
    now: () => clock.now(),
    queued: () => dispatcher.notify(),
    logger: app.log,
    bots: { formTokens, captcha: deps.captcha ?? {} },
    metrics
  })
  // Page views and refusals for the dashboard: counted in memory, written every few seconds (admin/traffic-counter.ts).
  const traffic = createTrafficCounter({ store, now: () => clock.now(), logger: app.log.child({ component: 'traffic' }) })
  app.addHook('onResponse', pageViewHook(traffic))
  const routeOptions = { campaigns, signups: countingRefusals(signups, traffic), issueFormToken: (slug: string) => formTokens.issue(slug) }
  await app.register(healthRoutes, {
    readiness: () => {
      const { paused, storeError } = dispatcher.status()
      const problems = [paused, storeError].filter(problem => problem !== undefined)
      return { mode: sandbox ? 'sandbox' : 'live', campaigns: campaigns.size, problems }
    }
  })
  await app.register(signupPageRoutes, routeOptions)
  await app.register(qrRoutes, { campaigns, publicUrl: deps.publicUrl })
  await app.register(metricsRoutes, { metrics, token: deps.metricsToken })
  await app.register(signupApiRoutes, routeOptions)
  if (deps.admin?.token !== undefined || deps.admin?.passwordHash !== undefined) {
    await app.register(adminRoutes, {
      auth: createAdminAuth(deps.admin),
      store,
      traffic,
      campaigns,
      tokenKey,
      now: () => clock.now(),
      paused: () => dispatcher.status().paused
    })
  }
  await app.register(embedRoutes, routeOptions)
  await app.register(brandAssetRoutes, { campaigns })

  app.addHook('onResponse', (request, reply, done) => {
    const campaign = (request.params as { campaign?: string } | undefined)?.campaign
    const line = { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime), campaign }
    // Probes hit every few seconds; keep them out of the info stream.
    if (request.url === '/healthz' || request.url === '/readyz') request.log.debug(line, 'request')
    else request.log.info(line, 'request')
    done()
  })

  async function saveDisclosures (list: Campaign[]) {
    // Every offered language's wording is its own version: a Spanish signup's proof points at the Spanish text.
    for (const campaign of list) {
      for (const { version, text } of disclosuresOf(campaign)) await store.saveDisclosure(version, text, clock.now())
    }
  }
  app.decorate('reloadCampaigns', async (next: ReadonlyMap<string, Campaign>) => {
    // The disclosure texts are stored before any signup can point at them.
    await saveDisclosures([...next.values()])
    campaigns.replace(next)
    // A reload is also the operator's "I fixed it": a paused dispatcher tries again now.
    dispatcher.resume()
  })

  app.addHook('onReady', async () => {
    // Each signup's proof points at its disclosure version; the text is stored once per version.
    await saveDisclosures(campaigns.all())
    await adoptQueue()
    if (deps.dispatch !== false) dispatcher.start()
  })

  /**
   * Signups accepted under an access token this instance no longer has (replaced after a 401, say) would never be
   * claimed: they go out with the current token. Never the sandbox's, either way: its signups were a demo that a live
   * token must not text, and a sandbox must not "deliver" real ones to its stand-in.
   */
  async function adoptQueue () {
    if (sandbox) return
    const moved = await store.adoptSignups(tokenKey, [tokenKeyOf(SANDBOX_TOKEN)])
    if (moved > 0) app.log.warn({ signups: moved }, 'unfinished signups accepted under another access token will be sent with this one')
  }
  // Requests in flight have finished by now (Fastify closes the server first); then the calls
  // in flight are recorded, the rest stays pending for the next start.
  app.addHook('onClose', async () => {
    await dispatcher.stop()
    await upstream.close()
    await traffic.close()
    await store.close()
  })
  return app
}
