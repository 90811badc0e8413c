// Turns what a visitor typed into the upstream's PhoneNumber digits (calling code + national number) or a refusal.
// The /max bundle, not the default /min one: /min carries number-type patterns only for countries that
// share a calling code (NANP, +44 …), so getType() is undefined for, say, a German 0180 shared-cost or
// 0900 premium number and it would pass as valid. The type check is an SMS-pumping defence, so it needs /max.
import {
  ParseError,
  iddPrefixOf,
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength
} from './libphonenumber.ts'
import type { CountryCode, PhoneNumber, PhoneNumberType } from './libphonenumber.ts'
import { refusalMessage } from './refusals.ts'
import type { PhoneRefusalCode, PhoneRefusalParams } from './refusals.ts'

export type { PhoneRefusalCode, PhoneRefusalParams } from './refusals.ts'
export type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max'

export interface PhoneRules {
  defaultCountry: CountryCode
  /** Countries whose numbers the campaign takes; empty means the default country only. */
  allowedCountries: readonly CountryCode[]
}

export interface PhoneAccepted {
  ok: true
  /** What the upstream calls PhoneNumber: calling code + national number, digits only ('16465550123'). */
  phoneNumber: string
  e164: string
  country: CountryCode
  type: PhoneNumberType | undefined
  /** National format for showing back to the visitor ('(646) 555-0123'). */
  national: string
}

export interface PhoneRefusal extends PhoneRefusalParams {
  ok: false
  code: PhoneRefusalCode
  message: string
}

export type PhoneResult = PhoneAccepted | PhoneRefusal

// Longer than any punctuated number plus prefix; checked first so a huge body costs nothing.
const MAX_INPUT_LENGTH = 64

// Numbers that cannot receive SMS or cost the sender extra: the SMS-pumping ranges carriers warn about.
// UAN (company switchboards), PERSONAL_NUMBER (UK 070, US 500: paid follow-me redirects) and VOIP
// (ranges set aside for landline-replacement VoIP: UK 056, FR 09, CA 600) reach no handset that takes
// texts; app numbers that do take texts (Google Voice and the like) sit in ordinary ranges and pass.
// MOBILE and FIXED_LINE_OR_MOBILE pass: every US and CA number is FIXED_LINE_OR_MOBILE.
const REFUSED_TYPES: ReadonlySet<PhoneNumberType> = new Set<PhoneNumberType>([
  'FIXED_LINE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'PAGER',
  'VOICEMAIL',
  'UAN',
  'PERSONAL_NUMBER',
  'VOIP'
])

const PARSE_ERRORS: Readonly<Record<string, PhoneRefusalCode>> = {
  NOT_A_NUMBER: 'not_a_number',
  TOO_SHORT: 'too_short',
  TOO_LONG: 'too_long',
  INVALID_COUNTRY: 'invalid' // an unassigned calling code such as +999
}

// Invisible characters that ride along when numbers are copied from contacts, chats and web pages:
// zero-width spaces and joiners, BOM, soft hyphen, bidi marks (iOS wraps copied numbers in U+202A/U+202C).
const FORMAT_CHARS = /\p{Cf}/gu
const NON_ASCII_DIGIT = /[\p{Nd}--[0-9]]/gv
const ONE_DECIMAL_DIGIT = /^\p{Nd}$/u
const TEL_SCHEME = /^tel:(?:\/\/)?/i
// A trailing extension: "ext. 12", "extension 12", "x12", "#12", ",12" (dialler pause).
const EXTENSION = /(?:(?<![a-z])(?:ext(?:ension|n)?|x)\.?|[#,])\s*:?\s*\d+\s*#?$/i
// Spaces (incl. NBSP, thin spaces), any dash or bracket, dots and slashes, their fullwidth forms, minus.
const SEPARATORS = /[\s\p{Pd}\p{Ps}\p{Pe}./\u2212\uff0e\uff0f]/gu
const NUMBER_SHAPE = /^[+\uff0b]?(\d+)$/
// Mexico dropped the mobile "1" after +52 in 2019, but "+52 1 55 …" is still how many people write it.
const MX_LEGACY_MOBILE = /^1\d{10}$/

type Lexed =
  | { kind: 'number', plus: boolean, digits: string }
  | { kind: 'empty' | 'not_a_number' | 'extension' }

type Interpretation = { ok: true, phone: PhoneNumber, type: PhoneNumberType } | { ok: false, code: PhoneRefusalCode }

export function isCountryCode (value: string): value is CountryCode {
  return isSupportedCountry(value)
}

export function normalizePhone (input: unknown, rules: PhoneRules, chosenCountry?: unknown): PhoneResult {
  // The value comes straight from an HTTP body: anything but a string is refused, never thrown on.
  if (input === undefined || input === null) return refuse('empty')
  if (typeof input !== 'string') return refuse('not_a_number')
  if (input.length > MAX_INPUT_LENGTH) return refuse('too_long')

  const lexed = lex(input)
  if (lexed.kind !== 'number') return refuse(lexed.kind)

  const allowed = rules.allowedCountries.length > 0 ? rules.allowedCountries : [rules.defaultCountry]
  const country = resolveCountry(rules.defaultCountry, allowed, chosenCountry)
  if (country === undefined) return refuse('country_not_offered', { allowedCountries: allowed })

  let result = interpret(lexed.plus ? `+${lexed.digits}` : lexed.digits, country)
  // Visitors paste "00 44 …" even where the default country dials out with 011 (NANP) or 0011 (AU).
  // Only tried when 00 is not that country's own prefix and the national reading is not a valid number:
  // Japan, Korea and Tajikistan have real national numbers starting 00, and Brazil uses 00 + carrier.
  if (!result.ok && !lexed.plus && lexed.digits.startsWith('00') && !dialsOutWith(country, lexed.digits)) {
    result = interpret(`+${lexed.digits.slice(2)}`, country)
  }
  if (!result.ok) return refuse(result.code)

  const { phone, type } = result
  // Non-geographic numbers (+800, +882 …) have no country, so no allow-list can include them.
  if (phone.country === undefined || !allowed.includes(phone.country)) {
    return refuse('country_not_allowed', { allowedCountries: allowed })
  }
  if (REFUSED_TYPES.has(type)) return refuse('unsupported_type', { numberType: type })

  return {
    ok: true,
    phoneNumber: phone.countryCallingCode + phone.nationalNumber,
    e164: phone.number,
    country: phone.country,
    type,
    // Formatting costs a fifth of the whole call and the signup path never shows it: only on demand.
    get national () { return phone.formatNational() }
  }
}

// The chosen country only tells how to read a national number. One outside the allow-list is refused
// rather than replaced by the default: reading the same digits with another country's rules can land
// on a stranger's valid number. Absent or blank means the campaign's default.
function resolveCountry (defaultCountry: CountryCode, allowed: readonly CountryCode[], chosen: unknown): CountryCode | undefined {
  if (chosen === undefined || chosen === null) return defaultCountry
  if (typeof chosen !== 'string') return undefined
  const code = chosen.trim().toUpperCase()
  if (code === '') return defaultCountry
  return allowed.find((allowedCode) => allowedCode === code)
}

function lex (raw: string): Lexed {
  let text = raw.replace(FORMAT_CHARS, '').trim()
  if (text === '') return { kind: 'empty' }

  const scheme = TEL_SCHEME.exec(text)
  if (scheme !== null) {
    // RFC 3966: tel:+1-646-555-0123;ext=12, possibly percent-encoded (%2B for +) by the page that built it.
    let decoded: string
    try {
      decoded = decodeURIComponent(text.slice(scheme[0].length))
    } catch {
      return { kind: 'not_a_number' }
    }
    const [number = '', ...params] = decoded.split(';')
    if (params.some((param) => /^ext=/i.test(param.trim()))) return { kind: 'extension' }
    text = number.replace(FORMAT_CHARS, '').trim()
    if (text === '') return { kind: 'empty' }
  }

  text = text.replace(NON_ASCII_DIGIT, toAsciiDigit)

  const extension = EXTENSION.exec(text)
  if (extension !== null) {
    // Refused rather than dropped: an extension means a desk phone, which cannot take texts anyway.
    return toNumber(text.slice(0, extension.index)) === undefined ? { kind: 'not_a_number' } : { kind: 'extension' }
  }
  return toNumber(text) ?? { kind: 'not_a_number' }
}

function toNumber (text: string): Lexed | undefined {
  const match = NUMBER_SHAPE.exec(text.replace(SEPARATORS, ''))
  if (match === null || match[1] === undefined) return undefined
  return { kind: 'number', plus: match[0] !== match[1], digits: match[1] }
}

// Unicode encodes every decimal digit set as ten consecutive code points from zero, and sets that
// touch (the mathematical digits) are whole tens, so a digit's value is its distance from the run's start.
function toAsciiDigit (char: string): string {
  const codePoint = char.codePointAt(0) ?? 0
  let start = codePoint
  while (start > 0 && ONE_DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--
  return String((codePoint - start) % 10)
}

function interpret (text: string, country: CountryCode): Interpretation {
  let phone: PhoneNumber
  try {
    phone = parsePhoneNumberWithError(text, country)
    if (phone.countryCallingCode === '52' && MX_LEGACY_MOBILE.test(phone.nationalNumber)) {
      text = `+52${phone.nationalNumber.slice(1)}`
      phone = parsePhoneNumberWithError(text)
    }
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, code: PARSE_ERRORS[error.message] ?? 'invalid' }
    throw error
  }
  if (!phone.isPossible()) {
    const length = validatePhoneNumberLength(text, country)
    return { ok: false, code: length === 'TOO_SHORT' ? 'too_short' : length === 'TOO_LONG' ? 'too_long' : 'invalid' }
  }
  // Valid means in a range actually assigned, not just the right length. With /max metadata isValid() is exactly
  // "getType() is defined" (libphonenumber-js isValid.js), and matching every type's pattern is most of the cost
  // of this whole function: one getType() answers both questions.
  const type = phone.getType()
  if (type === undefined) return { ok: false, code: 'invalid' }
  return { ok: true, phone, type }
}

function dialsOutWith (country: CountryCode, digits: string): boolean {
  const prefix = iddPrefixOf(country)
  return prefix !== undefined && new RegExp(`^(?:${prefix})`).test(digits)
}

function refuse (code: PhoneRefusalCode, params: PhoneRefusalParams = {}): PhoneRefusal {
  return { ok: false, code, message: refusalMessage(code, params), ...params }
}
