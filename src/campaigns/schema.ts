// The campaigns file's schema: one TypeBox definition gives both validation and the TypeScript type.
import { Type, type Static } from 'typebox'
import { BrandingSchema } from '../branding/schema.ts'
import { LANGUAGE_CODES, type LanguageCode } from '../i18n/languages.ts'

// `errorMessage` is our own annotation: the loader shows it instead of Ajv-style wording,
// so an operator reads "must be a positive integer" rather than "must be >= 1".
const httpUrl = (what: string) => Type.String({
  pattern: '^https?://[^\\s/$.?#][^\\s]*$',
  maxLength: 2000,
  errorMessage: `must be the full http(s):// address of ${what}`
})
const text = (maxLength: number) => Type.String({
  minLength: 1,
  maxLength,
  errorMessage: `must be text of 1 to ${maxLength} characters`
})
const countryCode = Type.String({
  pattern: '^[A-Z]{2}$',
  errorMessage: 'must be a two-letter ISO country code in capitals, e.g. US'
})

// Abuse defences: every one on by default; a trusted kiosk or a load test may relax them per campaign.
const ProtectionSchema = Type.Object({
  perIpPerMinute: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 10, errorMessage: 'must be a whole number of submissions (0 turns the limit off)' })),
  prefixVelocity: Type.Optional(Type.Object({
    max: Type.Integer({ minimum: 0, maximum: 10_000, errorMessage: 'must be a whole number of signups (0 turns the check off)' }),
    windowMinutes: Type.Number({ minimum: 1, maximum: 7 * 24 * 60, errorMessage: 'must be minutes, from 1 to 10080' })
  }, { additionalProperties: false, default: { max: 5, windowMinutes: 10 } })),
  honeypot: Type.Optional(Type.Boolean({ default: true, errorMessage: 'must be true or false' })),
  formToken: Type.Optional(Type.Boolean({ default: true, errorMessage: 'must be true or false' })),
  minSubmitSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 120, default: 3, errorMessage: 'must be seconds, from 0 to 120' })),
  captcha: Type.Optional(Type.Object({
    provider: Type.Enum(['turnstile', 'hcaptcha'], { errorMessage: 'must be turnstile or hcaptcha' }),
    siteKey: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', errorMessage: 'must be the public site key from the provider' })
  }, { additionalProperties: false }))
}, { additionalProperties: false, default: {} })

export type ProtectionConfig = Static<typeof ProtectionSchema>

// The languages optline has a file for (src/i18n/); a campaign offers some of them.
const languageCode = Type.Enum([...LANGUAGE_CODES] as LanguageCode[], {
  errorMessage: `must be a language optline has: ${LANGUAGE_CODES.join(', ')}`
})

// A language's page texts, each defaulting to that language's default: the campaign's own language sets them at
// the top level, every other language in its translation. One list, so both take the same texts and limits.
const PAGE_TEXTS = {
  frequency: Type.Optional(text(80)),
  title: Type.Optional(text(120)),
  headline: Type.Optional(text(120)),
  intro: Type.Optional(text(600)),
  consentText: Type.Optional(text(400)),
  disclosure: Type.Optional(text(1200)),
  buttonText: Type.Optional(text(40)),
  successTitle: Type.Optional(text(120)),
  successText: Type.Optional(text(600))
}

// A language other than the campaign's own: its page texts and its SMS, which the loader requires, since a
// visitor who signed up in it gets its messages.
const TranslationSchema = Type.Object({
  ctaMessage: Type.Optional(text(1000)),
  confirmMessage: Type.Optional(text(1000)),
  ...PAGE_TEXTS
}, { additionalProperties: false, errorMessage: 'must be that language\'s texts (ctaMessage, confirmMessage, headline, …)' })

export const CampaignSchema = Type.Object({
  name: text(60),
  groupIds: Type.Array(Type.Integer({ minimum: 1, errorMessage: 'must be a positive integer' }), {
    minItems: 1,
    maxItems: 100,
    errorMessage: 'must be a list of 1 to 100 ProTexting group ids'
  }),
  country: countryCode,
  allowedCountries: Type.Optional(Type.Array(countryCode, {
    minItems: 1,
    uniqueItems: true,
    errorMessage: 'must be a list of distinct two-letter country codes'
  })),
  ctaMessage: text(1000),
  confirmMessage: text(1000),
  sendCtaMessage: Type.Optional(Type.Enum(['auto', 'always'], {
    default: 'auto',
    errorMessage: 'must be auto (CTA only when not opted in yet) or always'
  })),
  termsUrl: httpUrl('the SMS terms'),
  privacyUrl: httpUrl('the privacy policy'),
  ...PAGE_TEXTS,
  marketing: Type.Optional(Type.Boolean({ default: true, errorMessage: 'must be true or false' })),
  successRedirectUrl: Type.Optional(httpUrl('the page to send visitors to after signing up')),
  language: Type.Optional(languageCode),
  languages: Type.Optional(Type.Array(languageCode, {
    minItems: 1,
    uniqueItems: true,
    errorMessage: 'must be a list of distinct language codes, e.g. [en, es]'
  })),
  translations: Type.Optional(Type.Record(Type.String(), TranslationSchema, {
    errorMessage: 'must map language codes (es) to that language\'s texts'
  })),
  embedOrigins: Type.Optional(Type.Array(Type.String({
    pattern: '^https?://[a-z0-9.-]+(:[0-9]{1,5})?$',
    errorMessage: 'must be an origin: scheme and host (and port), no path, e.g. https://shop.example.com'
  }), { uniqueItems: true, maxItems: 50, errorMessage: 'must be a list of distinct origins' })),
  protection: Type.Optional(ProtectionSchema),
  branding: Type.Optional(BrandingSchema),
  duplicateWindowHours: Type.Optional(Type.Number({
    minimum: 0,
    maximum: 24 * 365,
    default: 24,
    errorMessage: 'must be a number of hours from 0 (off) to 8760'
  })),
  allowNoncompliantMessages: Type.Optional(Type.Boolean({
    default: false,
    errorMessage: 'must be true or false'
  }))
}, { additionalProperties: false })

export type CampaignConfig = Static<typeof CampaignSchema>

export const CampaignsFileSchema = Type.Object({
  campaigns: Type.Record(Type.String(), Type.Unknown(), {
    errorMessage: 'must map campaign slugs to campaign settings'
  })
}, { additionalProperties: false })

/** Slugs appear in URLs (/c/<slug>): lower-case letters, digits and dashes only. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
