// A campaign as the rest of the app uses it: defaults applied, templates rendered, disclosure versioned.
import type { CountryCode } from 'libphonenumber-js'
import type { CampaignConfig } from './schema.ts'
import { resolveLocales, type CampaignLocale } from './campaign-locale.ts'
import type { LanguageCode } from '../i18n/languages.ts'
import type { Branding } from '../branding/branding.ts'

export interface CampaignPage {
  title: string
  headline: string
  intro: string
  consentText: string
  disclosure: string
  buttonText: string
  successTitle: string
  successText: string
}

/** The abuse defences in force for a campaign (see docs/security.md). */
export interface Protection {
  /** Submissions per client IP per minute, form and API together; 0 = no limit. */
  perIpPerMinute: number
  /** More than `max` signups whose numbers differ only in the last 4 digits within the window are held. */
  prefixVelocity: { max: number, windowMs: number } | undefined
  honeypot: boolean
  /** Require the signed form token from a page render (or the token endpoint). */
  formToken: boolean
  minSubmitMs: number
  captcha: { provider: 'turnstile' | 'hcaptcha', siteKey: string } | undefined
}

export interface Campaign {
  slug: string
  name: string
  groupIds: number[]
  country: CountryCode
  allowedCountries: CountryCode[]
  sendCtaMessage: 'auto' | 'always'
  termsUrl: string
  privacyUrl: string
  marketing: boolean
  successRedirectUrl: string | undefined
  allowNoncompliantMessages: boolean
  /** The language of the top-level texts, and what a visitor gets when nothing else matches. */
  language: LanguageCode
  /** The languages the page offers, in the operator's order (the language switcher's). */
  languages: LanguageCode[]
  /** Each offered language's page texts, SMS and disclosure version (see localeOf in campaign-locale.ts). */
  locales: Readonly<Partial<Record<LanguageCode, CampaignLocale>>>
  /** Origins that may embed the form (iframe, or the JSON API with CORS); none by default. */
  embedOrigins: string[]
  protection: Protection
  /** Logo and colours (branding:), checked and fingerprinted at load; undefined = the default theme. */
  branding: Branding | undefined
  /** The same number for this campaign within this window is recorded but not sent again. */
  duplicateWindowMs: number
}

export function resolveCampaign (slug: string, config: CampaignConfig, branding?: Branding): Campaign {
  const { language, languages, locales } = resolveLocales(config)
  const marketing = config.marketing ?? true
  const country = config.country as CountryCode
  return {
    slug,
    name: config.name,
    groupIds: config.groupIds,
    country,
    allowedCountries: (config.allowedCountries ?? [country]) as CountryCode[],
    sendCtaMessage: config.sendCtaMessage === 'always' ? 'always' : 'auto',
    termsUrl: config.termsUrl,
    privacyUrl: config.privacyUrl,
    marketing,
    successRedirectUrl: config.successRedirectUrl,
    allowNoncompliantMessages: config.allowNoncompliantMessages ?? false,
    language,
    languages,
    locales,
    embedOrigins: config.embedOrigins ?? [],
    protection: resolveProtection(config),
    branding,
    duplicateWindowMs: (config.duplicateWindowHours ?? 24) * 3_600_000
  }
}

function resolveProtection (config: CampaignConfig): Protection {
  const p = config.protection ?? {}
  const velocity = p.prefixVelocity ?? { max: 5, windowMinutes: 10 }
  return {
    perIpPerMinute: p.perIpPerMinute ?? 10,
    prefixVelocity: velocity.max === 0 ? undefined : { max: velocity.max, windowMs: velocity.windowMinutes * 60_000 },
    honeypot: p.honeypot ?? true,
    formToken: p.formToken ?? true,
    minSubmitMs: (p.minSubmitSeconds ?? 3) * 1000,
    captcha: p.captcha === undefined ? undefined : { provider: p.captcha.provider === 'hcaptcha' ? 'hcaptcha' : 'turnstile', siteKey: p.captcha.siteKey }
  }
}
