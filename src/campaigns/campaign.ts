// A campaign as the rest of the app uses it: defaults applied, templates rendered, disclosure versioned.
import { createHash } from 'node:crypto'
import type { CountryCode } from 'libphonenumber-js'
import type { CampaignConfig } from './schema.ts'
import { renderTemplate, type TemplateValues } from './message-template.ts'

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
  frequency: string
  marketing: boolean
  successRedirectUrl: string | undefined
  allowNoncompliantMessages: boolean
  /** The CTA and confirmation SMS, rendered once at start-up. */
  ctaMessage: string
  confirmMessage: string
  page: CampaignPage
  /** Origins that may embed the form (iframe, or the JSON API with CORS); none by default. */
  embedOrigins: string[]
  protection: Protection
  /** The same number for this campaign within this window is recorded but not sent again. */
  duplicateWindowMs: number
  /** The consent wording as shown (checkbox label, disclosure, links), saved once per version. */
  disclosureText: string
  /** Hash of disclosureText, so each signup's proof names the exact text. */
  disclosureVersion: string
}

// Defaults a careful marketer would pick: the disclosure carries everything carriers check
// (program, frequency, rates, HELP/STOP, not a condition of purchase), next to the field.
export const PAGE_DEFAULTS: CampaignPage = {
  title: '{name}: text alerts',
  headline: 'Get texts from {name}',
  intro: 'Sign up with your mobile number to get news and offers from {name} by text message.',
  consentText: 'Yes, I want to receive recurring automated marketing text messages from {name} at this number.',
  disclosure: 'By signing up you agree to receive recurring automated marketing text messages from {name} ' +
    'at the number provided. {frequency}. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
  buttonText: 'Sign up',
  successTitle: 'Check your phone',
  successText: 'We just sent you a text from {name}. Reply YES to confirm your subscription.'
}
const NOT_A_CONDITION = ' Consent is not a condition of purchase.'
export const DEFAULT_FREQUENCY = 'Msg frequency varies'

export function resolveCampaign (slug: string, config: CampaignConfig): Campaign {
  const frequency = config.frequency ?? DEFAULT_FREQUENCY
  const marketing = config.marketing ?? true
  const values: TemplateValues = {
    name: config.name,
    frequency,
    termsUrl: config.termsUrl,
    privacyUrl: config.privacyUrl
  }
  const pageText = (key: keyof CampaignPage): string => renderTemplate(config[key] ?? PAGE_DEFAULTS[key], values)
  const page: CampaignPage = {
    title: pageText('title'),
    headline: pageText('headline'),
    intro: pageText('intro'),
    consentText: pageText('consentText'),
    disclosure: pageText('disclosure') + (marketing && config.disclosure === undefined ? NOT_A_CONDITION : ''),
    buttonText: pageText('buttonText'),
    successTitle: pageText('successTitle'),
    successText: pageText('successText')
  }
  const country = config.country as CountryCode
  const disclosureText = [
    `Checkbox: ${page.consentText}`,
    `Disclosure: ${page.disclosure}`,
    `Terms: ${config.termsUrl}`,
    `Privacy: ${config.privacyUrl}`
  ].join('\n')
  return {
    slug,
    name: config.name,
    groupIds: config.groupIds,
    country,
    allowedCountries: (config.allowedCountries ?? [country]) as CountryCode[],
    sendCtaMessage: config.sendCtaMessage === 'always' ? 'always' : 'auto',
    termsUrl: config.termsUrl,
    privacyUrl: config.privacyUrl,
    frequency,
    marketing,
    successRedirectUrl: config.successRedirectUrl,
    allowNoncompliantMessages: config.allowNoncompliantMessages ?? false,
    ctaMessage: renderTemplate(config.ctaMessage, values),
    confirmMessage: renderTemplate(config.confirmMessage, values),
    page,
    embedOrigins: config.embedOrigins ?? [],
    protection: resolveProtection(config),
    duplicateWindowMs: (config.duplicateWindowHours ?? 24) * 3_600_000,
    disclosureText,
    disclosureVersion: hashText(disclosureText)
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

function hashText (text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
