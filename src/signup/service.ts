// The one signup service behind both the HTML form and the JSON API: validate, then record durably and queue.
import type { FastifyBaseLogger } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import { normalizePhone } from '../phone/normalize.ts'
import type { OptInRequest } from '../upstream/types.ts'
import type { Store, ConsentProof } from '../store/types.ts'
import { maskPhone } from '../upstream/redact.ts'
import { SIGNUP_MESSAGES } from './messages.ts'

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
}

export type SignupResult =
  | { status: 'accepted', last4: string }
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
}

// A checkbox posts its value ("yes"; "on" when a page omits it); JSON callers send true.
const CONSENT_VALUES = new Set([true, 'true', 'yes', 'on', '1'])

export function createSignupService (deps: SignupServiceDeps): SignupService {
  const { store, tokenKey, now, queued, logger } = deps
  return {
    async signUp (campaign, input) {
      const errors: FieldError[] = []
      const chosen = campaign.allowedCountries.length > 1 ? input.country : undefined
      const phone = normalizePhone(input.phone, { defaultCountry: campaign.country, allowedCountries: campaign.allowedCountries }, chosen)
      if (!phone.ok) errors.push({ field: phone.code === 'country_not_offered' ? 'country' : 'phone', code: phone.code, message: phone.message })
      if (!CONSENT_VALUES.has(input.consent as string | boolean)) {
        errors.push({ field: 'consent', code: 'consent_missing', message: SIGNUP_MESSAGES.consentMissing })
      }
      if (!phone.ok || errors.length > 0) return { status: 'refused', errors }

      let duplicate: boolean
      let id: number
      try {
        ({ id, duplicate } = await store.accept({
          campaign: campaign.slug,
          phoneNumber: phone.phoneNumber,
          e164: phone.e164,
          request: optInRequest(campaign, phone.phoneNumber),
          tokenKey,
          consent: { ...input.context, disclosureVersion: campaign.disclosureVersion, consentGiven: true },
          createdAt: now()
        }, campaign.duplicateWindowMs))
      } catch (err) {
        // Nothing was promised to the visitor yet: tell them to retry rather than pretend.
        logger.error({ err, campaign: campaign.slug }, 'could not record a signup: the store refused it')
        return { status: 'unavailable', message: SIGNUP_MESSAGES.unavailable }
      }
      const last4 = phone.phoneNumber.slice(-4)
      if (duplicate) {
        // Answered exactly like a success, so the form never reveals who is subscribed,
        // and a victim's number cannot be bombed with CTAs.
        logger.info({ campaign: campaign.slug, phone: maskPhone(phone.phoneNumber), signupId: id }, 'duplicate signup recorded, not sent again')
      } else {
        queued()
      }
      return { status: 'accepted', last4 }
    }
  }
}

export function optInRequest (campaign: Campaign, phoneNumber: string): OptInRequest {
  return {
    PhoneNumber: phoneNumber,
    GroupIds: campaign.groupIds,
    CTAMessage: campaign.ctaMessage,
    ConfirmMessage: campaign.confirmMessage,
    // Left out unless the campaign asks: then an already opted-in contact gets no second CTA.
    ...(campaign.sendCtaMessage === 'always' ? { SendCTAMessage: 1 as const } : {})
  }
}
