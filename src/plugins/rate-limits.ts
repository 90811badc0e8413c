// Per-IP limits on signup submissions (form and API alike), set per campaign; held in memory per instance.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { Campaign } from '../campaigns/campaign.ts'
import { GuardError } from '../routes/request-guards.ts'
import { SIGNUP_MESSAGES } from '../signup/messages.ts'

type Campaigns = { get (slug: string): Campaign | undefined }

const slugOf = (request: FastifyRequest) => String((request.params as { campaign?: unknown } | undefined)?.campaign ?? '')

// One budget per campaign and address for the form and the API together (one store for both routes).
const SIGNUP_ROUTES = new Set(['/c/:campaign', '/api/v1/campaigns/:campaign/signups'])

/**
 * The budget's unit: an IPv4 address, or an IPv6 /64 — one IPv6 line routinely holds a whole /64,
 * so counting single IPv6 addresses would give one subscriber billions of budgets.
 */
export function addressBlock (ip: string): string {
  if (!ip.includes(':')) return ip
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (v4?.[1] !== undefined) return v4[1]
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map(g => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export default fp(async function rateLimits (app: FastifyInstance, options: { campaigns: Campaigns }) {
  const { campaigns } = options
  // The campaign's budget for this request, or 0 when nothing is counted: only signup submissions count (pages,
  // assets and probes are never limited here), and a campaign's 0 turns its limit off (a kiosk, a load test).
  const budgetOf = (request: FastifyRequest): number => request.method === 'POST' && SIGNUP_ROUTES.has(request.routeOptions.url ?? '')
    ? campaigns.get(slugOf(request))?.protection.perIpPerMinute ?? 0
    : 0
  await app.register(rateLimit, {
    global: true,
    // Skipped requests get no X-RateLimit-* headers and cost no counter.
    allowList: (request: FastifyRequest) => budgetOf(request) <= 0,
    max: budgetOf,
    timeWindow: 60_000,
    // request.ip honours TRUST_PROXY, so behind a load balancer each visitor has their own budget. The plugin asks
    // for the key before the allow list: a request that is not counted gets an empty one, without parsing its address.
    keyGenerator: (request: FastifyRequest) => budgetOf(request) > 0 ? `${slugOf(request)}|${addressBlock(request.ip)}` : '',
    errorResponseBuilder: () => new GuardError(429, 'OPTLINE_RATE_LIMITED', SIGNUP_MESSAGES.tooManyAttempts)
  })
}, { name: 'rate-limits' })
