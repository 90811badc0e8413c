// Signed, expiring form tokens: proof that this server rendered the form (or the embed endpoint) a few seconds before the submit.

import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto'

export interface FormTokenOptions {
  /** HMAC key, or `[current, ...previous]` during a rotation: issue with the first, accept any. At least 32 bytes each. */
  secret: Buffer | readonly Buffer[]
  /** Milliseconds since the epoch; injected so tests move time instead of sleeping. */
  now: () => number
  /** Youngest acceptable token. Default 2500 ms. */
  minAgeMs?: number
  /** Oldest acceptable token. Default 4 hours. */
  maxAgeMs?: number
  /** How far in the future a token may claim to be issued (another instance's clock). Default 30 s. */
  maxFutureSkewMs?: number
  /** Random source for the nonce; injected like the clock. Default `crypto.randomBytes`. */
  random?: (size: number) => Buffer
}

export type FormTokenFailure = 'missing' | 'malformed' | 'bad_signature' | 'wrong_campaign' | 'too_fast' | 'expired' | 'from_the_future'

export type FormTokenCheck = { ok: true, ageMs: number } | { ok: false, reason: FormTokenFailure }

export interface FormTokens {
  issue (campaign: string): string
  /** Never throws. `minAgeMs` overrides the default for one campaign (its `minSubmitSeconds`). */
  verify (token: unknown, campaign: string, overrides?: { minAgeMs?: number }): FormTokenCheck
}

// A person has to read the disclosure, type a 10+ digit number and tick a box: that takes well over 3 s,
// while a script posts within milliseconds of fetching the page. 2.5 s leaves room for autofill + a fast thumb.
export const DEFAULT_MIN_AGE_MS = 2_500
// Long enough for a page left open over lunch or a poster scanned then finished later; short enough that a
// harvested token is not a lasting licence to submit.
export const DEFAULT_MAX_AGE_MS = 4 * 60 * 60 * 1000
// NTP keeps instances within milliseconds; 30 s only absorbs a badly drifting one. Beyond that the token is
// reported separately, because it means a clock to fix, not a bot.
export const DEFAULT_MAX_FUTURE_SKEW_MS = 30_000
/** Tokens are a few hundred characters at most; anything longer is refused before any decoding or crypto. */
export const MAX_TOKEN_LENGTH = 512

const VERSION = 1
const NONCE_BYTES = 12
// version (1) + issuedAt in ms as a 48-bit integer (6, good until the year 10889) + nonce, then the campaign.
const HEADER_BYTES = 1 + 6 + NONCE_BYTES
const MAX_CAMPAIGN_BYTES = 128
const MAC_BYTES = 32
// Binds the MAC to this use: should the key ever sign something else too, that signature is not a form token.
const CONTEXT = Buffer.from('optline form token\0')
const BASE64URL = /^[A-Za-z0-9_-]+$/

// A KeyObject made once: handing createHmac a Buffer makes it build one on every call (about 4x the cost).
function mac (key: KeyObject, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(CONTEXT).update(payload).digest()
}

/** Strict base64url: Node's decoder skips stray characters and ignores spare low bits, so a re-encode must match. */
function decode (text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

function checkDuration (name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number of milliseconds`)
  return value
}

export function createFormTokens (options: FormTokenOptions): FormTokens {
  const keys: readonly Buffer[] = Buffer.isBuffer(options.secret) ? [options.secret] : [...options.secret]
  const signingKey = keys[0]
  if (signingKey === undefined) throw new TypeError('form token secret: at least one key is required')
  // RFC 2104: keys shorter than the hash output weaken the MAC.
  if (keys.some((key) => !Buffer.isBuffer(key) || key.length < 32)) throw new TypeError('form token secret: each key must be a Buffer of at least 32 bytes')
  const now = options.now
  const random = options.random ?? randomBytes
  const minAgeMs = checkDuration('minAgeMs', options.minAgeMs ?? DEFAULT_MIN_AGE_MS)
  const maxAgeMs = checkDuration('maxAgeMs', options.maxAgeMs ?? DEFAULT_MAX_AGE_MS)
  const maxSkewMs = checkDuration('maxFutureSkewMs', options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)
  if (maxAgeMs <= minAgeMs) throw new TypeError('maxAgeMs must be greater than minAgeMs')
  const macKeys = keys.map(key => createSecretKey(key))
  const signingMacKey = macKeys[0] as KeyObject

  function issue (campaign: string): string {
    const name = Buffer.from(typeof campaign === 'string' ? campaign : '', 'utf8')
    if (name.length === 0 || name.length > MAX_CAMPAIGN_BYTES) {
      throw new TypeError(`form token campaign must be 1 to ${MAX_CAMPAIGN_BYTES} bytes`)
    }
    const nonce = random(NONCE_BYTES)
    if (nonce.length !== NONCE_BYTES) throw new TypeError(`form token random source must return ${NONCE_BYTES} bytes`)
    const payload = Buffer.alloc(HEADER_BYTES + name.length)
    payload.writeUInt8(VERSION, 0)
    payload.writeUIntBE(Math.floor(now()), 1, 6)
    nonce.copy(payload, 7)
    name.copy(payload, HEADER_BYTES)
    return `${payload.toString('base64url')}.${mac(signingMacKey, payload).toString('base64url')}`
  }

  function signedByUs (payload: Buffer, signature: Buffer): boolean {
    // Every key is tried, so which one matched (current or previous) does not show in the timing.
    let matched = false
    for (const key of macKeys) {
      if (timingSafeEqual(mac(key, payload), signature)) matched = true
    }
    return matched
  }

  function check (token: unknown, campaign: string, minAge: number): FormTokenCheck {
    if (token === undefined || token === null || token === '') return { ok: false, reason: 'missing' }
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' }
    const parts = token.split('.')
    if (parts.length !== 2) return { ok: false, reason: 'malformed' }
    const payload = decode(parts[0] as string)
    const signature = decode(parts[1] as string)
    // timingSafeEqual throws on unequal lengths: check first, and only then compare.
    if (payload === undefined || signature === undefined || signature.length !== MAC_BYTES) return { ok: false, reason: 'malformed' }
    if (payload.length <= HEADER_BYTES || payload.readUInt8(0) !== VERSION) return { ok: false, reason: 'malformed' }
    if (!signedByUs(payload, signature)) return { ok: false, reason: 'bad_signature' }

    // Signed by us, so the fields are ours; a token for one campaign must not unlock another's form.
    if (!payload.subarray(HEADER_BYTES).equals(Buffer.from(String(campaign), 'utf8'))) return { ok: false, reason: 'wrong_campaign' }
    const ageMs = Math.floor(now()) - payload.readUIntBE(1, 6)
    if (ageMs < -maxSkewMs) return { ok: false, reason: 'from_the_future' }
    // A token up to maxSkewMs "from the future" is not an error, but it has not aged either: the minimum
    // time must be observed on this server's clock, or a skewed pair of instances would let bots through.
    if (ageMs < minAge) return { ok: false, reason: 'too_fast' }
    if (ageMs > maxAgeMs) return { ok: false, reason: 'expired' }
    return { ok: true, ageMs }
  }

  return {
    issue,
    verify (token, campaign, overrides) {
      try {
        const override = overrides?.minAgeMs
        const minAge = typeof override === 'number' && Number.isFinite(override) && override >= 0 ? override : minAgeMs
        return check(token, campaign, minAge)
      } catch {
        // Unreachable by design (every input is typed and bounded above); a submit must never 500 on a token.
        return { ok: false, reason: 'malformed' }
      }
    }
  }
}
