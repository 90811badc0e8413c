// The language registry: which languages exist, their strings, and country names and lists in each (Intl).
// Every file in locales/ is a language, named by its code (en.ts, es.ts): adding a language is adding its file.
import { readdirSync } from 'node:fs'
import type { CountryCode } from 'libphonenumber-js/max'
import type { Language } from './types.ts'

const LOCALES = new URL('./locales/', import.meta.url)
// ISO 639 code, optionally with a region (pt-BR): the file name is what ?lang= and Accept-Language match.
const LOCALE_FILE = /^([a-z]{2,3}(?:-[A-Z]{2})?)\.ts$/

/** A language optline has a file for: 'en', 'es', … (the name of its file in locales/). */
export type LanguageCode = string

// Each file's own `satisfies Language` makes typecheck fail on a missing or misspelt key; this checks at start-up
// that a file has a default export at all.
const CATALOG: Readonly<Record<LanguageCode, Language>> = Object.fromEntries(await Promise.all(
  readdirSync(LOCALES).flatMap(file => {
    const code = LOCALE_FILE.exec(file)?.[1]
    return code === undefined ? [] : [loadLocale(code, new URL(file, LOCALES))]
  })
))

async function loadLocale (code: string, url: URL): Promise<[string, Language]> {
  const strings = (await import(url.href) as { default?: Language }).default
  if (strings === undefined) throw new Error(`i18n: ${url.pathname} has no default export (its Language strings)`)
  return [code, strings]
}

export const DEFAULT_LANGUAGE: LanguageCode = 'en'

/** Every language, the default first (what a wildcard Accept-Language gets). */
export const LANGUAGE_CODES: readonly LanguageCode[] = [DEFAULT_LANGUAGE,
  ...(Object.keys(CATALOG) as LanguageCode[]).filter(code => code !== DEFAULT_LANGUAGE)]

export function isLanguageCode (value: unknown): value is LanguageCode {
  return typeof value === 'string' && Object.hasOwn(CATALOG, value)
}

export function language (code: LanguageCode = DEFAULT_LANGUAGE): Language {
  return CATALOG[code] ?? CATALOG[DEFAULT_LANGUAGE] as Language
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
