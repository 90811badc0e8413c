// What the server records about a signup's request for the consent proof: address, agent, page, source, UTM tags.
import type { FastifyRequest } from 'fastify'
import type { SignupContext } from '../signup/service.ts'
import { UTM_KEYS, type UtmTags } from '../store/types.ts'

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

// A UTM value is free text a marketer chose ("spring sale", "cpc", "ig/story"): any printable text, bounded. Control,
// format (bidi overrides, zero-width) and unassigned characters are refused: they could disguise a value on the
// dashboard or in a spreadsheet. A value that does not pass is dropped, like a bad source tag.
const UTM_VALUE = /^[^\p{C}]{1,100}$/u

export function utmValue (value: unknown): string | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (typeof text !== 'string') return undefined
  const trimmed = text.trim()
  return UTM_VALUE.test(trimmed) ? trimmed : undefined
}

/** The standard UTM parameters of a query (a parsed querystring or URLSearchParams); undefined when it has none. */
export function utmTags (query: URLSearchParams | Record<string, unknown> | undefined): UtmTags | undefined {
  if (query === undefined || query === null || typeof query !== 'object') return undefined
  const tags: UtmTags = {}
  for (const key of UTM_KEYS) {
    const value = utmValue(query instanceof URLSearchParams ? query.get(key) : query[key])
    if (value !== undefined) tags[key] = value
  }
  return Object.keys(tags).length === 0 ? undefined : tags
}

/** The UTM tags of a page URL (absolute, or a path as a same-origin Referer may be); undefined for none or a bad URL. */
export function utmOfUrl (url: string | undefined): UtmTags | undefined {
  if (url === undefined || !url.includes('utm_')) return undefined
  try {
    return utmTags(new URL(url, 'http://localhost').searchParams)
  } catch {
    return undefined
  }
}

export function signupContext (request: FastifyRequest, fields: { source?: unknown, referrer?: unknown, pageUrl?: unknown }): SignupContext {
  const pageUrl = boundedText(fields.pageUrl) ?? boundedText(request.headers.referer)
  // One URL's tags, never a mix: the posting URL's own (the form keeps the page's query in its action), else the page's.
  const utm = utmTags(request.query as Record<string, unknown> | undefined) ?? utmOfUrl(pageUrl)
  return {
    // request.ip honours TRUST_PROXY: the client's address behind a load balancer, unspoofable without one.
    clientIp: request.ip,
    userAgent: boundedText(request.headers['user-agent'], 500),
    pageUrl,
    referrer: boundedText(fields.referrer),
    source: sourceTag(fields.source),
    ...(utm === undefined ? {} : { utm })
  }
}

/** The tags as a query string ('utm_source=google&utm_medium=cpc'), '' for none: the form's action keeps them. */
export function utmQuery (utm: UtmTags | undefined): string {
  if (utm === undefined) return ''
  const query = new URLSearchParams()
  for (const key of UTM_KEYS) if (utm[key] !== undefined) query.set(key, utm[key])
  return query.toString()
}
