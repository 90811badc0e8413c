// What the server records about a signup's request for the consent proof: address, agent, page, source.
import type { FastifyRequest } from 'fastify'
import type { SignupContext } from '../signup/service.ts'

// Source tags name a channel ("poster-lobby", "ig.story"); anything else is dropped, not stored.
const SOURCE_TAG = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/

export function sourceTag (value: unknown): string | undefined {
  return typeof value === 'string' && SOURCE_TAG.test(value) ? value : undefined
}

/** Free text from a header or field, bounded so a hostile client cannot bloat the ledger. */
export function boundedText (value: unknown, max = 1000): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined
  return value.slice(0, max)
}

export function signupContext (request: FastifyRequest, fields: { source?: unknown, referrer?: unknown, pageUrl?: unknown }): SignupContext {
  return {
    // request.ip honours TRUST_PROXY: the client's address behind a load balancer, unspoofable without one.
    clientIp: request.ip,
    userAgent: boundedText(request.headers['user-agent'], 500),
    pageUrl: boundedText(fields.pageUrl) ?? boundedText(request.headers.referer),
    referrer: boundedText(fields.referrer),
    source: sourceTag(fields.source)
  }
}
