// A deletion request's number, as the operator typed it → the E.164 the store keeps, or what is wrong with it. Shared
// by `optline delete-number` and the dashboard: read like the form reads it, in any country, since the request may be
// about a number any campaign took; +digits as the export shows it is taken as given (it may predate today's rules).
import { getCountries } from '../phone/libphonenumber.ts'
import { isCountryCode, normalizePhone } from '../phone/normalize.ts'

const STORED_FORM = /^\+[\d\s().-]+$/

export type DeletionNumber =
  | { ok: true, e164: string, /** Set when the number was taken as given although the form would refuse it now. */ asGiven?: string }
  | { ok: false, field: 'phone' | 'country', message: string }

export function deletionNumber (phone: unknown, country: unknown = 'US'): DeletionNumber {
  const text = typeof phone === 'string' ? phone.trim().slice(0, 64) : ''
  if (text === '') return { ok: false, field: 'phone', message: 'Type the number whose records are to be deleted.' }
  const code = typeof country === 'string' ? country.trim().toUpperCase() : ''
  if (!isCountryCode(code)) return { ok: false, field: 'country', message: `The country must be a two-letter code such as US, got '${String(country).slice(0, 10)}'.` }
  const normalized = normalizePhone(text, { defaultCountry: code, allowedCountries: getCountries() })
  if (normalized.ok) return { ok: true, e164: normalized.e164 }
  const digits = text.replace(/\D/g, '')
  if (STORED_FORM.test(text) && /^[1-9]\d{3,14}$/.test(digits)) return { ok: true, e164: `+${digits}`, asGiven: normalized.message }
  return { ok: false, field: 'phone', message: normalized.message }
}
