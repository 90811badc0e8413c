// The one signup service behind both the HTML form and the JSON API: validate, then record durably and queue.
import type { FastifyBaseLogger } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import { normalizePhone } from '../phone/normalize.ts'
import type { OptInRequest } from '../upstream/types.ts'
import type { Store, ConsentProof } from '../store/types.ts'
import { maskPhone } from '../upstream/redact.ts'
import { signupMessages } from './messages.ts'
import { refusalMessage } from '../phone/refusals.ts'
import { localeOf } from '../campaigns/campaign-locale.ts'
import type { LanguageCode } from '../i18n/languages.ts'
import { captchaCheck, localBotChecks, type BotCheckDeps } from './bot-checks.ts'
import type { Metrics } from '../metrics.ts'

export type SignupField = 'phone' | 'country' | 'consent' | 'form'

export interface FieldError {
  field: SignupField
  code: string
  message: string
}

/** Facts about the request, captured server-side for the consent proof. */
export type SignupContext = Omit<ConsentProof, 'disclosureVersion' | 'consentGiven'>

export interface SignupInput {
  phone: unknown
  country?: unknown
  consent: unknown
  context: SignupContext
  /** Honeypot field, form token and CAPTCHA response, as submitted. */
  bot: { honeypot: unknown, formToken: unknown, captchaToken: unknown }
  /** The language the visitor saw (negotiated by the route): their refusals, SMS and disclosure version. Default: the campaign's. */
  lang?: LanguageCode
  /**
   * The disclosure version the form showed (its hidden field; /embed.js and API clients from …/form). When it is not
   * the wording in force now (a reload changed it while the page was open), the visitor is asked to agree again:
   * the proof must name the text they read. Absent: taken as the current one.
   */
  shownVersion?: unknown
}

export type SignupResult =
  /** `outcome` is for metrics and logs only: the visitor is answered the same for all three. */
  | { status: 'accepted', last4: string, outcome: 'accepted' | 'duplicate' | 'held' }
  | { status: 'refused', errors: FieldError[] }
  | { status: 'unavailable', message: string }

export interface SignupService {
  signUp (campaign: Campaign, input: SignupInput): Promise<SignupResult>
}

export interface SignupServiceDeps {
  store: Store
  /** Which access token will send it (a hash, never the token). */
  tokenKey: string
  now: () => number
  /** Called after a new (non-duplicate) signup is durable, so the dispatcher sends it at once. */
  queued: () => void
  logger: FastifyBaseLogger
  bots: BotCheckDeps
  metrics?: Metrics
}

// A checkbox posts its value ("yes"; "on" when a page omits it); JSON callers send true.
const CONSENT_VALUES = new Set([true, 'true', 'yes', 'on', '1'])

export function createSignupService (deps: SignupServiceDeps): SignupService {
  const { store, tokenKey, now, queued, logger, bots, metrics } = deps
  return {
    async signUp (campaign, input) {
      const result = await decide(campaign, input)
      if (metrics !== undefined) {
        if (result.status === 'refused') for (const error of result.errors) metrics.refusal(campaign.slug, error.code)
        metrics.signup(campaign.slug, result.status === 'accepted' ? result.outcome : result.status)
      }
      return result
    }
  }

  async function decide (campaign: Campaign, input: SignupInput): Promise<SignupResult> {
    // Only a language the campaign offers; anything else gets the campaign's own.
    const locale = localeOf(campaign, input.lang)
    const { lang } = locale
    const texts = signupMessages(lang)
    const botInput = { ...input.bot, clientIp: input.context.clientIp, lang }
    const local = localBotChecks(campaign, botInput, bots)
    if (local.kind === 'refuse') return { status: 'refused', errors: [local.error] }
    const errors: FieldError[] = []
    const chosen = campaign.allowedCountries.length > 1 ? input.country : undefined
    const phone = normalizePhone(input.phone, { defaultCountry: campaign.country, allowedCountries: campaign.allowedCountries }, chosen)
    if (!phone.ok) errors.push({ field: phone.code === 'country_not_offered' ? 'country' : 'phone', code: phone.code, message: refusalMessage(phone.code, phone, lang) })
    if (!CONSENT_VALUES.has(input.consent as string | boolean)) {
      errors.push({ field: 'consent', code: 'consent_missing', message: texts.consentMissing })
    } else if (input.shownVersion !== undefined && input.shownVersion !== '' && input.shownVersion !== locale.disclosureVersion) {
      errors.push({ field: 'consent', code: 'disclosure_changed', message: texts.disclosureChanged })
    }
    // A bot caught by the honeypot or the clock gets exactly what a person typing the same would get:
    // a refusal for invalid input, a thank-you (and a held record) for valid input.
    if (!phone.ok || errors.length > 0) return { status: 'refused', errors }
    const captcha = local.kind === 'pass' ? await captchaCheck(campaign, botInput, bots) : local
    if (captcha.kind === 'refuse') return { status: 'refused', errors: [captcha.error] }
    if (captcha.kind === 'unavailable') {
      // Fail closed: without a verdict the signup could be a bot, and every signup costs an SMS.
      logger.error({ campaign: campaign.slug }, 'CAPTCHA verification unavailable: signups are refused until it answers')
      return { status: 'unavailable', message: texts.unavailable }
    }
    const hold = local.kind === 'hold' ? local.reason : undefined

    let duplicate: boolean
    let held: string | undefined
    let id: number
    const writeStarted = performance.now()
    try {
      ({ id, duplicate, held } = await store.accept({
        campaign: campaign.slug,
        phoneNumber: phone.phoneNumber,
        e164: phone.e164,
        request: optInRequest(campaign, phone.phoneNumber, lang),
        tokenKey,
        // The version of the wording in the language the visitor read: the proof names that exact text.
        consent: { ...input.context, disclosureVersion: locale.disclosureVersion, consentGiven: true },
        createdAt: now(),
        hold
      }, campaign.duplicateWindowMs, campaign.protection.prefixVelocity))
      metrics?.durableWrite((performance.now() - writeStarted) / 1000)
    } catch (err) {
      // Nothing was promised to the visitor yet: tell them to retry rather than pretend.
      logger.error({ err, campaign: campaign.slug }, 'could not record a signup: the store refused it')
      return { status: 'unavailable', message: texts.unavailable }
    }
    const last4 = phone.phoneNumber.slice(-4)
    const facts = { campaign: campaign.slug, phone: maskPhone(phone.phoneNumber), signupId: id }
    if (held !== undefined) {
      // Kept for the operator, never sent unless released; the visitor sees the usual thank-you.
      logger.warn({ ...facts, reason: held, clientIp: input.context.clientIp }, 'signup held as suspected abuse')
      metrics?.held(campaign.slug, held)
      return { status: 'accepted', last4, outcome: 'held' }
    } else if (duplicate) {
      // Answered exactly like a success, so the form never reveals who is subscribed,
      // and a victim's number cannot be bombed with CTAs.
      logger.info(facts, 'duplicate signup recorded, not sent again')
      return { status: 'accepted', last4, outcome: 'duplicate' }
    }
    queued()
    return { status: 'accepted', last4, outcome: 'accepted' }
  }
}

export function optInRequest (campaign: Campaign, phoneNumber: string, lang?: LanguageCode): OptInRequest {
  // The SMS in the language the visitor signed up in.
  const { ctaMessage, confirmMessage } = localeOf(campaign, lang)
  return {
    PhoneNumber: phoneNumber,
    GroupIds: campaign.groupIds,
    CTAMessage: ctaMessage,
    ConfirmMessage: confirmMessage,
    // Left out unless the campaign asks: then an already opted-in contact gets no second CTA.
    ...(campaign.sendCtaMessage === 'always' ? { SendCTAMessage: 1 as const } : {})
  }
}
