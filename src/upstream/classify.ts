// Maps an upstream answer (status + parsed body) or a transport error to an UpstreamOutcome.

import { STATUS_CODES } from 'node:http'
import type { ParsedBody } from './parse-body.ts'
import type { CreatedOutcome, FieldError, RateLimitInfo, UnavailableReason, UpstreamOutcome } from './types.ts'

export interface OutcomeBase {
  rateLimit: RateLimitInfo
  latencyMs: number
}

export interface AnswerFacts {
  status: number
  parsed: ParsedBody
  /** Reset from X-Rate-Limit-Reset, else Retry-After. */
  resetSeconds: number | undefined
  /** Set when the status and headers arrived but reading the body failed. */
  bodyError?: TransportFailure
}

export interface TransportFailure {
  reason: 'timeout' | 'connection'
  maybeProcessed: boolean
  message: string
}

const MAX_MESSAGE = 300
// The probable window (protexting-v1.md "?"): used only when a 429 carries no usable reset.
const DEFAULT_RESET_SECONDS = 60

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT'
])
// Failures before a byte of the request left: the upstream cannot have sent an SMS.
const NEVER_SENT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID'
])

function isRecord (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function text (value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return ''
}

function clip (message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim()
  return flat.length > MAX_MESSAGE ? flat.slice(0, MAX_MESSAGE - 1) + '…' : flat
}

function errorCode (err: unknown): string {
  if (!isRecord(err) && !(err instanceof Error)) return ''
  const record = err as unknown as Record<string, unknown>
  const code = text(record.code)
  if (code !== '') return code
  return record.cause !== undefined ? errorCode(record.cause) : ''
}

/** Reads a transport error from undici. Returns undefined for programmer errors, which the caller rethrows. */
export function transportFailure (err: unknown): TransportFailure | undefined {
  const code = errorCode(err)
  if (['UND_ERR_INVALID_ARG', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED', 'UND_MOCK_ERR_MOCK_NOT_MATCHED'].includes(code)) {
    return undefined
  }
  const message = err instanceof Error ? err.message : String(err)
  return {
    reason: TIMEOUT_CODES.has(code) ? 'timeout' : 'connection',
    maybeProcessed: !NEVER_SENT_CODES.has(code),
    message: clip(`${code !== '' ? code + ': ' : ''}${message}`)
  }
}

function valueOf (parsed: ParsedBody): unknown {
  if (parsed.format === 'json' || parsed.format === 'xml') return parsed.value
  if (parsed.format === 'text') return parsed.text
  return null
}

/** A human-readable line for an error answer: Yii's `message`, an HTML page's title, or the status text. */
function describe (status: number, parsed: ParsedBody): string {
  const fallback = `HTTP ${status}${STATUS_CODES[status] !== undefined ? ' ' + STATUS_CODES[status] : ''}`
  if (parsed.format === 'json' || parsed.format === 'xml') {
    const value = parsed.value
    if (isRecord(value) && text(value.message) !== '') return clip(text(value.message))
    const errors = fieldErrors(value)
    if (errors.length > 0) return clip(errors.map((e) => e.message).join(' '))
    return fallback
  }
  if (parsed.format === 'text') {
    if (parsed.html) {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(parsed.text)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(parsed.text)?.[1]
      return clip(`${fallback} (HTML page${title !== undefined && title.trim() !== '' ? ': ' + title : ''})`)
    }
    return clip(`${fallback}: ${parsed.text}`)
  }
  return fallback
}

/** 422 bodies: a JSON array or XML <item> list of {field, message}; a lone Yii error object is tolerated. */
function fieldErrors (value: unknown): FieldError[] {
  const list = Array.isArray(value) ? value : isRecord(value) && 'field' in value ? [value] : []
  return list
    .filter(isRecord)
    .map((entry) => ({ field: text(entry.field), message: text(entry.message) }))
    .filter((entry) => entry.field !== '' || entry.message !== '')
}

function contactOf (value: unknown): Record<string, unknown> | undefined {
  // XML with the <item> wrapper normalises to a one-element list; plain Yii2 omits the wrapper.
  const candidate = Array.isArray(value) ? value[0] : value
  if (isRecord(candidate) && ('Id' in candidate || 'id' in candidate)) return candidate
  return undefined
}

function created (status: number, parsed: ParsedBody, base: OutcomeBase): CreatedOutcome {
  const value = valueOf(parsed)
  const outcome: CreatedOutcome = { kind: 'created', status, body: value, ...base }
  const contact = contactOf(value)
  const id = contact !== undefined ? text(contact.Id ?? contact.id) : ''
  if (/^\d+$/.test(id)) outcome.contactId = Number(id)
  if (isRecord(value) && text(value.message) !== '') outcome.message = text(value.message)
  return outcome
}

export function classifyAnswer (facts: AnswerFacts, base: OutcomeBase): UpstreamOutcome {
  const { status, parsed, bodyError } = facts
  if (status >= 200 && status < 300) {
    // A 201 means the upstream accepted the opt-in and sent the CTA SMS, whatever its body looks
    // like (cut off, HTML, garbage): retrying would text the visitor twice, so it counts as created.
    if (status === 201) return created(status, parsed, base)
    if (bodyError !== undefined) {
      return { kind: 'unavailable', reason: bodyError.reason, status, message: bodyError.message, maybeProcessed: true, ...base }
    }
    if (parsed.format === 'json' || parsed.format === 'xml') return created(status, parsed, base)
    return { kind: 'unavailable', reason: 'malformed', status, message: describe(status, parsed), maybeProcessed: true, ...base }
  }
  const message = describe(status, parsed)
  if (status === 422) {
    const errors = fieldErrors(valueOf(parsed))
    if (errors.length === 0 && parsed.format !== 'empty' && parsed.format !== 'text') {
      errors.push({ field: '', message })
    }
    const joined = errors.map((e) => e.message).filter((m) => m !== '').join(' ')
    return { kind: 'rejected', status, errors, message: joined !== '' ? clip(joined) : 'Data Validation Failed.', ...base }
  }
  if (status === 401 || status === 403) return { kind: 'unauthorized', status, message, ...base }
  if (status === 429) {
    // Never 0: an immediate retry would only restart the upstream's refill clock.
    const resetSeconds = Math.max(1, facts.resetSeconds ?? DEFAULT_RESET_SECONDS)
    return { kind: 'rate_limited', status, resetSeconds, message, ...base }
  }
  // 408 is the server giving up on a slow request: transient, unlike the other 4xx.
  if (status === 408) return { kind: 'unavailable', reason: 'timeout', status, message, maybeProcessed: true, ...base }
  if (status >= 500 && status < 600) {
    return { kind: 'unavailable', reason: 'server_error', status, message, maybeProcessed: true, ...base }
  }
  if (status >= 300 && status < 500) return { kind: 'misconfigured', status, message, ...base }
  return { kind: 'unavailable', reason: 'malformed', status, message, maybeProcessed: true, ...base }
}

export function classifyFailure (failure: TransportFailure, base: OutcomeBase): UpstreamOutcome {
  const reason: UnavailableReason = failure.reason
  return { kind: 'unavailable', reason, message: failure.message, maybeProcessed: failure.maybeProcessed, ...base }
}

/** True for the outcomes a queue should try again later (after backoff or the rate-limit reset). */
export function isRetryable (outcome: UpstreamOutcome): boolean {
  return outcome.kind === 'unavailable' || outcome.kind === 'rate_limited'
}
