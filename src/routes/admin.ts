// /admin: sign-in (token or password, rate-limited), the signed session cookie, CSRF checks, and the dashboard.
// Registered only when ADMIN_TOKEN or ADMIN_PASSWORD_HASH is set: otherwise /admin is an unknown page (404).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import type { AdminAuth, AdminSession } from '../admin/auth.ts'
import { SESSION_MS } from '../admin/auth.ts'
import { dashboardData, DEFAULT_PERIOD, isPeriod } from '../admin/dashboard-data.ts'
import { dashboardView } from '../admin/dashboard-view.ts'
import type { TrafficCounter } from '../admin/traffic-counter.ts'
import type { Campaign } from '../campaigns/campaign.ts'
import type { Store } from '../store/types.ts'
import { addressBlock } from '../plugins/rate-limits.ts'
import { GuardError, ownOrigin, postedFrom } from './request-guards.ts'
import adminConsentRoutes from './admin-consents.ts'

export interface AdminRouteOptions {
  auth: AdminAuth
  store: Store
  traffic: TrafficCounter
  campaigns: { get (slug: string): Campaign | undefined, all (): Campaign[] }
  tokenKey: string
  now: () => number
  /** Why this instance's dispatcher is paused (401/403 from ProTexting), if it is. */
  paused: () => string | undefined
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator's session; undefined for a script using the Bearer token. */
    adminSession: AdminSession | undefined
  }
}

/** The rest of the admin pages (export, deletions) need what every page needs: the view's data and the guards. */
export interface AdminPageContext {
  /** Renders an admin page: the layout's CSS link, the CSRF token for its forms, and whether someone is signed in. */
  page (request: FastifyRequest, reply: FastifyReply, status: number, template: string, data: Record<string, unknown>): FastifyReply
}

const LOGIN_LIMIT = { max: 5, timeWindow: 60_000 }
const PUBLIC_DIR = new URL('../../public/', import.meta.url)
const css = `/assets/admin.css?v=${createHash('sha256').update(readFileSync(new URL('admin.css', PUBLIC_DIR))).digest('hex').slice(0, 10)}`

// __Host-: the browser keeps it only if Secure, Path=/ and no Domain, so nothing on a subdomain or plain HTTP can set or
// shadow it. Over plain HTTP (localhost, a private network) no Secure cookie would be kept: then a plain name, and a
// path of /admin so the signup pages never receive it.
function cookieFor (request: FastifyRequest) {
  return request.protocol === 'https'
    ? { name: '__Host-optline_admin', path: '/', secure: true }
    : { name: 'optline_admin', path: '/admin', secure: false }
}

function sameOrigin (request: FastifyRequest): boolean {
  const from = postedFrom(request)
  if (from === undefined) return true // the CSRF token and SameSite=Strict still stand
  return from === ownOrigin(request)
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(host)

export default async function adminRoutes (app: FastifyInstance, options: AdminRouteOptions) {
  const { auth, store, traffic, campaigns, now } = options
  await app.register(fastifyCookie, { secret: auth.cookieSecret })
  app.decorateRequest('adminSession', undefined)

  function sessionOf (request: FastifyRequest): AdminSession | undefined {
    const raw = request.cookies[cookieFor(request).name]
    if (raw === undefined) return undefined
    const unsigned = request.unsignCookie(raw)
    return unsigned.valid && unsigned.value !== null ? auth.readSession(unsigned.value, now()) : undefined
  }

  const context: AdminPageContext = {
    page (request, reply, status, template, data) {
      const session = request.adminSession
      return reply
        .header('x-robots-tag', 'noindex, nofollow')
        .page(status, template, { adminCss: css, signedIn: session !== undefined, csrf: session === undefined ? '' : auth.csrfToken(session), ...data })
    }
  }

  // Every answer here is for one operator's eyes: never stored by a browser or a proxy (reply.page says no-store too).
  app.addHook('onSend', async (_request, reply) => { reply.header('cache-control', 'no-store') })

  // Everything but the sign-in page needs a session (or, for scripts, the token as a Bearer header). A signed-in POST
  // must come from our own origin and carry the session's CSRF token: SameSite=Strict already keeps the cookie off
  // cross-site requests; the token covers browsers and proxies that do not honour it.
  app.addHook('preHandler', async (request, reply) => {
    const path = request.routeOptions.url ?? ''
    if (path === '/admin/login') return
    // The token as a Bearer header opens the export only (for scripts): never a deletion, nor a page a browser shows.
    // A wrong one is refused at once (a script should not save a sign-in page as its CSV), logged, and counted
    // against the sign-in budget of its address (the export route's rate limit), so it cannot be guessed faster.
    const authorization = request.headers.authorization
    if (authorization !== undefined && path === '/admin/export') {
      if (auth.bearer(authorization)) return
      request.log.warn({ clientIp: request.ip, path }, 'admin: wrong Authorization header refused')
      reply.header('www-authenticate', 'Bearer')
      throw new GuardError(401, 'OPTLINE_ADMIN_BAD_TOKEN', 'The Authorization header does not hold the admin token.')
    }
    const session = sessionOf(request)
    if (session === undefined) {
      if (request.method === 'GET') return reply.redirect('/admin/login', 303)
      throw new GuardError(403, 'OPTLINE_ADMIN_SIGNED_OUT', 'Your session has ended. Sign in again, then repeat what you were doing.')
    }
    request.adminSession = session
    if (request.method === 'POST') {
      const token = (request.body as Record<string, unknown> | undefined)?.csrf
      if (!sameOrigin(request) || !auth.checkCsrf(session, token)) {
        request.log.warn({ clientIp: request.ip, path }, 'admin: POST refused (cross-site or without its CSRF token)')
        throw new GuardError(403, 'OPTLINE_ADMIN_CSRF', 'This form was not sent from this dashboard (or it is too old). Reload the page and try again.')
      }
    }
  })

  // Admin errors as admin pages: what went wrong in words, never a stack; 5xx details only in the log.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'admin request failed')
    const message = status === 500
      ? 'Something went wrong on our side; the server log says what. Please try again.'
      : error.validation !== undefined ? 'The form could not be read. Please reload the page and try again.' : error.message
    if (status === 429 && request.routeOptions.url === '/admin/login') {
      return context.page(request, reply, 429, 'admin-login', { title: 'Sign in · optline', error: message, insecure: false })
    }
    return context.page(request, reply, status, 'admin-error', { title: 'Sorry · optline', heading: status === 403 ? 'Not allowed' : 'Sorry', message })
  })

  app.get('/admin/login', async (request, reply) => {
    if (sessionOf(request) !== undefined) return reply.redirect('/admin', 303)
    const out = (request.query as { out?: unknown }).out === '1'
    return context.page(request, reply, 200, 'admin-login', {
      title: 'Sign in · optline',
      notice: out ? 'You are signed out.' : undefined,
      insecure: request.protocol !== 'https' && !isLoopback(request.host)
    })
  })

  app.post<{ Body: { secret?: unknown } | undefined }>('/admin/login', {
    config: {
      rateLimit: {
        ...LOGIN_LIMIT,
        allowList: () => false,
        keyGenerator: (request: FastifyRequest) => `admin-login|${addressBlock(request.ip)}`,
        errorResponseBuilder: () => new GuardError(429, 'OPTLINE_ADMIN_LOGIN_LIMIT', 'Too many sign-in attempts from your connection. Wait a minute, then try again.')
      }
    }
  }, async (request, reply) => {
    if (!sameOrigin(request)) throw new GuardError(403, 'OPTLINE_ADMIN_CSRF', 'Sign in from this dashboard\'s own page.')
    const secret = request.body?.secret
    const result = typeof secret === 'string' && secret.length <= 1024 ? await auth.check(secret) : 'wrong'
    if (result !== 'ok') {
      // The address, never what was typed.
      request.log.warn({ clientIp: request.ip, result }, 'admin: sign-in refused')
      const error = result === 'busy'
        ? 'Too many sign-in attempts right now. Wait a minute, then try again.'
        : 'That password or token is not right.'
      return context.page(request, reply, result === 'busy' ? 429 : 401, 'admin-login', { title: 'Sign in · optline', error, insecure: false })
    }
    const { value } = auth.newSession(now())
    const cookie = cookieFor(request)
    request.log.info({ clientIp: request.ip }, 'admin: signed in')
    return reply
      .setCookie(cookie.name, value, { path: cookie.path, secure: cookie.secure, httpOnly: true, sameSite: 'strict', maxAge: SESSION_MS / 1000, signed: true })
      .redirect('/admin', 303)
  })

  app.post('/admin/logout', async (request, reply) => {
    const cookie = cookieFor(request)
    request.log.info({ clientIp: request.ip }, 'admin: signed out')
    return reply
      .clearCookie(cookie.name, { path: cookie.path, secure: cookie.secure, httpOnly: true, sameSite: 'strict' })
      .redirect('/admin/login?out=1', 303)
  })

  app.get<{ Querystring: { period?: unknown, campaign?: unknown } }>('/admin', async (request, reply) => {
    const period = isPeriod(request.query.period) ? request.query.period : DEFAULT_PERIOD
    const slug = typeof request.query.campaign === 'string' && request.query.campaign !== '' ? request.query.campaign.slice(0, 100) : undefined
    // This instance's latest counts first, so what was just viewed shows; other instances flush every few seconds.
    await traffic.flush()
    const data = await dashboardData({
      store,
      campaigns: campaigns.all().map(c => ({ slug: c.slug, name: c.name })),
      tokenKey: options.tokenKey,
      now: now(),
      period,
      campaign: slug,
      paused: options.paused()
    })
    return context.page(request, reply, 200, 'admin-dashboard', {
      title: 'Dashboard · optline',
      nav: 'dashboard',
      campaignFilter: slug ?? '',
      campaignOptions: campaigns.all().map(c => ({ slug: c.slug, name: c.name, current: c.slug === slug })),
      ...dashboardView(data, now())
    })
  })

  // Only a wrong Bearer token counts (allowList lets the rest through), on the address's sign-in budget.
  const bearerLimit = {
    ...LOGIN_LIMIT,
    allowList: (request: FastifyRequest) => request.headers.authorization === undefined || auth.bearer(request.headers.authorization),
    keyGenerator: (request: FastifyRequest) => `admin-login|${addressBlock(request.ip)}`,
    errorResponseBuilder: () => new GuardError(429, 'OPTLINE_ADMIN_LOGIN_LIMIT', 'Too many wrong tokens from your connection. Wait a minute, then try again.')
  }
  await app.register(adminConsentRoutes, { store, campaigns, now, context, bearerLimit })
}
