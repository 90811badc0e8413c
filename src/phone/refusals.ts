// Visitor-facing messages for refused phone numbers, in the visitor's language (the wording lives in src/i18n/<lang>.ts).
import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max'
import { countryList, language, type LanguageCode } from '../i18n/languages.ts'

export { countryName } from '../i18n/languages.ts'

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

export function refusalMessage (code: PhoneRefusalCode, params: PhoneRefusalParams = {}, lang?: LanguageCode): string {
  const { phone } = language(lang)
  const countries = params.allowedCountries ?? []
  return phone.refusals[code]({
    countries: countries.length > 0 ? countryList(countries, lang) : '',
    countryCount: countries.length,
    numberType: (params.numberType && phone.numberTypes[params.numberType]) ?? phone.unknownType
  })
}
