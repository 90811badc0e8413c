// Server-side CAPTCHA verification (Cloudflare Turnstile, hCaptcha) over undici: never throws, never reveals the secret.

import { isIP } from 'node:net'
import type { BaseLogger } from 'pino'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import { CAPTCHA_DEFAULTS, OPERATOR_ERROR_CODES, TRANSIENT_ERROR_CODES } from './captcha-defaults.ts'
import type { CaptchaProvider } from './captcha-defaults.ts'
import { readCapped } from '../http/read-capped.ts'

export { CAPTCHA_DEFAULTS } from './captcha-defaults.ts'
export type { CaptchaProvider, CaptchaProviderFacts } from './captcha-defaults.ts'

/** The slice of a pino (or Fastify) logger the verifier uses: it only speaks up when it could not get a verdict. */
export type CaptchaLogger = Pick<BaseLogger, 'warn' | 'error'>

export interface CaptchaVerifierOptions {
  provider: CaptchaProvider
  secret: string
  /** Default: the provider's siteverify URL (tests point it at the stand-in). */
  verifyUrl?: string
  /** Replaces the verifier's own Pool (tests pass a MockAgent); the caller keeps ownership and closes it. */
  dispatcher?: Dispatcher
  /** Deadline for the whole call: connect, headers and body. Default 5000 ms. */
  timeoutMs?: number
  logger?: CaptchaLogger
}

/**
 * `missing`: no token was submitted. `rejected`: the provider (or our bounds) said the token is not valid.
 * `unavailable`: no verdict: siteverify was down, slow, garbled, or refused our secret.
 * Recommended policy for `unavailable`: fail closed (refuse the signup). A CAPTCHA exists for the moments
 * someone is pumping the form, and an attacker who can make verification fail (or rides a provider outage)
 * must not thereby skip it; each wrongly let-through signup costs an SMS, a wrongly refused one costs a retry.
 */
export type CaptchaCheck = { ok: true } | { ok: false, reason: 'missing' | 'rejected' | 'unavailable', errorCodes: string[] }

export interface CaptchaVerifier {
  /** `siteKey` is sent to hCaptcha so a token solved for another of the account's site keys is refused. */
  verify (token: unknown, remoteIp: string | undefined, options?: { siteKey?: string }): Promise<CaptchaCheck>
  close (): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 5_000
// siteverify answers ~200 bytes of JSON; anything far larger is an error page we only need the start of.
const MAX_BODY_BYTES = 16 * 1024
const MAX_ERROR_CODES = 10
const MAX_ERROR_CODE_LENGTH = 64
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

// Our own codes for "no verdict", prefixed so they never read as the provider's.
export const UNAVAILABLE_CODES = Object.freeze({
  timeout: 'siteverify-timeout',
  unreachable: 'siteverify-unreachable',
  badResponse: 'siteverify-bad-response',
  httpStatus: (status: number) => `siteverify-http-${status}`
})

interface Verdict { success: boolean, codes: string[] }

function parseVerdict (raw: string): Verdict | undefined {
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
  const { success, 'error-codes': codes } = data as Record<string, unknown>
  // Only a real boolean counts: "true", 1 or a missing field from a confused proxy must never pass a bot.
  if (typeof success !== 'boolean') return undefined
  const list = Array.isArray(codes) ? codes.filter((code): code is string => typeof code === 'string') : []
  return { success, codes: list.slice(0, MAX_ERROR_CODES) }
}

function errorFacts (err: unknown): { name: string, code: string | undefined, message: string } {
  if (!(err instanceof Error)) return { name: 'Error', code: undefined, message: String(err) }
  const code = (err as { code?: unknown }).code
  return { name: err.name, code: typeof code === 'string' ? code : undefined, message: err.message }
}

export function createCaptchaVerifier (options: CaptchaVerifierOptions): CaptchaVerifier {
  const { provider, secret, logger } = options
  if (!Object.hasOwn(CAPTCHA_DEFAULTS, provider)) throw new TypeError('captcha provider must be turnstile or hcaptcha')
  // The message never quotes the value: a wrong variable may hold some other secret.
  if (typeof secret !== 'string' || secret.trim() === '') throw new TypeError('captcha secret is required')
  const facts = CAPTCHA_DEFAULTS[provider]
  const target = new URL(options.verifyUrl ?? facts.verifyUrl)
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError('captcha verifyUrl must be http(s)')
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('captcha timeoutMs must be a positive number')

  const origin = target.origin
  const path = target.pathname + target.search
  const ownPool = options.dispatcher === undefined
    ? new Pool(origin, { connections: 16, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 })
    : undefined
  const dispatcher: Dispatcher = options.dispatcher ?? (ownPool as Pool)
  let closed = false

  // Provider codes are echoed text from elsewhere: drop anything that holds the secret, raw or encoded.
  const secretForms = [...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])]
  const scrub = (text: string): string => secretForms.reduce((out, form) => out.split(form).join('[REDACTED]'), text)

  function unavailable (codes: string[], level: 'warn' | 'error', details: Record<string, unknown>, message: string): CaptchaCheck {
    logger?.[level]({ captcha: provider, outcome: 'unavailable', errorCodes: codes, ...details }, message)
    return { ok: false, reason: 'unavailable', errorCodes: codes }
  }

  async function call (form: URLSearchParams, started: number): Promise<CaptchaCheck> {
    const latency = (): number => Math.round(performance.now() - started)
    let status: number
    let raw: string
    try {
      // The signal bounds the whole exchange; undici's own timers are coarse (about a second) and per phase.
      const response = await dispatcher.request({
        origin,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs)
      })
      status = response.statusCode
      raw = await readCapped(response.body, MAX_BODY_BYTES)
    } catch (err) {
      const { name, code, message } = errorFacts(err)
      const timedOut = name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))
      const codes = [timedOut ? UNAVAILABLE_CODES.timeout : UNAVAILABLE_CODES.unreachable]
      return unavailable(codes, 'warn', { code, error: scrub(message), latencyMs: latency() }, 'captcha siteverify failed')
    }

    const verdict = parseVerdict(raw)
    const details = { status, latencyMs: latency() }
    if (status >= 500 || verdict === undefined) {
      const codes = [verdict === undefined && status < 300 ? UNAVAILABLE_CODES.badResponse : UNAVAILABLE_CODES.httpStatus(status)]
      return unavailable(codes, 'warn', details, 'captcha siteverify gave no verdict')
    }
    // Scrubbed before trimmed, so a cut can never leave part of the secret behind.
    const codes = verdict.codes.map((code) => scrub(code).slice(0, MAX_ERROR_CODE_LENGTH))
    if (verdict.success && status >= 200 && status < 300) return { ok: true }
    if (verdict.success) return unavailable([UNAVAILABLE_CODES.httpStatus(status)], 'warn', details, 'captcha siteverify gave no verdict')
    if (codes.some((code) => OPERATOR_ERROR_CODES.has(code))) {
      // Every visitor would fail the same way until the operator fixes the secret or site key.
      return unavailable(codes, 'error', details, 'captcha siteverify refused our configuration')
    }
    if (codes.some((code) => TRANSIENT_ERROR_CODES.has(code))) return unavailable(codes, 'warn', details, 'captcha siteverify had an internal error')
    return { ok: false, reason: 'rejected', errorCodes: codes }
  }

  return {
    async verify (token, remoteIp, verifyOptions) {
      if (token === undefined || token === null || token === '') return { ok: false, reason: 'missing', errorCodes: ['missing-input-response'] }
      // Not worth a round trip: the provider would refuse these too, and the bound keeps the outbound body small.
      if (typeof token !== 'string' || token.length > facts.maxTokenLength) return { ok: false, reason: 'rejected', errorCodes: ['invalid-input-response'] }
      const form = new URLSearchParams({ secret, response: token })
      // Only a well-formed address: hCaptcha answers a bad one with invalid-remoteip, which would fail the visitor.
      if (typeof remoteIp === 'string' && isIP(remoteIp) !== 0) form.set('remoteip', remoteIp)
      const siteKey = verifyOptions?.siteKey
      if (provider === 'hcaptcha' && typeof siteKey === 'string' && siteKey !== '' && siteKey.length <= 200) form.set('sitekey', siteKey)
      try {
        return await call(form, performance.now())
      } catch (err) {
        // Unreachable by design; a signup must never 500 because of the CAPTCHA.
        return unavailable([UNAVAILABLE_CODES.unreachable], 'error', { error: scrub(errorFacts(err).message) }, 'captcha verification crashed')
      }
    },
    async close () {
      if (closed) return
      closed = true
      if (ownPool !== undefined) await ownPool.close()
    }
  }
}
