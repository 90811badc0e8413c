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
  await app.register(rateLimit, {
    global: true,
    // Only signup submissions count; pages, assets and probes are never limited here.
    allowList: (request: FastifyRequest) => request.method !== 'POST' || !SIGNUP_ROUTES.has(request.routeOptions.url ?? ''),
    // 0 turns the limit off for a campaign (a kiosk, a load test).
    max: (request: FastifyRequest) => campaigns.get(slugOf(request))?.protection.perIpPerMinute || Number.MAX_SAFE_INTEGER,
    timeWindow: 60_000,
    // request.ip honours TRUST_PROXY, so behind a load balancer each visitor has their own budget.
    keyGenerator: (request: FastifyRequest) => `${slugOf(request)}|${addressBlock(request.ip)}`,
    errorResponseBuilder: () => new GuardError(429, 'OPTLINE_RATE_LIMITED', SIGNUP_MESSAGES.tooManyAttempts)
  })
}, { name: 'rate-limits' })
