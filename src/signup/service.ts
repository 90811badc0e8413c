// The one signup service behind both the HTML form and the JSON API: validate, then opt in upstream.
import type { FastifyBaseLogger } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import { normalizePhone } from '../phone/normalize.ts'
import type { OptInRequest, ProtextingClient, UpstreamOutcome } from '../upstream/types.ts'
import { SIGNUP_MESSAGES } from './messages.ts'

export type SignupField = 'phone' | 'country' | 'consent' | 'form'

export interface FieldError {
  field: SignupField
  code: string
  message: string
}

export interface SignupInput {
  phone: unknown
  country?: unknown
  consent: unknown
}

export type SignupResult =
  | { status: 'accepted', last4: string, contactId: number | undefined }
  | { status: 'refused', errors: FieldError[] }
  | { status: 'unavailable', message: string }

export interface SignupService {
  signUp (campaign: Campaign, input: SignupInput): Promise<SignupResult>
}

// A checkbox posts its value ("yes"; "on" when a page omits it); JSON callers send true.
const CONSENT_VALUES = new Set([true, 'true', 'yes', 'on', '1'])

export function createSignupService (deps: { upstream: ProtextingClient, logger: FastifyBaseLogger }): SignupService {
  const { upstream, logger } = deps
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

      const outcome = await upstream.optIn(optInRequest(campaign, phone.phoneNumber), { campaign: campaign.slug })
      return resultOf(outcome, phone.phoneNumber.slice(-4), campaign, logger)
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

function resultOf (outcome: UpstreamOutcome, last4: string, campaign: Campaign, logger: FastifyBaseLogger): SignupResult {
  switch (outcome.kind) {
    case 'created':
      return { status: 'accepted', last4, contactId: outcome.contactId }
    case 'rejected': {
      // 422: the upstream's field messages. A PhoneNumber complaint is the visitor's to fix;
      // anything else (GroupIds) is a campaign setting the operator must fix.
      const aboutPhone = outcome.errors.some(e => e.field === 'PhoneNumber')
      if (!aboutPhone) {
        logger.error({ campaign: campaign.slug, upstreamErrors: outcome.errors }, 'ProTexting rejected the campaign settings: check groupIds and messages')
      }
      return {
        status: 'refused',
        errors: [aboutPhone
          ? { field: 'phone', code: 'upstream_rejected', message: SIGNUP_MESSAGES.upstreamRefusedPhone }
          : { field: 'form', code: 'upstream_rejected', message: SIGNUP_MESSAGES.upstreamRefused }]
      }
    }
    case 'unauthorized':
    case 'misconfigured':
    case 'rate_limited':
    case 'unavailable':
      // The client already logged the alert with its details; the visitor gets a polite retry.
      return { status: 'unavailable', message: SIGNUP_MESSAGES.unavailable }
  }
}
