// The admin password's stored form: scrypt (node:crypto), self-describing as `scrypt:ln=15,r=8,p=3:<salt>:<hash>`
// (base64url), so the cost can be raised later without breaking hashes already set. No `$` in it: .env files and
// Docker Compose would try to expand one.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

export interface PasswordHash {
  /** log2 of scrypt's N (CPU/memory cost). */
  ln: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

// OWASP's scrypt setting for 32 MiB (N = 2^15, r = 8, p = 3): about 0.1 s per check on a server core, and memory per
// check bounded, since login attempts are what an attacker controls.
export const DEFAULT_COST = { ln: 15, r: 8, p: 3 } as const
/** The most a configured hash may ask for: beyond this one login attempt could take seconds and gigabytes. */
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const
const SALT_BYTES = 16
const HASH_BYTES = 32
export const MIN_PASSWORD_LENGTH = 12
const MAX_PASSWORD_LENGTH = 1024

const FORMAT = /^scrypt:ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2}):([A-Za-z0-9_-]{16,128}):([A-Za-z0-9_-]{32,128})$/

/** The hash's text → its parts; an Error saying what is wrong (for the start-up message) when it is not one. */
export function parsePasswordHash (text: string): PasswordHash {
  const match = FORMAT.exec(text.trim())
  if (match === null) throw new Error('must be a hash made by `optline hash-password` (scrypt:ln=…,r=…,p=…:salt:hash)')
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])]
  for (const [name, value] of [['ln', ln], ['r', r], ['p', p]] as const) {
    const [low, high] = LIMITS[name]
    if (value < low || value > high) throw new Error(`has ${name}=${value}; it must be from ${low} to ${high}`)
  }
  const salt = Buffer.from(match[4] ?? '', 'base64url')
  const hash = Buffer.from(match[5] ?? '', 'base64url')
  if (salt.length < 12 || hash.length < 24) throw new Error('has a salt or hash too short to be one optline made')
  return { ln, r, p, salt, hash }
}

function scryptAsync (password: string, salt: Buffer, length: number, cost: { ln: number, r: number, p: number }): Promise<Buffer> {
  const N = 2 ** cost.ln
  // Node refuses more than 32 MiB unless told: 128·N·r bytes, plus headroom.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 128 * N * cost.r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => { if (error === null) resolve(key); else reject(error) })
  })
}

/** A new hash of `password` with a random salt. */
export async function hashPassword (password: string, cost: { ln: number, r: number, p: number } = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await scryptAsync(password, salt, HASH_BYTES, cost)
  return `scrypt:ln=${cost.ln},r=${cost.r},p=${cost.p}:${salt.toString('base64url')}:${hash.toString('base64url')}`
}

/** True when `password` matches; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword (password: string, stored: PasswordHash): Promise<boolean> {
  // Absurdly long input is refused before scrypt reads it (its cost does not grow with length, but why hash 1 MB).
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return false
  const candidate = await scryptAsync(password, stored.salt, stored.hash.length, stored)
  return timingSafeEqual(candidate, stored.hash)
}
