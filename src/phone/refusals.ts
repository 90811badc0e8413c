// Visitor-facing messages for refused phone numbers, one place per code so another language can slot in.
import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max'

export type PhoneRefusalCode =
  | 'empty'
  | 'not_a_number'
  | 'extension'
  | 'too_short'
  | 'too_long'
  | 'invalid'
  | 'country_not_allowed'
  | 'country_not_offered'
  | 'unsupported_type'

export interface PhoneRefusalParams {
  /** The campaign's allowed countries, for `country_not_allowed` and `country_not_offered`. */
  allowedCountries?: readonly CountryCode[]
  /** The refused number type, for `unsupported_type`. */
  numberType?: PhoneNumberType
}

type MessageFn = (params: PhoneRefusalParams) => string

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })
// 'unit' lists read "United States, Canada": no "and"/"or" to get wrong after a colon.
const listFormat = new Intl.ListFormat('en', { type: 'unit', style: 'short' })

export function countryName (code: CountryCode): string {
  return regionNames.of(code) ?? code
}

// Phrases fit "that looks like …". Only the types normalize.ts refuses need one; the rest fall back.
const typePhrases: Partial<Record<PhoneNumberType, string>> = {
  FIXED_LINE: 'a landline number',
  TOLL_FREE: 'a toll-free number',
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  PAGER: 'a pager number',
  VOICEMAIL: 'a voicemail access number',
  UAN: 'a company switchboard number',
  PERSONAL_NUMBER: 'a personal forwarding number',
  VOIP: 'an internet phone (VoIP) number'
}

// Messages never echo what the visitor typed: it is shown back in the field, not in the error.
const english: Record<PhoneRefusalCode, MessageFn> = {
  empty: () => 'Please enter your mobile number.',
  not_a_number: () =>
    "That doesn't look like a phone number. Please enter your mobile number using digits; " +
    'spaces, dashes, brackets and a leading + are fine.',
  extension: () =>
    'Texts cannot be sent to an extension. Please enter just your mobile number, without the extension.',
  too_short: () =>
    'That number is too short. Please check that you entered every digit of your mobile number, ' +
    'including the area code.',
  too_long: () =>
    'That number is too long. Please check that you entered just your mobile number, with no extra digits.',
  invalid: () =>
    "That isn't a valid phone number. Please check the digits and try again. " +
    'If your number is from another country, start it with + and the country code.',
  country_not_allowed: ({ allowedCountries = [] }) => {
    const names = listFormat.format(allowedCountries.map(countryName))
    return allowedCountries.length === 1
      ? `This signup accepts mobile numbers from one country only: ${names}. Please enter a number from there.`
      : `This signup accepts mobile numbers from these countries only: ${names}. ` +
        'Please enter a number from one of them.'
  },
  // The chosen country is not on the form's list: a stale or edited form, answered at the country field.
  country_not_offered: ({ allowedCountries = [] }) =>
    `Please choose your country from the list: ${listFormat.format(allowedCountries.map(countryName))}.`,
  unsupported_type: ({ numberType }) => {
    const phrase = (numberType && typePhrases[numberType]) ?? 'a number that cannot receive texts'
    return `We can only send texts to mobile phones, and that looks like ${phrase}. Please enter your mobile number.`
  }
}

export function refusalMessage (code: PhoneRefusalCode, params: PhoneRefusalParams = {}): string {
  return english[code](params)
}
