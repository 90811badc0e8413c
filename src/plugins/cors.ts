// CORS for the JSON API only, and only for the origins a campaign lists in embedOrigins.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { Campaign } from '../campaigns/campaign.ts'

const API_CAMPAIGN = /^\/api\/v1\/campaigns\/([^/?#]+)\//

export default fp(async function apiCors (app: FastifyInstance, options: { campaigns: { get (slug: string): Campaign | undefined } }) {
  await app.register(cors, {
    // Decided per request: a preflight has no route params yet, so the slug is read from the URL.
    delegator (request: FastifyRequest, callback) {
      const slug = API_CAMPAIGN.exec(request.url)?.[1]
      const allowed = slug === undefined ? [] : options.campaigns.get(decodeURIComponent(slug))?.embedOrigins ?? []
      const origin = request.headers.origin
      callback(null, {
        origin: typeof origin === 'string' && allowed.includes(origin) ? origin : false,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type'],
        maxAge: 600
      })
    }
  })
}, { name: 'api-cors' })
