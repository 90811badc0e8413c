// The ProTexting v1 client: one pooled undici dispatcher, `optIn()` that never throws for upstream behaviour.

import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import { classifyAnswer, classifyFailure, transportFailure } from './classify.ts'
import type { OutcomeBase, TransportFailure } from './classify.ts'
import { logOutcome } from './log-outcome.ts'
import type { UpstreamLogger } from './log-outcome.ts'
import type { OptInRequest, ProtextingClient, UpstreamOutcome } from './types.ts'
import { parseBody } from './parse-body.ts'
import { parseRateLimit, parseRetryAfter } from './rate-limit-headers.ts'
import { scrubSecrets } from './redact.ts'
import { readCapped } from '../http/read-capped.ts'

export interface ProtextingClientOptions {
  /** e.g. `https://api2.protexting.com/v1`, with or without a trailing slash. */
  baseUrl: string
  accessToken: string
  logger: UpstreamLogger
  /** Replaces the client's own Pool (tests pass a MockAgent); the caller keeps ownership and closes it. */
  dispatcher?: Dispatcher
  /** Only applies to the client's own Pool. */
  connectTimeoutMs?: number
  headersTimeoutMs?: number
  bodyTimeoutMs?: number
  /** Size of the client's own Pool. */
  connections?: number
}

const OPT_IN_PATH = '/contacts-opt-in/create'
/** How long opening a connection to ProTexting may take, unless connectTimeoutMs says otherwise. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 5_000
// A contact object is ~400 bytes; anything far larger is an error page we only need the start of.
const MAX_BODY_BYTES = 64 * 1024

/** The exact body ProTexting documents, in its order, without undefined keys or anything extra. */
export function optInBody (request: OptInRequest): string {
  const body: Record<string, unknown> = { PhoneNumber: request.PhoneNumber, GroupIds: request.GroupIds }
  if (request.CTAMessage !== undefined) body.CTAMessage = request.CTAMessage
  if (request.ConfirmMessage !== undefined) body.ConfirmMessage = request.ConfirmMessage
  if (request.SendCTAMessage !== undefined) body.SendCTAMessage = request.SendCTAMessage
  return JSON.stringify(body)
}

function header (headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

export function createProtextingClient (options: ProtextingClientOptions): ProtextingClient {
  const { accessToken, logger } = options
  if (typeof accessToken !== 'string' || accessToken === '') throw new TypeError('accessToken is required')
  const base = new URL(options.baseUrl)
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('baseUrl must be http(s)')

  const target = new URL(base)
  target.pathname = base.pathname.replace(/\/+$/, '') + OPT_IN_PATH
  // The token can only travel as a query parameter (no Bearer header in v1): keep it out of every log.
  target.searchParams.set('access_token', accessToken)
  const origin = target.origin
  const path = target.pathname + target.search
  const secrets = [accessToken]
  const scrub = (text: string): string => scrubSecrets(text, secrets)

  const headersTimeout = options.headersTimeoutMs ?? 20_000
  const bodyTimeout = options.bodyTimeoutMs ?? 10_000
  const ownPool = options.dispatcher === undefined
    ? new Pool(origin, {
      connections: options.connections ?? 8,
      connectTimeout: options.connectTimeoutMs ?? UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeout,
      bodyTimeout,
      keepAliveTimeout: 10_000
    })
    : undefined
  const dispatcher: Dispatcher = options.dispatcher ?? (ownPool as Pool)

  async function send (request: OptInRequest, started: number): Promise<UpstreamOutcome> {
    const elapsed = (): number => Math.round(performance.now() - started)
    let response: Dispatcher.ResponseData
    try {
      response = await dispatcher.request({
        origin,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: optInBody(request),
        headersTimeout,
        bodyTimeout
      })
    } catch (err) {
      const failure = transportFailure(err)
      if (failure === undefined) {
        // A programmer error (closed client, bad argument, unmatched mock): rethrow without the token.
        throw new Error(`protexting client: ${scrub(err instanceof Error ? err.message : String(err))}`)
      }
      failure.message = scrub(failure.message)
      return classifyFailure(failure, { rateLimit: {}, latencyMs: elapsed() })
    }

    const { statusCode: status, headers } = response
    let raw = ''
    let bodyError: TransportFailure | undefined
    try {
      raw = await readCapped(response.body, MAX_BODY_BYTES)
    } catch (err) {
      bodyError = transportFailure(err) ?? { reason: 'connection', maybeProcessed: true, message: 'body read failed' }
      bodyError.message = scrub(bodyError.message)
    }
    const rateLimit = parseRateLimit(headers)
    const outcomeBase: OutcomeBase = { rateLimit, latencyMs: elapsed() }
    // Scrub before parsing, so nothing derived from the body (message, body, errors) can hold the token.
    const parsed = parseBody(header(headers, 'content-type'), scrub(raw))
    const facts = { status, parsed, resetSeconds: rateLimit.resetSeconds ?? parseRetryAfter(headers) }
    return classifyAnswer(bodyError !== undefined ? { ...facts, bodyError } : facts, outcomeBase)
  }

  return {
    async optIn (request, context) {
      const outcome = await send(request, performance.now())
      logOutcome(logger, outcome, { campaign: context.campaign, phoneNumber: request.PhoneNumber, groupIds: request.GroupIds })
      return outcome
    },
    async close () {
      if (ownPool !== undefined) await ownPool.close()
    }
  }
}
