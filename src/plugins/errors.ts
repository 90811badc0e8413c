// Every error and unknown path answered in the caller's format and language: clear 4xx text, 5xx details only in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Campaign } from '../campaigns/campaign.ts'
import { notFoundJson, notFoundPage } from '../routes/not-found.ts'
import { campaignChrome, isEmbed } from '../routes/embed-mode.ts'
import { language, type LanguageCode } from '../i18n/languages.ts'
import { anyLanguage } from '../i18n/negotiate.ts'
import type { Language } from '../i18n/types.ts'
import { isApiUrl } from '../http/api-url.ts'

// Fastify's own 4xx codes and ours, reworded for the person who will read them (src/i18n/<lang>.ts).
function clientMessage (t: Language, code: string): string {
  if (code === 'OPTLINE_CROSS_SITE') return t.signup.crossSite
  if (code === 'OPTLINE_RATE_LIMITED') return t.signup.tooManyAttempts
  return Object.hasOwn(t.errors.byCode, code) ? t.errors.byCode[code as keyof Language['errors']['byCode']] : t.errors.unknown
}

// ?lang=, then the form's hidden field, then Accept-Language: this answer may come before the campaign is known.
function languageOf (request: FastifyRequest): LanguageCode {
  return anyLanguage(request, [(request.query as { lang?: unknown } | undefined)?.lang, (request.body as { lang?: unknown } | undefined)?.lang])
}

const wantsJson = (request: FastifyRequest) => isApiUrl(request.url)

type Campaigns = { get (slug: string): Campaign | undefined }

/**
 * A campaign page's refusal (403, 415, 429, …) keeps the page's branding and, in a frame, embed mode: no page
 * chrome, the frame script that sends the height, and a way back to the form. Some come before the body is read
 * (429, 415), so embed mode is read from the form's action (`?embed=1`) as well as its hidden field.
 */
function campaignPage (request: FastifyRequest, campaigns: Campaigns | undefined, lang: LanguageCode) {
  const slug = (request.params as { campaign?: unknown } | undefined)?.campaign
  const campaign = typeof slug === 'string' && request.url.startsWith('/c/') ? campaigns?.get(slug) : undefined
  if (campaign === undefined) return {}
  const embed = isEmbed((request.query as { embed?: unknown } | undefined)?.embed) || isEmbed((request.body as { embed?: unknown } | undefined)?.embed)
  const query = [embed ? 'embed=1' : '', campaign.languages.length > 1 && campaign.languages.includes(lang) ? `lang=${lang}` : ''].filter(Boolean).join('&')
  return { ...campaignChrome(campaign, embed), formUrl: `/c/${campaign.slug}${query === '' ? '' : `?${query}`}` }
}

export default fp(async function errors (app: FastifyInstance, options: { campaigns?: Campaigns } = {}) {
  const answer = (request: FastifyRequest, reply: FastifyReply, status: number, field: string, wording: (t: Language) => string) =>
    answerIn(request, reply, status, field, wording, options.campaigns)

  app.setNotFoundHandler((request, reply) =>
    wantsJson(request) ? notFoundJson(reply, 'page') : notFoundPage(reply, 'page'))

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed')
      return answer(request, reply, 500, 'form', t => t.errors.server)
    }
    if (error.validation !== undefined) {
      // Schema failures are refusals like any other: one entry per field, in words.
      const errors = error.validation.map(v => ({
        field: fieldOf(v.instancePath, v.params),
        message: v.message === undefined ? 'is not valid' : `must ${v.message.replace(/^must /, '')}`
      }))
      // Ajv's wording is for the developer calling the API, and stays English.
      return wantsJson(request) ? reply.code(422).send({ errors }) : answer(request, reply, 400, 'form', t => t.errors.formUnreadable)
    }
    request.log.info({ code: error.code, status, clientIp: request.ip }, 'request refused')
    const field = status === 429 || status === 403 ? 'form' : 'request'
    return answer(request, reply, status, field, t => clientMessage(t, error.code))
  })
}, { name: 'errors' })

function fieldOf (instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.')
  const missing = params.missingProperty
  if (typeof missing === 'string') return path === '' ? missing : `${path}.${missing}`
  return path === '' ? 'body' : path
}

function answerIn (request: FastifyRequest, reply: FastifyReply, status: number, field: string, wording: (t: Language) => string, campaigns: Campaigns | undefined) {
  const lang = languageOf(request)
  const message = wording(language(lang))
  if (wantsJson(request)) return reply.code(status).header('content-language', lang).send({ errors: [{ field, message }] })
  const t = language(lang).errors
  const heading = status === 403 ? t.forbiddenHeading : status === 429 ? t.tooManyHeading : status >= 500 ? t.serverHeading : t.unreadableHeading
  return reply.page(status, 'error', { ...campaignPage(request, campaigns, lang), lang, title: t.title, heading, message })
}
