// The language registry: which languages exist, their strings, and country names and lists in each (Intl).
import type { CountryCode } from 'libphonenumber-js/max'
import * as CATALOG from './catalog.ts'
import type { Language } from './types.ts'

/** A language optline has a file for (its export name in catalog.ts: 'en', 'es'). */
export type LanguageCode = keyof typeof CATALOG

export const DEFAULT_LANGUAGE: LanguageCode = 'en'

/** Every language, the default first (what a wildcard Accept-Language gets). */
export const LANGUAGE_CODES: readonly LanguageCode[] = [DEFAULT_LANGUAGE,
  ...(Object.keys(CATALOG) as LanguageCode[]).filter(code => code !== DEFAULT_LANGUAGE)]

export function isLanguageCode (value: unknown): value is LanguageCode {
  return typeof value === 'string' && Object.hasOwn(CATALOG, value)
}

export function language (code: LanguageCode = DEFAULT_LANGUAGE): Language {
  return CATALOG[code]
}

interface Formatters { regions: Intl.DisplayNames, list: Intl.ListFormat }
const formatters = new Map<LanguageCode, Formatters>()

function formattersFor (code: LanguageCode): Formatters {
  let found = formatters.get(code)
  if (found === undefined) {
    // 'unit' lists read "United States, Canada" in English (no "and"/"or" to get wrong after a colon);
    // each language's own conventions otherwise ("Estados Unidos y México").
    found = { regions: new Intl.DisplayNames([code], { type: 'region' }), list: new Intl.ListFormat(code, { type: 'unit', style: 'short' }) }
    formatters.set(code, found)
  }
  return found
}

/** "United States" / "Estados Unidos". */
export function countryName (country: CountryCode, code: LanguageCode = DEFAULT_LANGUAGE): string {
  return formattersFor(code).regions.of(country) ?? country
}

/** "United States, Canada" / "Estados Unidos y Canadá". */
export function countryList (countries: readonly CountryCode[], code: LanguageCode = DEFAULT_LANGUAGE): string {
  return formattersFor(code).list.format(countries.map(country => countryName(country, code)))
}
