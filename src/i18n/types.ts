// The shape every language file fills in (src/i18n/<code>.ts): a missing or misspelt key fails `tsc`.
import type { PhoneNumberType } from 'libphonenumber-js/max'
import type { CampaignPage } from '../campaigns/campaign.ts'
import type { PhoneRefusalCode } from '../phone/refusals.ts'

/** What a phone refusal may say, already in the visitor's language. */
export interface RefusalValues {
  /** The campaign's allowed countries, named and listed in this language ("Estados Unidos, Canadá"). */
  countries: string
  countryCount: number
  /** The refused number type as a phrase that fits "that looks like …", or the language's fallback. */
  numberType: string
}

/** Wording for a signup outcome that is not about the phone number itself (signup/messages.ts). */
export type SignupMessageKey =
  | 'consentMissing' | 'countryNotOffered' | 'unavailable' | 'upstreamRefusedPhone' | 'upstreamRefused'
  | 'accepted' | 'formExpired' | 'formInvalid' | 'captchaFailed' | 'crossSite' | 'tooManyAttempts' | 'disclosureChanged'

/** Fastify's own 4xx codes the error handler rewords (plugins/errors.ts). */
export type ClientErrorCode =
  | 'FST_ERR_CTP_INVALID_MEDIA_TYPE' | 'FST_ERR_CTP_BODY_TOO_LARGE' | 'FST_ERR_CTP_EMPTY_JSON_BODY' | 'FST_ERR_CTP_INVALID_JSON_BODY'

/** [before, after]: the text around a highlighted value the template puts in between. */
export type Around = readonly [string, string]

export interface Language {
  /** The language's own name, as the language switcher shows it ("Español"). */
  name: string
  /** Carrier rules in this language (campaigns/message-rules.ts). HELP and STOP stay the English keywords. */
  rules: {
    /** The rates notice in this language; the English "Msg & data rates may apply" is accepted too. */
    ratesNotice: RegExp
    /** The wording an operator is told to use. */
    ratesNoticeExample: string
  }
  /** Campaign page texts used when the campaigns file sets none (templates: {name}, {frequency}, …). */
  campaign: {
    page: CampaignPage
    /** Appended to the default disclosure of a marketing campaign (starts with a space). */
    notConditionOfPurchase: string
    defaultFrequency: string
  }
  layout: {
    sandboxLabel: string
    sandboxText: string
    /** The language switcher's accessible name. */
    languageNav: string
  }
  form: {
    country: string
    mobileNumber: string
    hintChooseCountry: string
    hintExample: (example: string) => string
    honeypot: string
    terms: string
    privacy: string
    /** /embed.js, when the signup API cannot be reached at all (offline, blocked). */
    unreachable: string
  }
  thanks: {
    /** Around the last four digits. */
    sentTo: Around
    openText: (name: string) => string
    /** Around the keyword YES, which ProTexting's double opt-in expects in every language. */
    replyYes: Around
    noText: string
    tryAgain: string
    stopAnyTime: string
    /** In an iframe: the link on to the marketer's own page after signing up. */
    continue: string
  }
  /** The printable sign (/c/<campaign>/print): what is on the paper, and the notes around it on screen. */
  print: {
    title: (pageTitle: string) => string
    /** On screen only, before the links to the SVG and PNG files. */
    instructions: string
    /** The QR code's accessible name. */
    qrLabel: (url: string) => string
    /** Under the code, before the short link. */
    scan: string
    /** Before the printed addresses of the terms and the privacy policy. */
    terms: string
    privacy: string
    /** On screen only: the same sign in the campaign's other languages. */
    otherLanguages: string
    /** ?lang= names a language the campaign does not offer. */
    languageNotOffered: { heading: string, message: (offered: string) => string }
  }
  notFound: {
    campaign: { heading: string, message: string }
    page: { heading: string, message: string }
    hint: string
  }
  errors: {
    title: string
    forbiddenHeading: string
    tooManyHeading: string
    serverHeading: string
    unreadableHeading: string
    server: string
    formUnreadable: string
    unknown: string
    /** On a campaign page's error: the link back to its form. */
    backToForm: string
    byCode: Record<ClientErrorCode, string>
  }
  phone: {
    refusals: Record<PhoneRefusalCode, (values: RefusalValues) => string>
    /** Phrases that fit "that looks like …"; only the types phone/normalize.ts refuses need one. */
    numberTypes: Partial<Record<PhoneNumberType, string>>
    unknownType: string
  }
  signup: Record<SignupMessageKey, string>
}
