// Which language a visitor gets: an explicit choice (?lang=, the form's hidden field, the API's `lang`), then the
// browser's Accept-Language, then the fallback (the campaign's own language); only ever one that is offered.
import type { FastifyRequest } from 'fastify'
import { DEFAULT_LANGUAGE, LANGUAGE_CODES, type LanguageCode } from './languages.ts'

/** The offered language an explicit value names: `es`, `ES` or `es-MX` → `es`; anything else → undefined. */
export function offeredLanguage (value: unknown, offered: readonly LanguageCode[]): LanguageCode | undefined {
  if (typeof value !== 'string' || value.length > 35) return undefined
  const tag = value.trim().toLowerCase()
  const primary = tag.split('-')[0]
  return offered.find(code => code.toLowerCase() === tag) ?? offered.find(code => code.toLowerCase() === primary)
}

/**
 * Explicit choices first, in the order given; unoffered ones are ignored, not refused (a shared link with
 * ?lang=fr still works). Accept-Language is weighed by the header's q-values (@fastify/accepts).
 */
export function chooseLanguage (request: FastifyRequest, offered: readonly LanguageCode[], fallback: LanguageCode, explicit: unknown[] = []): LanguageCode {
  if (offered.length < 2) return offered[0] ?? fallback
  for (const value of explicit) {
    const chosen = offeredLanguage(value, offered)
    if (chosen !== undefined) return chosen
  }
  if (request.headers['accept-language'] === undefined) return fallback
  // The fallback first: a wildcard (*) picks the first language offered.
  const best = request.language([fallback, ...offered.filter(code => code !== fallback)])
  return offeredLanguage(best, offered) ?? fallback
}

/** For pages outside any campaign (404s, errors): every language optline has, English when nothing matches. */
export function anyLanguage (request: FastifyRequest, explicit: unknown[] = []): LanguageCode {
  return chooseLanguage(request, LANGUAGE_CODES, DEFAULT_LANGUAGE, explicit)
}
