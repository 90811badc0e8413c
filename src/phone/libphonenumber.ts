// libphonenumber-js (/max metadata), loaded once for the whole app, with its pattern matches compiled once.
// Every module takes the library from here, so its 150 KB of metadata is parsed once.
//
// Why the CommonJS build: the library checks a number against its metadata through one helper,
// helpers/matchesEntirely.js, which builds `new RegExp('^(?:' + pattern + ')$')` on every call. The patterns are
// long (a US number type is over a kilobyte), so compiling, or even finding the compiled one in V8's cache, was
// half the cost of parsing a number (9.3 -> 4.4 us per US number, measured ad hoc). In the CommonJS build every
// caller reads that helper from its module's exports at call time, so replacing the export caches for all of them;
// the ES build binds it at import and cannot be changed. The patterns all come from the metadata, never from
// input, so the cache holds at most one RegExp per pattern in the metadata. Same answers, tested against the ES build
// (test/phone/libphonenumber.test.ts).
import { createRequire } from 'node:module'
import type * as Max from 'libphonenumber-js/max'

const require = createRequire(import.meta.url)

const library = require('libphonenumber-js/max') as typeof Max
// The same JSON the entry point loaded (one module cache), for the Metadata class, which only the ES build exports.
const metadataJson = require('libphonenumber-js/max/metadata') as Max.MetadataJson
const { Metadata } = require('libphonenumber-js/core') as { Metadata: new (json: Max.MetadataJson) => Max.Metadata }

type MatchesEntirely = (text: string | undefined, pattern: string) => boolean
interface HelperModule { default: MatchesEntirely }

const compiled = new Map<string, RegExp>()

function matchesEntirely (text: string | undefined, pattern: string): boolean {
  let regex = compiled.get(pattern)
  if (regex === undefined) {
    regex = new RegExp('^(?:' + pattern + ')$')
    compiled.set(pattern, regex)
  }
  return regex.test(text ?? '')
}

/** The helper's module in the same build the library's entry point loaded (found from it: the package's exports hide it). */
function helperModule (): HelperModule | undefined {
  const entry = require.resolve('libphonenumber-js/max')
  try {
    const helper = createRequire(entry)('../build/helpers/matchesEntirely.js') as Partial<HelperModule>
    return typeof helper.default === 'function' ? helper as HelperModule : undefined
  } catch {
    return undefined
  }
}

const helper = helperModule()
// A later version may move or rename the helper: the library then works as it is, only slower.
if (helper !== undefined) helper.default = matchesEntirely

/** How many metadata patterns are compiled so far (0 until a number is parsed; stays 0 if the helper was not found). */
export function compiledPatternCount (): number {
  return compiled.size
}

/** Whether the library's helper was replaced by the caching one. */
export const patternCacheInstalled = helper !== undefined

/** The international dialling prefix of a country, as a pattern ('011' for the US, '00' for most), if it has one. */
export function iddPrefixOf (country: Max.CountryCode): string | undefined {
  const metadata = new Metadata(metadataJson)
  metadata.selectNumberingPlan(country)
  return metadata.numberingPlan?.IDDPrefix()
}

export const {
  ParseError,
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength
} = library
export type { CountryCode, PhoneNumber, PhoneNumberType } from 'libphonenumber-js/max'
