// The helpful 404: an unknown campaign or page says what went wrong, in HTML or JSON as asked, in the visitor's language.
import type { FastifyReply } from 'fastify'
import { language } from '../i18n/languages.ts'
import { anyLanguage } from '../i18n/negotiate.ts'

type What = 'campaign' | 'page'

// No campaign to ask which languages it offers: ?lang= or the browser's, among every language optline has.
function languageOf (reply: FastifyReply) {
  return anyLanguage(reply.request, [(reply.request.query as { lang?: unknown } | undefined)?.lang])
}

export function notFoundPage (reply: FastifyReply, what: What) {
  const lang = languageOf(reply)
  const text = language(lang).notFound[what]
  return reply.page(404, 'not-found', { lang, title: text.heading, ...text })
}

export function notFoundJson (reply: FastifyReply, what: What) {
  const lang = languageOf(reply)
  const text = language(lang).notFound[what]
  return reply.code(404).header('content-language', lang)
    .send({ errors: [{ field: what === 'campaign' ? 'campaign' : 'path', message: `${text.heading}. ${text.message}` }] })
}
