// Distinct, valid US mobile-looking numbers for load generators: the i-th request gets the i-th number.
// Consecutive numbers differ in area code and exchange, not in the last four digits: optline holds signups whose
// numbers share a prefix too often (SMS-pumping defence), and a crowd of real visitors has varied prefixes.
// libphonenumber decides US validity by area code + exchange only; checkNumbers() proves every prefix used.
import { normalizePhone } from '../../src/phone/normalize.ts'

// 64 US area codes that libphonenumber accepts with any exchange 200-999.
const AREAS = ('201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 224 225 228 229 231 234 239 240 248 ' +
  '251 252 253 254 256 260 262 267 269 270 272 276 281 301 302 303 304 305 307 308 309 310 312 313 314 315 316 317 318 ' +
  '319 320 321 323 325 330 334 336 337').split(' ')
// Every exchange NXX except the N11 service codes.
const EXCHANGES = Array.from({ length: 800 }, (_, i) => String(200 + i)).filter(x => x.slice(1) !== '11')
const PREFIXES = AREAS.length * EXCHANGES.length

/** How many distinct numbers numberAt() can give. */
export const NUMBER_COUNT = PREFIXES * 10_000

function prefixAt (p: number): string {
  return `(${AREAS[p % AREAS.length]}) ${EXCHANGES[Math.floor(p / AREAS.length)]}`
}

/** The i-th number, as a visitor would type it: '(201) 200-0000', '(202) 200-0000', … */
export function numberAt (i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= NUMBER_COUNT) throw new RangeError(`numberAt: ${i} is out of range`)
  return `${prefixAt(i % PREFIXES)}-${String(Math.floor(i / PREFIXES)).padStart(4, '0')}`
}

/** The JSON body of the API call for the i-th number, with the page's form token when there is one. */
export function signupBody (i: number, formToken?: string): string {
  return formToken === undefined
    ? `{"phone":"${numberAt(i)}","consent":true}`
    : `{"phone":"${numberAt(i)}","consent":true,"formToken":"${formToken}"}`
}

/**
 * Throws unless the server's own normalizePhone accepts every area code with a spread of exchanges and every
 * exchange with a spread of area codes (a refused number would also show up as a 422 in the load results).
 */
export function checkNumbers (): void {
  const rules = { defaultCountry: 'US', allowedCountries: ['US'] } as const
  const check = (area: string, exchange: string) => {
    const number = `(${area}) ${exchange}-0123`
    const result = normalizePhone(number, rules)
    if (!result.ok) throw new Error(`bench number ${number} is refused (${result.code})`)
  }
  for (const [i, area] of AREAS.entries()) for (let k = 0; k < 8; k++) check(area, EXCHANGES[(i + k * 97) % EXCHANGES.length] as string)
  for (const [i, exchange] of EXCHANGES.entries()) for (let k = 0; k < 4; k++) check(AREAS[(i + k * 17) % AREAS.length] as string, exchange)
}
