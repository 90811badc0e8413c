// Security headers on every answer: for pages and files, helmet's set plus a strict CSP built per campaign (embedding,
// redirect, CAPTCHA); for the JSON API, the set OWASP's REST Security Cheat Sheet gives for API responses.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { Campaign } from '../campaigns/campaign.ts'
import { CAPTCHA_DEFAULTS } from '../abuse/captcha-defaults.ts'
import { isApiUrl } from '../http/api-url.ts'

export interface SecurityHeadersOptions {
  campaigns: { get (slug: string): Campaign | undefined }
}

/** The Content-Security-Policy for a page of this campaign (or for anything else when undefined). */
export function contentSecurityPolicy (campaign: Campaign | undefined): string {
  // Only a campaign that turns a CAPTCHA on lets its provider's widget load.
  const provider = campaign?.protection.captcha?.provider
  const captcha = provider === undefined ? undefined : CAPTCHA_DEFAULTS[provider]
  const redirect = campaign?.successRedirectUrl === undefined ? [] : [new URL(campaign.successRedirectUrl).origin]
  const ancestors = campaign === undefined || campaign.embedOrigins.length === 0 ? ["'none'"] : campaign.embedOrigins
  const directives: Record<string, readonly string[]> = {
    'default-src': ["'none'"],
    // No inline script or style anywhere: files from our own origin only.
    'script-src': ["'self'", ...(captcha?.cspScriptSrc ?? [])],
    'style-src': ["'self'", ...(captcha?.cspStyleSrc ?? [])],
    'img-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(captcha?.cspConnectSrc ?? [])],
    'frame-src': captcha === undefined ? ["'none'"] : captcha.cspFrameSrc,
    // Chrome applies form-action to the redirect after a POST, so the success page's origin is listed.
    'form-action': ["'self'", ...redirect],
    'frame-ancestors': ancestors,
    'base-uri': ["'none'"],
    'object-src': ["'none'"]
  }
  return Object.entries(directives).map(([name, values]) => `${name} ${values.join(' ')}`).join('; ')
}

const BRAND_ASSET_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

const HSTS = 'max-age=31536000; includeSubDomains'

/**
 * What a JSON answer needs (OWASP REST Security Cheat Sheet, "Security Headers"): never cached (a signup answer
 * names the visitor's number; a form token is one visitor's), never framed, never sniffed as something else, and
 * not readable by another site's no-cors request. The rest of helmet's set (opener, DNS prefetch, download and
 * cross-domain policies, XSS filter, origin cluster) governs documents a browser renders: it would add ~400 bytes
 * to every API answer for nothing. Routes that allow caching (the OpenAPI document) set their own Cache-Control.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin'
})

const HELMET_OPTIONS = {
  // Built per campaign below; helmet's would be one policy for every page.
  contentSecurityPolicy: false,
  // Sent only over HTTPS (below): over plain HTTP it is ignored, and a test machine must not be pinned.
  strictTransportSecurity: false,
  // frame-ancestors governs framing; X-Frame-Options is set below only where nobody may embed.
  xFrameOptions: false,
  crossOriginEmbedderPolicy: false,
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' }
} as const

/**
 * The headers helmet sets with these options, asked once. They are the same for every answer, and
 * @fastify/helmet rebuilds helmet's middleware from its options on every request (two hooks; about 4% of the main
 * thread in a CPU profile of the signup API under load); one object applied by one synchronous hook gives the same headers.
 */
function helmetHeaders (): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader (name: string, value: string) { headers[name.toLowerCase()] = value },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  helmet(HELMET_OPTIONS)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined && error !== null) throw error
  })
  return Object.freeze(headers)
}

export default fp(async function securityHeaders (app: FastifyInstance, options: SecurityHeadersOptions) {
  const staticHeaders = helmetHeaders()
  // onRequest, before any handler: a route can still override one (e.g. a cross-origin resource policy). An API
  // answer's set is complete here; a page's CSP depends on its campaign, known once routed (onSend below).
  app.addHook('onRequest', (request, reply, done) => {
    if (isApiUrl(request.url)) {
      reply.headers(API_HEADERS)
      if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
    } else {
      reply.headers(staticHeaders)
    }
    done()
  })

  // Built once per campaign object (a reload brings new objects, so new policies), not once per answer.
  const policies = new WeakMap<Campaign, string>()
  const defaultPolicy = contentSecurityPolicy(undefined)
  const policyFor = (campaign: Campaign | undefined): string => {
    if (campaign === undefined) return defaultPolicy
    let policy = policies.get(campaign)
    if (policy === undefined) policies.set(campaign, policy = contentSecurityPolicy(campaign))
    return policy
  }

  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    if (isApiUrl(request.url)) return done(null, payload)
    const slug = (request.params as { campaign?: unknown } | undefined)?.campaign
    const campaign = typeof slug === 'string' ? options.campaigns.get(slug) : undefined
    // A logo opened on its own (an SVG is a document) runs nothing and loads nothing, whatever the file holds.
    reply.header('content-security-policy', request.url.startsWith('/brand/') ? BRAND_ASSET_POLICY : policyFor(campaign))
    if (campaign === undefined || campaign.embedOrigins.length === 0) reply.header('x-frame-options', 'DENY')
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
    done(null, payload)
  })
}, { name: 'security-headers' })
