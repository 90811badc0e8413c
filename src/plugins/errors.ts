// Every error and unknown path answered in the caller's format: clear 4xx text, 5xx details only in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { notFoundJson, notFoundPage } from '../routes/not-found.ts'

// Fastify's own 4xx codes, reworded for the person who will read them.
const CLIENT_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This address does not accept that content type.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request is too large.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty: send a JSON object.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  OPTLINE_CROSS_SITE: 'This form can only be sent from its own page.',
  OPTLINE_RATE_LIMITED: 'Too many attempts from your connection. Please wait a minute, then try again.'
}

const HEADINGS: Record<number, string> = { 403: 'Please use the signup page', 429: 'Please wait a minute' }

const wantsJson = (request: FastifyRequest) => request.url.startsWith('/api/')

export default fp(async function errors (app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) =>
    wantsJson(request) ? notFoundJson(reply, 'page') : notFoundPage(reply, 'page'))

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed')
      return answer(request, reply, 500, 'form', 'Something went wrong on our side. Please try again in a moment.')
    }
    if (error.validation !== undefined) {
      // Schema failures are refusals like any other: one entry per field, in words.
      const errors = error.validation.map(v => ({
        field: fieldOf(v.instancePath, v.params),
        message: v.message === undefined ? 'is not valid' : `must ${v.message.replace(/^must /, '')}`
      }))
      return wantsJson(request) ? reply.code(422).send({ errors }) : answer(request, reply, 400, 'form', 'The form could not be read. Please try again.')
    }
    request.log.info({ code: error.code, status, clientIp: request.ip }, 'request refused')
    const field = status === 429 || status === 403 ? 'form' : 'request'
    return answer(request, reply, status, field, CLIENT_MESSAGES[error.code] ?? 'The request could not be understood.')
  })
}, { name: 'errors' })

function fieldOf (instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.')
  const missing = params.missingProperty
  if (typeof missing === 'string') return path === '' ? missing : `${path}.${missing}`
  return path === '' ? 'body' : path
}

function answer (request: FastifyRequest, reply: FastifyReply, status: number, field: string, message: string) {
  if (wantsJson(request)) return reply.code(status).send({ errors: [{ field, message }] })
  return reply.page(status, 'error', { title: 'Sorry', heading: HEADINGS[status] ?? (status >= 500 ? 'Sorry, something went wrong' : 'Sorry, we could not read that'), message })
}
