// Reads ProTexting's (Yii2) X-Rate-Limit-* headers, which may be missing or empty.

import type { IncomingHttpHeaders } from 'node:http'
import type { RateLimitInfo } from './types.ts'

type Headers = IncomingHttpHeaders | Record<string, string | string[] | undefined>

function header (headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** A non-negative integer, or undefined for missing, empty (`X-Rate-Limit-Reset:` is seen empty) or junk values. */
export function parseNonNegativeInt (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed)) return undefined
  return Number(trimmed)
}

export function parseRateLimit (headers: Headers): RateLimitInfo {
  const info: RateLimitInfo = {}
  const limit = parseNonNegativeInt(header(headers, 'x-rate-limit-limit'))
  const remaining = parseNonNegativeInt(header(headers, 'x-rate-limit-remaining'))
  const resetSeconds = parseNonNegativeInt(header(headers, 'x-rate-limit-reset'))
  if (limit !== undefined) info.limit = limit
  if (remaining !== undefined) info.remaining = remaining
  if (resetSeconds !== undefined) info.resetSeconds = resetSeconds
  return info
}

/** `Retry-After` in seconds (ProTexting does not send it, but a proxy in front of it might). */
export function parseRetryAfter (headers: Headers): number | undefined {
  return parseNonNegativeInt(header(headers, 'retry-after'))
}
