// A local stand-in of Turnstile's or hCaptcha's siteverify endpoint, for tests: one good token, realistic refusals, canned failures.

import { isIP } from 'node:net'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify'
import { CAPTCHA_DEFAULTS, SPENT_TOKEN_CODE } from './captcha-defaults.ts'
import type { CaptchaProvider } from './captcha-defaults.ts'

export const STAND_IN_SECRET = 'stand-in-captcha-secret'
export const STAND_IN_GOOD_TOKEN = 'stand-in-good-token'

export interface CaptchaStandInOptions {
  /** Default 'turnstile'. Decides the path, the error codes and the shape of a success. */
  provider?: CaptchaProvider
  secret?: string
  /** The one token that passes. */
  goodToken?: string
  /** Like the real services, refuse a token verified before. Default false (like their test keys). */
  singleUse?: boolean
  /** hCaptcha only: a `sitekey` naming another key is answered with sitekey-secret-mismatch. */
  siteKey?: string
  /** Reported as the hostname the challenge was solved on. Default 'localhost'. */
  hostname?: string
  now?: () => number
  logger?: FastifyBaseLogger
}

/** A canned answer for the next `times` calls (default 1), given before any check. */
export interface CaptchaFailSpec {
  /** Without status, body or destroy the call is answered normally, after `delayMs` (a slow provider). */
  status?: number
  /** A string is sent as is (garbage, an HTML error page); anything else as JSON. */
  body?: unknown
  contentType?: string
  delayMs?: number
  /** Drop the connection without answering, after `delayMs`. */
  destroy?: boolean
  times?: number
}

export interface ReceivedVerify {
  contentType: string | undefined
  /** Never the secret itself, so a dump of the calls cannot leak it. */
  secret: 'valid' | 'invalid' | 'absent'
  response: string | undefined
  remoteip: string | undefined
  sitekey: string | undefined
  /** The status answered; 0 while pending or when the connection was dropped on purpose. */
  status: number
  time: number
}

export interface CaptchaStandIn {
  app: FastifyInstance
  readonly provider: CaptchaProvider
  readonly secret: string
  readonly goodToken: string
  /** Listens (127.0.0.1 and a random port by default) and returns the full siteverify URL. */
  listen (options?: { host?: string, port?: number }): Promise<string>
  close (): Promise<void>
  calls: ReceivedVerify[]
  failNext (spec: CaptchaFailSpec): void
  /** Forgets calls, canned answers and redeemed tokens. */
  reset (): void
}

type Fields = Record<string, unknown>

function field (fields: Fields, name: string): string | undefined {
  const value = fields[name]
  return typeof value === 'string' ? value : undefined
}

export function createCaptchaStandIn (options: CaptchaStandInOptions = {}): CaptchaStandIn {
  const provider = options.provider ?? 'turnstile'
  const secret = options.secret ?? STAND_IN_SECRET
  const goodToken = options.goodToken ?? STAND_IN_GOOD_TOKEN
  const now = options.now ?? Date.now
  const facts = CAPTCHA_DEFAULTS[provider]
  const path = new URL(facts.verifyUrl).pathname
  const calls: ReceivedVerify[] = []
  const canned: CaptchaFailSpec[] = []
  const redeemed = new Set<string>()
  const sleepers = new Set<() => void>()
  let closing = false

  const app = Fastify(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: false })
  // Both providers take form posts; Turnstile also takes JSON (Fastify's own parser).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  // Anything else reaches the handler as "no fields", to be answered like the real endpoint: bad-request.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => { done(null, undefined) })
  // Wake slow answers on close, so a test's teardown never waits for a canned delay.
  app.addHook('preClose', (done) => {
    closing = true
    for (const wake of [...sleepers]) wake()
    done()
  })

  function sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (closing) return resolve()
      const wake = (): void => {
        clearTimeout(timer)
        sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      sleepers.add(wake)
    })
  }

  function failure (codes: string[]): Record<string, unknown> {
    return provider === 'turnstile' ? { success: false, 'error-codes': codes, messages: [] } : { success: false, 'error-codes': codes }
  }

  function success (): Record<string, unknown> {
    const solved = { challenge_ts: new Date(now()).toISOString(), hostname: options.hostname ?? 'localhost' }
    return provider === 'turnstile'
      ? { success: true, 'error-codes': [], ...solved, action: '', cdata: '', metadata: { interactive: false } }
      : { success: true, ...solved, credit: false }
  }

  /** The checks, in the order the services appear to make them: request, secret, token, extras, single use. */
  function judge (fields: Fields | undefined, call: ReceivedVerify): { status: number, body: Record<string, unknown> } {
    if (fields === undefined) return { status: 400, body: failure(['bad-request']) }
    if (call.secret === 'absent') return { status: 200, body: failure(['missing-input-secret']) }
    if (call.secret === 'invalid') return { status: 200, body: failure(['invalid-input-secret']) }
    const token = call.response
    if (token === undefined || token === '') return { status: 200, body: failure(['missing-input-response']) }
    if (token.length > facts.maxTokenLength || token !== goodToken) return { status: 200, body: failure(['invalid-input-response']) }
    if (provider === 'hcaptcha') {
      // Turnstile documents remoteip as "not strictly validated"; hCaptcha checks its form.
      if (call.remoteip !== undefined && isIP(call.remoteip) === 0) return { status: 200, body: failure(['invalid-remoteip']) }
      if (call.sitekey !== undefined && options.siteKey !== undefined && call.sitekey !== options.siteKey) {
        return { status: 200, body: failure(['sitekey-secret-mismatch']) }
      }
    }
    if (options.singleUse === true) {
      if (redeemed.has(token)) return { status: 200, body: failure([SPENT_TOKEN_CODE[provider]]) }
      redeemed.add(token)
    }
    return { status: 200, body: success() }
  }

  async function answerCanned (spec: CaptchaFailSpec, reply: FastifyReply, call: ReceivedVerify): Promise<boolean> {
    if (spec.delayMs !== undefined) await sleep(spec.delayMs)
    if (spec.destroy === true) {
      reply.hijack()
      reply.raw.destroy()
      return true
    }
    if (spec.status === undefined && spec.body === undefined) return false
    const status = spec.status ?? 200
    const isText = typeof spec.body === 'string'
    call.status = status
    await reply.code(status)
      .type(spec.contentType ?? (isText ? 'text/html; charset=utf-8' : 'application/json'))
      .send(isText ? spec.body : JSON.stringify(spec.body ?? {}))
    return true
  }

  app.post(path, async (request, reply) => {
    const raw = request.body
    const fields = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw as Fields : undefined
    const given = fields === undefined ? undefined : field(fields, 'secret')
    const call: ReceivedVerify = {
      contentType: request.headers['content-type'],
      secret: given === undefined || given === '' ? 'absent' : given === secret ? 'valid' : 'invalid',
      response: fields === undefined ? undefined : field(fields, 'response'),
      remoteip: fields === undefined ? undefined : field(fields, 'remoteip'),
      sitekey: fields === undefined ? undefined : field(fields, 'sitekey'),
      status: 0,
      time: now()
    }
    calls.push(call)

    const spec = canned[0]
    if (spec !== undefined) {
      if ((spec.times ?? 1) <= 1) canned.shift()
      else spec.times = (spec.times ?? 1) - 1
      if (await answerCanned(spec, reply, call)) return reply
    }
    const { status, body } = judge(fields, call)
    call.status = status
    return reply.code(status).send(body)
  })
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: path,
    handler: async (_request, reply) => reply.code(405).header('allow', 'POST').send(failure(['bad-request']))
  })

  return {
    app,
    provider,
    secret,
    goodToken,
    calls,
    async listen (listenOptions = {}) {
      const address = await app.listen({ host: listenOptions.host ?? '127.0.0.1', port: listenOptions.port ?? 0 })
      return `${address}${path}`
    },
    async close () {
      await app.close()
    },
    failNext (spec) {
      canned.push({ ...spec })
    },
    reset () {
      calls.length = 0
      canned.length = 0
      redeemed.clear()
    }
  }
}
