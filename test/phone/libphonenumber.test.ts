// The library as the app loads it (src/phone/libphonenumber.ts: CommonJS build, metadata patterns compiled once)
// gives the same answers as the untouched ES build, for every country's numbers, valid or not.
import t from 'tap'
import * as untouched from 'libphonenumber-js/max'
import mobileExamples from 'libphonenumber-js/mobile/examples'
import {
  compiledPatternCount,
  directParse,
  getCountries,
  iddPrefixOf,
  parsePhoneNumberWithError,
  patternCacheInstalled,
  validatePhoneNumberLength,
  type CountryCode
} from '../../src/phone/libphonenumber.ts'

interface Reading { number?: string, country?: string, possible?: boolean, valid?: boolean, type?: string, national?: string, error?: string }

function read (parse: (text: string, country: CountryCode) => untouched.PhoneNumber, text: string, country: CountryCode): Reading {
  try {
    const phone = parse(text, country)
    return {
      number: phone.number,
      country: phone.country,
      possible: phone.isPossible(),
      valid: phone.isValid(),
      type: phone.getType(),
      national: phone.formatNational()
    }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

// Each country's example mobile number, as typed nationally and internationally, and broken in the ways
// visitors break them: a digit changed, one dropped, one added, the area code swapped for another's.
function corpus (): Array<{ text: string, country: CountryCode }> {
  const cases: Array<{ text: string, country: CountryCode }> = []
  const countries = untouched.getCountries()
  for (const [i, country] of countries.entries()) {
    const example = untouched.getExampleNumber(country, mobileExamples)
    if (example === undefined) continue
    const national = example.nationalNumber
    const neighbour = countries[(i + 1) % countries.length] as CountryCode
    const variants = [
      national,
      `0${national}`,
      example.number,
      national.slice(0, -1),
      `${national}7`,
      national.slice(0, -1) + String((Number(national.at(-1)) + 5) % 10),
      String((Number(national[0]) + 3) % 10) + national.slice(1),
      `00${example.countryCallingCode}${national}`
    ]
    for (const text of variants) cases.push({ text, country }, { text, country: neighbour })
  }
  // NANP: landlines, toll-free, premium and service numbers beside mobiles.
  for (const text of ['(212) 555-0100', '800 555 0199', '900-555-0100', '+1 684 733 1234', '+1 345 916 1234', '2015550123', '+1 613 555 0123', '911']) {
    cases.push({ text, country: 'US' })
  }
  return cases
}

t.test('the pattern cache is installed and used', async t => {
  t.equal(patternCacheInstalled, true, 'the library\'s matchesEntirely helper was found and replaced')
  t.equal(directParse, true, 'and its parse() is called directly')
  const before = compiledPatternCount()
  parsePhoneNumberWithError('+44 7400 123456', 'GB').getType()
  t.ok(compiledPatternCount() > before, 'parsing a number compiles the patterns it needs')
  const after = compiledPatternCount()
  parsePhoneNumberWithError('+44 7400 123457', 'GB').getType()
  t.equal(compiledPatternCount(), after, 'and a second number of the same country reuses them')
})

t.test('every reading matches the untouched ES build', async t => {
  const cases = corpus()
  t.ok(cases.length > 3000, `${cases.length} inputs over ${getCountries().length} countries`)
  const differences: string[] = []
  for (const { text, country } of cases) {
    const ours = read(parsePhoneNumberWithError, text, country)
    // Also without a default country, as normalize.ts re-reads a legacy Mexican mobile ('+52 1 …').
    if (text.startsWith('+') && JSON.stringify(read(t => parsePhoneNumberWithError(t), text, country)) !== JSON.stringify(read(t => untouched.parsePhoneNumberWithError(t), text, country))) {
      differences.push(`no country, ${text}`)
    }
    const theirs = read(untouched.parsePhoneNumberWithError, text, country)
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) differences.push(`${country} ${text}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`)
    const length = validatePhoneNumberLength(text, country)
    if (length !== untouched.validatePhoneNumberLength(text, country)) differences.push(`${country} ${text}: length ${length}`)
  }
  t.same(differences, [], 'no input reads differently')
  const readings = cases.map(({ text, country }) => read(parsePhoneNumberWithError, text, country))
  t.ok(readings.filter(r => r.valid === true).length > 500, 'the corpus holds many valid numbers')
  t.ok(readings.filter(r => r.valid === false).length > 500, 'and many invalid ones')
  t.ok(readings.filter(r => r.error !== undefined).length > 0, 'and some the library refuses to parse')
})

t.test('international dialling prefixes come from the same metadata', async t => {
  t.equal(iddPrefixOf('US'), '011')
  t.equal(iddPrefixOf('GB'), '00')
  for (const country of untouched.getCountries()) {
    const metadata = new untouched.Metadata()
    metadata.selectNumberingPlan(country)
    if (iddPrefixOf(country) !== metadata.numberingPlan?.IDDPrefix()) t.fail(`${country}: ${iddPrefixOf(country)}`)
  }
})
