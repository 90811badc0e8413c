// Route guards: only the content type a route takes (415), and form posts only from our page or an embedding origin (403).
import type { FastifyRequest } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'

export class GuardError extends Error {
  readonly statusCode: number
  readonly code: string
  constructor (statusCode: number, code: string, message: string) {
    super(message)
    this.statusCode = statusCode
    this.code = code
  }
}

/** preValidation hook: the body must have been sent as `type` (Fastify parses every type it knows for every route). */
export function onlyContentType (type: string) {
  return async function (request: FastifyRequest) {
    const sent = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (sent !== type) throw new GuardError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', `Send ${type}.`)
  }
}

/**
 * The origin a browser says a POST came from: Origin, else the Referer's origin. Undefined when it sends
 * neither (some privacy tools strip both); the signed form token still protects that case. `Origin: null` is an
 * opaque origin (a sandboxed frame, a data: document): cross-site, whatever its Referer says.
 */
export function postedFrom (request: FastifyRequest): string | undefined {
  const origin = request.headers.origin
  if (typeof origin === 'string') return origin
  const referer = request.headers.referer
  if (typeof referer !== 'string') return undefined
  try {
    return new URL(referer).origin
  } catch {
    return 'null'
  }
}

/** CSRF: a cross-site form post is refused unless the campaign lists that origin as an embedder. */
export function isAllowedFormOrigin (request: FastifyRequest, campaign: Campaign): boolean {
  const from = postedFrom(request)
  if (from === undefined) return true
  return from === ownOrigin(request) || campaign.embedOrigins.includes(from)
}

/** Our origin as the browser writes it (URL drops a default port: Host may say :80, Origin never does). */
export function ownOrigin (request: FastifyRequest): string | undefined {
  try {
    return new URL(`${request.protocol}://${request.host}`).origin
  } catch {
    return undefined
  }
}
