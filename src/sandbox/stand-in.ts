// A local ProTexting v1 stand-in (sandbox mode and tests): Yii2's check order, bucket, JSON/XML answers.

import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { redactUrl } from '../upstream/redact.ts'
import { createLeakyBucket } from './leaky-bucket.ts'
import { createContactBook, validateOptIn } from './opt-in-action.ts'
import { CONTENT_TYPES, YII_HEADERS, negotiate, serialize, yiiError } from './yii-format.ts'
import type { ReplyFormat } from './yii-format.ts'

/** The token the server uses against its own stand-in when no real token is configured. */
export const SANDBOX_TOKEN = 'sandbox-token'
const OPT_IN_PATH = '/v1/contacts-opt-in/create'
const ALLOW = 'POST, OPTIONS'

export interface StandInOptions {
  accessToken?: string
  limit?: number
  windowSeconds?: number
  /** Milliseconds; drives the bucket and the contact dates. */
  now?: () => number
  logger?: FastifyBaseLogger
  /** ProTexting's docs wrap a single XML object in <item>; plain Yii2 would not. Default true. */
  xmlItemWrapper?: boolean
  /** How many received calls `calls` keeps (the oldest go first), so a long sandbox run stays small. Default 1000. */
  keepCalls?: number
}

export interface ReceivedCall {
  method: string
  path: string
  /** Path and query with the access_token value replaced by [REDACTED]. */
  url: string
  token: 'valid' | 'invalid' | 'absent'
  headers: Record<string, string | string[] | undefined>
  rawBody: string
  /** The raw body parsed as JSON when it parses, whatever the Content-Type said. */
  body: unknown
  time: number
  /** The status answered; 0 while pending, and when the connection was dropped on purpose. */
  status: number
}

/** A canned answer for the next `times` calls (default 1), taken before any check. */
export interface FailSpec {
  /** Without a status the call is answered normally, after `delayMs`. */
  status?: number
  /** A string is sent as is; anything else is serialised (JSON unless the caller asked for XML). */
  body?: unknown
  contentType?: string
  headers?: Record<string, string>
  delayMs?: number
  /** X-Rate-Limit-Reset to send; a 429 also gets X-Rate-Limit-Limit and X-Rate-Limit-Remaining: 0. */
  resetSeconds?: number
  /** Drop the connection without answering (a reset), after `delayMs`. */
  destroy?: boolean
  times?: number
}

export interface StandIn {
  app: FastifyInstance
  readonly accessToken: string
  /** Listens (127.0.0.1, random port by default) and returns the base URL, `/v1` included. */
  listen (options?: { host?: string, port?: number }): Promise<string>
  close (): Promise<void>
  calls: ReceivedCall[]
  failNext (spec: FailSpec): void
  /** Forgets calls, canned answers, buckets and contacts. */
  reset (): void
}

interface Answer {
  status: number
  data: unknown
  headers?: Record<string, string>
}

function first (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function tryJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function rateHeaders (limit: number, remaining: number, reset: number | string): Record<string, string> {
  return {
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(reset)
  }
}

export function createStandIn (options: StandInOptions = {}): StandIn {
  const accessToken = options.accessToken ?? SANDBOX_TOKEN
  const limit = options.limit ?? 60
  const windowSeconds = options.windowSeconds ?? 60
  const now = options.now ?? Date.now
  const keepCalls = options.keepCalls ?? 1000
  const wrapItem = options.xmlItemWrapper ?? true
  const bucket = createLeakyBucket({ limit, windowSeconds, now })
  const contacts = createContactBook()
  const calls: ReceivedCall[] = []
  const canned: FailSpec[] = []
  const sleepers = new Set<() => void>()
  const recorded = new WeakMap<FastifyRequest, ReceivedCall>()
  let closing = false

  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's own request log would print the URL, token included.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true
  })
  // Yii2 reads the body only inside the action, after auth and the rate limit: take it raw.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })

  function sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      sleepers.add(wake)
    })
  }

  function record (request: FastifyRequest): ReceivedCall {
    const known = recorded.get(request)
    if (known !== undefined) return known
    const url = new URL(request.url, 'http://stand-in')
    const token = url.searchParams.get('access_token')
    const rawBody = typeof request.body === 'string' ? request.body : ''
    const call: ReceivedCall = {
      method: request.method,
      path: url.pathname,
      url: redactUrl(request.url),
      token: token === null ? 'absent' : token === accessToken ? 'valid' : 'invalid',
      headers: { ...request.headers },
      rawBody,
      body: tryJson(rawBody),
      time: now(),
      status: 0
    }
    calls.push(call)
    if (calls.length > keepCalls) calls.splice(0, calls.length - keepCalls)
    recorded.set(request, call)
    return call
  }

  function send (request: FastifyRequest, reply: FastifyReply, format: ReplyFormat, answer: Answer): FastifyReply {
    const call = record(request)
    call.status = answer.status
    app.log.info({ method: call.method, url: call.url, status: answer.status }, 'protexting stand-in call')
    const payload = answer.status === 204 || answer.data === undefined
      ? ''
      : typeof answer.data === 'string' ? answer.data : serialize(format, answer.data)
    return reply.code(answer.status).headers({ ...YII_HEADERS, 'content-type': CONTENT_TYPES[format], ...answer.headers }).send(payload)
  }

  function drop (request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack()
    request.raw.socket.destroy()
  }

  function cannedAnswer (spec: FailSpec, format: ReplyFormat): Answer {
    const status = spec.status ?? 500
    const headers: Record<string, string> = {}
    if (status === 429) Object.assign(headers, rateHeaders(limit, 0, spec.resetSeconds ?? windowSeconds))
    else if (spec.resetSeconds !== undefined) headers['x-rate-limit-reset'] = String(spec.resetSeconds)
    if (spec.contentType !== undefined) headers['content-type'] = spec.contentType
    Object.assign(headers, spec.headers)
    const data = spec.body !== undefined ? spec.body : status >= 400 ? yiiError(status, 'Canned failure.') : ''
    return { status, data, headers }
  }

  /** The Yii2 order: content negotiation → verb → authentication → rate limit → action. */
  function pipeline (request: FastifyRequest, format: ReplyFormat | undefined): [ReplyFormat, Answer] {
    const url = new URL(request.url, 'http://stand-in')
    if (url.pathname !== OPT_IN_PATH) return [format ?? 'json', { status: 404, data: yiiError(404, 'Page not found.') }]
    if (format === undefined) {
      return ['json', { status: 415, data: yiiError(415, 'None of your requested content types is supported.') }]
    }
    if (request.method === 'OPTIONS') return [format, { status: 200, data: undefined, headers: { allow: ALLOW } }]
    if (request.method !== 'POST') {
      const message = `Method Not Allowed. This URL can only handle the following request methods: ${ALLOW}.`
      return [format, { status: 405, data: yiiError(405, message), headers: { allow: ALLOW } }]
    }
    const token = url.searchParams.get('access_token')
    if (token !== accessToken) {
      // Authentication fails before the rate limiter runs: no X-Rate-Limit-* headers, no quota spent.
      return [format, { status: 401, data: yiiError(401, 'Your request was made with invalid credentials.') }]
    }
    const verdict = bucket.take(token)
    const headers = rateHeaders(verdict.limit, verdict.remaining, verdict.resetSeconds)
    if (!verdict.allowed) return [format, { status: 429, data: yiiError(429, 'Rate limit exceeded.'), headers }]

    // Yii2 only parses bodies whose Content-Type has a parser (JSON): a form post reads as empty.
    let params: unknown = {}
    const type = first(request.headers['content-type'])?.split(';')[0]?.trim().toLowerCase()
    const raw = typeof request.body === 'string' ? request.body : ''
    if (type === 'application/json' && raw.trim() !== '') {
      params = tryJson(raw)
      if (params === undefined) {
        return [format, { status: 400, data: yiiError(400, 'Invalid JSON data in request body: Syntax error.'), headers }]
      }
    }
    const record = params !== null && typeof params === 'object' && !Array.isArray(params)
      ? params as Record<string, unknown>
      : {}
    const result = validateOptIn(record)
    if (Array.isArray(result)) return [format, { status: 422, data: result, headers }]
    const contact = contacts.optIn(result, now())
    return [format, { status: 201, data: format === 'xml' && wrapItem ? [contact] : contact, headers }]
  }

  async function handle (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    record(request)
    const format = negotiate(first(request.headers.accept))
    const spec = canned.shift()
    if (spec?.delayMs !== undefined) await sleep(spec.delayMs)
    if (closing || spec?.destroy === true) {
      drop(request, reply)
      return
    }
    if (spec?.status !== undefined) {
      const replyFormat = format ?? 'json'
      return send(request, reply, replyFormat, cannedAnswer(spec, replyFormat))
    }
    const [replyFormat, answer] = pipeline(request, format)
    return send(request, reply, replyFormat, answer)
  }

  app.all('/*', handle)
  app.setNotFoundHandler(handle)
  app.setErrorHandler((err: { statusCode?: number, message?: string }, request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
    const message = status >= 500 ? 'An internal server error occurred.' : err.message ?? 'Error'
    return send(request, reply, negotiate(first(request.headers.accept)) ?? 'json', { status, data: yiiError(status, message) })
  })

  return {
    app,
    accessToken,
    calls,
    async listen (listenOptions = {}) {
      const host = listenOptions.host ?? '127.0.0.1'
      await app.listen({ host, port: listenOptions.port ?? 0 })
      const address = app.server.address()
      if (address === null || typeof address === 'string') throw new Error('stand-in: no TCP address')
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
      return `http://${shown}:${address.port}/v1`
    },
    async close () {
      closing = true
      for (const wake of [...sleepers]) wake()
      await app.close()
    },
    failNext (spec) {
      const times = spec.times ?? 1
      for (let i = 0; i < times; i++) canned.push(spec)
    },
    reset () {
      calls.length = 0
      canned.length = 0
      bucket.reset()
      contacts.reset()
    }
  }
}
