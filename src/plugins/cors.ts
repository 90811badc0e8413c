// CORS for the JSON API only, and only for the origins a campaign lists in embedOrigins: the allowed origin is
// reflected, a preflight is answered 204 with the methods and header an embedder's form uses, anything else gets
// no CORS header at all (the browser then keeps the answer from the page that asked).
//
// Why not @fastify/cors: its per-request delegator (the only way to decide by the campaign in the URL) copies and
// normalizes the whole options object twice per request, on every route. Measured side by side (ad hoc: autocannon
// on the signup API, the event loop's CPU read from /proc): a signup cost the event loop 73 µs with it, 68 with
// this. What it did for this API is the few lines below; pages no longer carry a needless `Vary: Origin`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Campaign } from '../campaigns/campaign.ts'

// Read from the URL, not the route params: a preflight (OPTIONS) matches no route.
const API_CAMPAIGN = /^\/api\/v1\/campaigns\/([^/?#]+)\//
const ALLOW_METHODS = 'GET, POST'
const ALLOW_HEADERS = 'content-type'
/** How long a browser may reuse a preflight's answer, seconds. */
const PREFLIGHT_MAX_AGE = '600'

function campaignSlug (url: string): string | undefined {
  const slug = API_CAMPAIGN.exec(url)?.[1]
  if (slug === undefined) return undefined
  try {
    return decodeURIComponent(slug)
  } catch {
    return undefined
  }
}

export default fp(async function apiCors (app: FastifyInstance, options: { campaigns: { get (slug: string): Campaign | undefined } }) {
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!request.url.startsWith('/api/v1/campaigns/')) return done()
    // The answer depends on the Origin header: a shared cache must key it by that too.
    reply.header('vary', 'Origin')
    const origin = request.headers.origin
    if (origin === undefined) return done()
    const slug = campaignSlug(request.url)
    const allowed = slug === undefined ? undefined : options.campaigns.get(slug)?.embedOrigins
    if (allowed === undefined || !allowed.includes(origin)) return done()
    reply.header('access-control-allow-origin', origin)
    if (request.method !== 'OPTIONS') return done()
    // A preflight from an allowed origin: answered here, before routing finds no OPTIONS route (404 for the others).
    reply.code(204)
      .header('access-control-allow-methods', ALLOW_METHODS)
      .header('access-control-allow-headers', ALLOW_HEADERS)
      .header('access-control-max-age', PREFLIGHT_MAX_AGE)
      .header('content-length', '0')
      .send()
  })
}, { name: 'api-cors' })
