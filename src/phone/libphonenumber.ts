// libphonenumber-js (/max metadata), loaded once for the whole app, with its pattern matches compiled once.
// Every module takes the library from here, so its 150 KB of metadata is parsed once.
//
// Why the CommonJS build: the library checks a number against its metadata through one helper,
// helpers/matchesEntirely.js, which builds `new RegExp('^(?:' + pattern + ')$')` on every call. The patterns are
// long (a US number type is over a kilobyte), so compiling, or even finding the compiled one in V8's cache, was
// half the cost of parsing a number (9.3 -> 4.4 us per US number, measured ad hoc; npm run bench's phone step,
// normalizePhone over its mix of inputs, went from 68,008 to 196,273 ops/s with both changes here). In the CommonJS
// build every caller reads that helper from its module's exports at call time, so replacing the export caches for all;
// the ES build binds it at import and cannot be changed. The patterns all come from the metadata, never from
// input, so the cache holds at most one RegExp per pattern in the metadata.
// parsePhoneNumberWithError() also goes straight to the build's parse(), with the options the public function would
// build: its wrappers copy the arguments and spread the options through Babel helpers, a quarter of what was left
// (4.7 -> 3.4 us per US number, ad hoc). Same answers, tested against the untouched ES build
// (test/phone/libphonenumber.test.ts). Both reach into the build's files, so package.json pins the library's exact
// version: an upgrade is a deliberate change that this test checks.
import { createRequire } from 'node:module'
import type * as Max from 'libphonenumber-js/max'

const require = createRequire(import.meta.url)

const library = require('libphonenumber-js/max') as typeof Max
// The same JSON the entry point loaded (one module cache), for the Metadata class, which only the ES build exports.
const metadataJson = require('libphonenumber-js/max/metadata') as Max.MetadataJson
const { Metadata } = require('libphonenumber-js/core') as { Metadata: new (json: Max.MetadataJson) => Max.Metadata }

type MatchesEntirely = (text: string | undefined, pattern: string) => boolean
interface HelperModule { default: MatchesEntirely }
type Parse = (text: string, options: { defaultCountry?: Max.CountryCode, v2: true }, metadata: Max.MetadataJson) => Max.PhoneNumber

const compiled = new Map<string, RegExp>()

function matchesEntirely (text: string | undefined, pattern: string): boolean {
  let regex = compiled.get(pattern)
  if (regex === undefined) {
    regex = new RegExp('^(?:' + pattern + ')$')
    compiled.set(pattern, regex)
  }
  return regex.test(text ?? '')
}

/** A module of the same build the library's entry point loaded (found from it: the package's exports hide it). */
function buildModule<T> (file: string): { default: T } | undefined {
  try {
    const loaded = createRequire(require.resolve('libphonenumber-js/max'))(`../build/${file}`) as { default?: unknown }
    return typeof loaded.default === 'function' ? loaded as { default: T } : undefined
  } catch {
    return undefined
  }
}

const helper: HelperModule | undefined = buildModule<MatchesEntirely>('helpers/matchesEntirely.js')
const parse = buildModule<Parse>('parse.js')?.default
// A later version may move or rename the helper: the library then works as it is, only slower.
if (helper !== undefined) helper.default = matchesEntirely

/** How many metadata patterns are compiled so far (0 until a number is parsed; stays 0 if the helper was not found). */
export function compiledPatternCount (): number {
  return compiled.size
}

/** Whether the library's helper was replaced by the caching one, and its parse() is called directly. */
export const patternCacheInstalled = helper !== undefined
export const directParse = parse !== undefined

/** The library's parsePhoneNumberWithError(text, defaultCountry): a PhoneNumber, or a ParseError thrown. */
export const parsePhoneNumberWithError: (text: string, defaultCountry?: Max.CountryCode) => Max.PhoneNumber = parse === undefined
  ? library.parsePhoneNumberWithError
  : (text, defaultCountry) => parse(text, defaultCountry === undefined ? { v2: true } : { defaultCountry, v2: true }, metadataJson)

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
  validatePhoneNumberLength
} = library
export type { CountryCode, PhoneNumber, PhoneNumberType } from 'libphonenumber-js/max'
