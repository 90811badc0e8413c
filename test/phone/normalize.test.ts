// Phone input: what visitors really type becomes the upstream's PhoneNumber digits, or a refusal they can act on.
import t from 'tap'
import { isCountryCode, normalizePhone } from '../../src/phone/normalize.ts'
import type { CountryCode, PhoneNumberType, PhoneRefusalCode, PhoneRules } from '../../src/phone/normalize.ts'

const only = (country: CountryCode): PhoneRules => ({ defaultCountry: country, allowedCountries: [country] })
const US = only('US')
const GB = only('GB')
const DE = only('DE')
const FR = only('FR')
const ES = only('ES')
const MX = only('MX')
const BR = only('BR')
const IN = only('IN')
const CA = only('CA')
const AU = only('AU')
const NORTH_AMERICA: PhoneRules = { defaultCountry: 'US', allowedCountries: ['US', 'CA'] }
const US_GB: PhoneRules = { defaultCountry: 'US', allowedCountries: ['US', 'GB'] }
const AU_GB_US: PhoneRules = { defaultCountry: 'AU', allowedCountries: ['AU', 'GB', 'US'] }
const WORLD: PhoneRules = {
  defaultCountry: 'US',
  allowedCountries: ['US', 'CA', 'GB', 'DE', 'FR', 'ES', 'MX', 'BR', 'IN', 'AU']
}

// 555-0100..0199 is NANPA's fictional block, yet libphonenumber's US ranges treat (646) 555-0123
// as valid, so it stands in for a real New York mobile; (646) 123-4567 is the invalid one.
type Accepted = [why: string, input: unknown, rules: PhoneRules, chosen: unknown, phoneNumber: string]
const accepted: Accepted[] = [
  ['US national with brackets', '(646) 555-0123', US, undefined, '16465550123'],
  ['US with dashes', '646-555-0123', US, undefined, '16465550123'],
  ['US with dots', '646.555.0123', US, undefined, '16465550123'],
  ['US with spaces', '646 555 0123', US, undefined, '16465550123'],
  ['US bare digits', '6465550123', US, undefined, '16465550123'],
  ['US brackets, no space', '(646)555-0123', US, undefined, '16465550123'],
  ['US square brackets', '[646] 555 0123', US, undefined, '16465550123'],
  ['US with +1', '+1 646 555 0123', US, undefined, '16465550123'],
  ['US with +1 and brackets', '+1 (646) 555-0123', US, undefined, '16465550123'],
  ['US E.164', '+16465550123', US, undefined, '16465550123'],
  ['US with trunk 1', '1-646-555-0123', US, undefined, '16465550123'],
  ['US with trunk 1 and brackets', '1 (646) 555-0123', US, undefined, '16465550123'],
  ['US odd grouping', '+1 646 5550 123', US, undefined, '16465550123'],
  ['another NYC number', '(212) 555-0123', US, undefined, '12125550123'],
  ['US with 001 (00 from a NANP default)', '001 646 555 0123', US, undefined, '16465550123'],
  ['US with 00, no spaces', '0016465550123', US, undefined, '16465550123'],
  ['US with 011 (the NANP exit code)', '011 1 646 555 0123', US, undefined, '16465550123'],
  ['tel: link', 'tel:+1-646-555-0123', US, undefined, '16465550123'],
  ['percent-encoded tel: link', 'tel:%2B1-646-555-0123', US, undefined, '16465550123'],
  ['upper-case TEL: link', 'TEL:+16465550123', US, undefined, '16465550123'],
  ['tel:// link', 'tel://+1-646-555-0123', US, undefined, '16465550123'],
  ['national tel: link', 'tel:646-555-0123', US, undefined, '16465550123'],
  ['surrounding whitespace', '  (646) 555-0123 \t', US, undefined, '16465550123'],
  ['no-break spaces', '646\u00a0555\u00a00123', US, undefined, '16465550123'],
  ['narrow no-break spaces', '+1\u202f646\u202f555\u202f0123', US, undefined, '16465550123'],
  ['zero-width characters', '\u200b646\u200d555\u20600123\ufeff', US, undefined, '16465550123'],
  ['iOS copy: bidi marks and a non-breaking hyphen', '\u202a+1 (646) 555\u20110123\u202c', US, undefined, '16465550123'],
  ['en dashes', '646–555–0123', US, undefined, '16465550123'],
  ['Arabic-Indic digits', '٦٤٦٥٥٥٠١٢٣', US, undefined, '16465550123'],
  ['Extended Arabic-Indic digits', '۶۴۶۵۵۵۰۱۲۳', US, undefined, '16465550123'],
  ['fullwidth digits and brackets', '（６４６）５５５－０１２３', US, undefined, '16465550123'],
  ['fullwidth plus', '＋１ ６４６ ５５５ ０１２３', US, undefined, '16465550123'],
  ['Devanagari digits', '६४६५५५०१२३', US, undefined, '16465550123'],
  ['Bengali digits', '৬৪৬৫৫৫০১২৩', US, undefined, '16465550123'],
  ['Arabic-Indic with +', '+١ ٦٤٦ ٥٥٥ ٠١٢٣', US, undefined, '16465550123'],
  ['UK mobile, national', '07400 123456', GB, undefined, '447400123456'],
  ['UK mobile, +44', '+44 7400 123456', GB, undefined, '447400123456'],
  ['UK mobile, +44 (0)', '+44 (0) 7400 123456', GB, undefined, '447400123456'],
  ['UK mobile, 00 from a UK default', '0044 7400 123456', GB, undefined, '447400123456'],
  ['UK mobile, 00 from a US default', '0044 7400 123456', US_GB, undefined, '447400123456'],
  ['UK mobile, 011 from a US default', '011 44 7400 123456', US_GB, undefined, '447400123456'],
  ['UK mobile, national, chosen GB', '07400 123456', US_GB, 'GB', '447400123456'],
  ['chosen country in lower case', '07400 123456', US_GB, 'gb', '447400123456'],
  ['international number overrides the chosen country', '+44 7400 123456', US_GB, 'US', '447400123456'],
  ['German mobile, national', '0151 23456789', DE, undefined, '4915123456789'],
  ['German mobile, +49 (0)', '+49 (0)151 23456789', DE, undefined, '4915123456789'],
  ['German mobile from a US default', '+49 151 23456789', WORLD, undefined, '4915123456789'],
  ['French mobile, national', '06 12 34 56 78', FR, undefined, '33612345678'],
  ['French mobile, chosen FR', '06 12 34 56 78', WORLD, 'FR', '33612345678'],
  ['French mobile, +33', '+33 6 12 34 56 78', WORLD, undefined, '33612345678'],
  ['Spanish mobile, national', '612 34 56 78', ES, undefined, '34612345678'],
  ['Spanish mobile, +34', '+34 612 345 678', WORLD, undefined, '34612345678'],
  ['Mexican mobile, national', '55 1234 5678', MX, undefined, '525512345678'],
  ['Mexican mobile, +52', '+52 55 1234 5678', WORLD, undefined, '525512345678'],
  ['Mexican mobile, pre-2019 +52 1', '+52 1 55 1234 5678', MX, undefined, '525512345678'],
  ['Brazilian mobile, national', '(11) 96123-4567', BR, undefined, '5511961234567'],
  ['Brazilian mobile, trunk 0', '011 96123-4567', BR, undefined, '5511961234567'],
  ['Brazilian mobile, +55', '+55 11 96123-4567', WORLD, undefined, '5511961234567'],
  ['Indian mobile, national', '98765 43210', IN, undefined, '919876543210'],
  ['Indian mobile, trunk 0', '098765 43210', IN, undefined, '919876543210'],
  ['Indian mobile, +91', '+91 98765 43210', WORLD, undefined, '919876543210'],
  ['Canadian number, CA default', '(416) 555-0123', CA, undefined, '14165550123'],
  ['Canadian number on a US+CA campaign', '(416) 555-0123', NORTH_AMERICA, undefined, '14165550123'],
  ['Canadian number with +1', '+1 604 555 0123', NORTH_AMERICA, undefined, '16045550123'],
  ['Australian mobile, national', '0412 345 678', AU, undefined, '61412345678'],
  ['Australian mobile, chosen AU', '0412 345 678', WORLD, 'AU', '61412345678'],
  ['Australian mobile, +61', '+61 412 345 678', WORLD, undefined, '61412345678'],
  ['0011, Australia\'s own exit code', '0011 1 646 555 0123', AU_GB_US, undefined, '16465550123'],
  ['00 from an AU default', '0044 7400 123456', AU_GB_US, undefined, '447400123456'],
  ['blank chosen country means the default', '(646) 555-0123', WORLD, '', '16465550123'],
  ['null chosen country means the default', '(646) 555-0123', WORLD, null, '16465550123'],
  ['empty allow-list means the default country only', '(646) 555-0123', { defaultCountry: 'US', allowedCountries: [] }, undefined, '16465550123']
]

type Refused = [why: string, input: unknown, rules: PhoneRules, chosen: unknown, code: PhoneRefusalCode, numberType?: PhoneNumberType]
const refused: Refused[] = [
  ['empty string', '', US, undefined, 'empty'],
  ['whitespace only', '   \t ', US, undefined, 'empty'],
  ['invisible characters only', '\u00a0\u200b\u202f', US, undefined, 'empty'],
  ['empty tel: link', 'tel:', US, undefined, 'empty'],
  ['undefined', undefined, US, undefined, 'empty'],
  ['null', null, US, undefined, 'empty'],
  ['a JSON number', 6465550123, US, undefined, 'not_a_number'],
  ['an array', ['6465550123'], US, undefined, 'not_a_number'],
  ['an object', { phone: '6465550123' }, US, undefined, 'not_a_number'],
  ['a boolean', true, US, undefined, 'not_a_number'],
  ['letters', 'abc', US, undefined, 'not_a_number'],
  ['a sentence', 'call me maybe', US, undefined, 'not_a_number'],
  ['a vanity number', '1-800-FLOWERS', US, undefined, 'not_a_number'],
  ['digits with trailing letters', '6465550123abc', US, undefined, 'not_a_number'],
  ['emoji', '📱📱📱', US, undefined, 'not_a_number'],
  ['digits with an emoji', '646 555 0123 📱', US, undefined, 'not_a_number'],
  ['a lone plus', '+', US, undefined, 'not_a_number'],
  ['punctuation only', '--- ()', US, undefined, 'not_a_number'],
  ['a plus in the middle', '646+555+0123', US, undefined, 'not_a_number'],
  ['two numbers', '646 555 0123 / 646 555 0124', US, undefined, 'too_long'],
  ['malformed percent-encoding', 'tel:%E0%A4%A', US, undefined, 'not_a_number'],
  ['an email address', 'me@example.com', US, undefined, 'not_a_number'],
  ['an extension marker without a number', 'ext. 12', US, undefined, 'not_a_number'],
  ['two digits', '12', US, undefined, 'too_short'],
  ['one digit short', '646 555 012', US, undefined, 'too_short'],
  ['UK mobile missing most digits', '07400 1', GB, undefined, 'too_short'],
  // Seven or eight digits are possible UK lengths (0800 1111), so the library calls these invalid, not too short.
  ['UK mobile three digits short', '07400 123', GB, undefined, 'invalid'],
  ['UK mobile two digits short', '07400 1234', GB, undefined, 'invalid'],
  ['twenty digits', '12345678901234567890', US, undefined, 'too_long'],
  ['one digit too many', '646 555 01234', US, undefined, 'too_long'],
  ['65 characters', '1'.repeat(65), US, undefined, 'too_long'],
  ['a 100 kB body', '6'.repeat(100_000), US, undefined, 'too_long'],
  ['exchange starting with 1', '(646) 123-4567', US, undefined, 'invalid'],
  ['unassigned area code', '(999) 555-0123', US, undefined, 'invalid'],
  ['unassigned calling code', '+999 123 4567', US, undefined, 'invalid'],
  ['UK number in an unused range', '+44 4012 345678', GB, undefined, 'invalid'],
  ['UK mobile on a US-only campaign', '+44 7400 123456', US, undefined, 'country_not_allowed'],
  ['Canadian number on a US-only campaign', '(416) 555-0123', US, undefined, 'country_not_allowed'],
  ['Canadian number with +1 on a US-only campaign', '+1 416 555 0123', US, undefined, 'country_not_allowed'],
  ['Puerto Rico is its own country in the metadata', '+1 787 555 0123', US, undefined, 'country_not_allowed'],
  ['non-geographic +800', '+800 1234 5678', WORLD, undefined, 'country_not_allowed'],
  ['chosen country not on the list', '6465550123', US, 'GB', 'country_not_offered'],
  ['unknown chosen country', '6465550123', US_GB, 'ZZ', 'country_not_offered'],
  ['chosen country that is not a string', '6465550123', US_GB, 42, 'country_not_offered'],
  ['extension in words', '646-555-0123 ext. 12', US, undefined, 'extension'],
  ['extension with x', '646 555 0123 x12', US, undefined, 'extension'],
  ['extension with #', '+44 7400 123456 #12', GB, undefined, 'extension'],
  ['extension in a tel: link', 'tel:+1-646-555-0123;ext=12', US, undefined, 'extension'],
  ['London landline', '020 7946 0018', GB, undefined, 'unsupported_type', 'FIXED_LINE'],
  ['Berlin landline', '030 1234567', DE, undefined, 'unsupported_type', 'FIXED_LINE'],
  ['UK premium rate 09', '0909 123 4567', GB, undefined, 'unsupported_type', 'PREMIUM_RATE'],
  ['US premium rate 900', '+1 900 555 0123', US, undefined, 'unsupported_type', 'PREMIUM_RATE'],
  ['UK freephone 0800', '0800 123 4567', GB, undefined, 'unsupported_type', 'TOLL_FREE'],
  ['US toll free 800', '(800) 555-1234', US, undefined, 'unsupported_type', 'TOLL_FREE'],
  ['Australian freecall 1800', '1800 123 456', AU, undefined, 'unsupported_type', 'TOLL_FREE'],
  ['UK pager 076', '07640 123456', GB, undefined, 'unsupported_type', 'PAGER'],
  ['German shared cost 0180', '0180 1234567', DE, undefined, 'unsupported_type', 'SHARED_COST'],
  ['French shared cost 0810', '0810 12 34 56', FR, undefined, 'unsupported_type', 'SHARED_COST'],
  ['Australian local rate 1300', '1300 123 456', AU, undefined, 'unsupported_type', 'SHARED_COST'],
  ['German mobile voicemail', '0177 99 1234567', DE, undefined, 'unsupported_type', 'VOICEMAIL'],
  ['UK 055 company number', '055 1234 5678', GB, undefined, 'unsupported_type', 'UAN'],
  ['UK 070 personal number', '070 1234 5678', GB, undefined, 'unsupported_type', 'PERSONAL_NUMBER'],
  ['US 500 personal number', '+1 500 555 0123', US, undefined, 'unsupported_type', 'PERSONAL_NUMBER'],
  ['UK 056 VoIP', '056 1234 5678', GB, undefined, 'unsupported_type', 'VOIP'],
  ['French 09 VoIP box line', '09 12 34 56 78', FR, undefined, 'unsupported_type', 'VOIP'],
  ['Canadian 600 non-geographic', '+1 600 555 0123', NORTH_AMERICA, undefined, 'unsupported_type', 'VOIP']
]

t.test('real-world inputs are accepted as the upstream PhoneNumber', async t => {
  for (const [why, input, rules, chosen, phoneNumber] of accepted) {
    const result = normalizePhone(input, rules, chosen)
    t.match(result, { ok: true, phoneNumber, e164: `+${phoneNumber}` }, why)
  }
})

t.test('refused inputs carry their reason code', async t => {
  for (const [why, input, rules, chosen, code, numberType] of refused) {
    const result = normalizePhone(input, rules, chosen)
    t.match(result, { ok: false, code, ...(numberType ? { numberType } : {}) }, why)
  }
})

t.test('the table covers enough ground', async t => {
  t.ok(accepted.length + refused.length >= 80, `${accepted.length + refused.length} rows`)
})

t.test('an accepted number says what it is and how to show it', async t => {
  t.same(normalizePhone('(646) 555-0123', US), {
    ok: true,
    phoneNumber: '16465550123',
    e164: '+16465550123',
    country: 'US',
    type: 'FIXED_LINE_OR_MOBILE',
    national: '(646) 555-0123'
  })
  t.match(normalizePhone('+44 7400 123456', US_GB), { country: 'GB', type: 'MOBILE', national: '07400 123456' })
  t.match(normalizePhone('(416) 555-0123', NORTH_AMERICA), { country: 'CA' })
})

t.test('refusal messages speak to the visitor and never echo the input', async t => {
  for (const [why, input, rules, chosen] of refused) {
    const result = normalizePhone(input, rules, chosen)
    if (result.ok) continue
    t.match(result.message, /^[A-Z].*\.$/, `${why}: a sentence`)
    if (typeof input === 'string' && input.trim().length > 3) {
      t.notOk(result.message.includes(input.trim()), `${why}: input not echoed`)
    }
  }
  t.match(normalizePhone('', US), { message: 'Please enter your mobile number.' })
})

t.test('country refusals name the allowed countries in English', async t => {
  t.match(normalizePhone('+44 7400 123456', US), {
    code: 'country_not_allowed',
    allowedCountries: ['US'],
    message: /one country only: United States\./
  })
  t.match(normalizePhone('+49 151 23456789', US_GB), { message: /these countries only: United States, United Kingdom\./ })
  t.match(normalizePhone('6465550123', NORTH_AMERICA, 'MX'), { code: 'country_not_offered', message: /United States, Canada/ })
})

t.test('unsupported types say what the number looks like', async t => {
  t.match(normalizePhone('020 7946 0018', GB), { message: /landline/ })
  t.match(normalizePhone('0909 123 4567', GB), { message: /premium-rate/ })
  t.match(normalizePhone('0800 123 4567', GB), { message: /toll-free/ })
})

t.test('odd values never throw', async t => {
  const odd: unknown[] = [0, -1, NaN, Infinity, 10n, Symbol('x'), () => '6465550123', new Date(), /\d+/, new Map(), Buffer.from('6465550123')]
  for (const value of odd) {
    t.doesNotThrow(() => normalizePhone(value, US, value), String(typeof value))
    t.match(normalizePhone(value, US), { ok: false, code: 'not_a_number' })
  }
})

t.test('pure: the rules are not touched and the same input gives the same answer', async t => {
  const rules: PhoneRules = Object.freeze({ defaultCountry: 'US', allowedCountries: Object.freeze(['US', 'CA'] as CountryCode[]) })
  const first = normalizePhone('(646) 555-0123', rules, 'US')
  t.same(normalizePhone('(646) 555-0123', rules, 'US'), first)
  t.same(rules, { defaultCountry: 'US', allowedCountries: ['US', 'CA'] })
})

t.test('isCountryCode knows the metadata\'s countries, in capitals', async t => {
  t.ok(isCountryCode('US'))
  t.ok(isCountryCode('GB'))
  t.notOk(isCountryCode('us'))
  t.notOk(isCountryCode('UK'))
  t.notOk(isCountryCode('ZZ'))
  t.notOk(isCountryCode(''))
})
