// Who may open /admin: the ADMIN_TOKEN or the password whose scrypt hash is ADMIN_PASSWORD_HASH, checked in constant
// time; then a session (a signed cookie value naming a random id and its start) and the CSRF token derived from it.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { type PasswordHash, parsePasswordHash, verifyPassword } from './password-hash.ts'

export interface AdminAuthSettings {
  /** ADMIN_TOKEN: typed at the login, or sent as `Authorization: Bearer …` by scripts. */
  token?: string | undefined
  /** ADMIN_PASSWORD_HASH, as `optline hash-password` prints it. */
  passwordHash?: string | undefined
}

export interface AdminSession {
  id: string
  issuedAt: number
}

export type CheckResult = 'ok' | 'wrong' | 'busy'

export interface AdminAuth {
  /** Checks what was typed at the login against the token and the password. 'busy' when too many checks are waiting. */
  check (secret: string): Promise<CheckResult>
  /** `Authorization: Bearer <ADMIN_TOKEN>`: for scripts (the export); never a cookie, so never a CSRF risk. */
  bearer (header: string | undefined): boolean
  /** The key @fastify/cookie signs the session cookie with (HMAC-SHA256). */
  readonly cookieSecret: string
  newSession (now: number): { value: string, session: AdminSession }
  /** The cookie's (already unsigned) value → its session, or undefined when malformed or expired. */
  readSession (value: string, now: number): AdminSession | undefined
  csrfToken (session: AdminSession): string
  checkCsrf (session: AdminSession, token: unknown): boolean
}

/** How long a session lasts from sign-in, whatever is done meanwhile (an admin cookie should not live for weeks). */
export const SESSION_MS = 8 * 3_600_000
// Password checks run one or two at a time (each takes 32 MiB and ~0.1 s); a crowd of attempts waits, then is refused.
const CHECKS_AT_ONCE = 2
const MAX_WAITING = 16
const SESSION_VALUE = /^v1\.([A-Za-z0-9_-]{22})\.(\d{13})$/

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

export function createAdminAuth (settings: AdminAuthSettings): AdminAuth {
  const token = settings.token === undefined ? undefined : digest(settings.token)
  const hash: PasswordHash | undefined = settings.passwordHash === undefined ? undefined : parsePasswordHash(settings.passwordHash)
  if (token === undefined && hash === undefined) throw new Error('admin: ADMIN_TOKEN or ADMIN_PASSWORD_HASH is needed')
  // Every instance derives the same key from the same settings, so a session opened on one is valid on the others; a
  // new token or password changes the key and so ends every session (that is how to sign everyone out).
  const material = `${settings.token ?? ''}\n${settings.passwordHash ?? ''}`
  const key = Buffer.from(hkdfSync('sha256', material, 'optline-admin', 'session cookie and CSRF v1', 32))
  let running = 0
  const waiting: Array<() => void> = []

  function tokenMatches (secret: string): boolean {
    // Digests first: timingSafeEqual needs equal lengths, and comparing digests leaks neither length nor content.
    return token !== undefined && timingSafeEqual(digest(secret), token)
  }

  async function passwordMatches (secret: string): Promise<boolean> {
    if (hash === undefined) return false
    if (running >= CHECKS_AT_ONCE) await new Promise<void>(resolve => waiting.push(resolve))
    running++
    try {
      return await verifyPassword(secret, hash)
    } finally {
      running--
      waiting.shift()?.()
    }
  }

  function mac (text: string): Buffer {
    return createHmac('sha256', key).update(text).digest()
  }

  return {
    async check (secret) {
      if (typeof secret !== 'string' || secret === '') return 'wrong'
      if (tokenMatches(secret)) return 'ok'
      if (hash !== undefined && waiting.length >= MAX_WAITING) return 'busy'
      return (await passwordMatches(secret)) ? 'ok' : 'wrong'
    },
    bearer (header) {
      // The scheme name is case-insensitive (RFC 9110), the token is not.
      const match = typeof header === 'string' ? /^bearer +(\S+)$/i.exec(header) : null
      return match?.[1] !== undefined && tokenMatches(match[1])
    },
    cookieSecret: key.toString('base64url'),
    newSession (now) {
      const session = { id: randomBytes(16).toString('base64url'), issuedAt: Math.floor(now) }
      return { value: `v1.${session.id}.${session.issuedAt}`, session }
    },
    readSession (value, now) {
      const match = SESSION_VALUE.exec(value)
      if (match === null) return undefined
      const issuedAt = Number(match[2])
      // A session from the future (clock skew between instances) is allowed a minute, not more.
      if (now - issuedAt >= SESSION_MS || issuedAt - now > 60_000) return undefined
      return { id: match[1] ?? '', issuedAt }
    },
    csrfToken (session) {
      return mac(`csrf\n${session.id}`).toString('base64url')
    },
    checkCsrf (session, candidate) {
      if (typeof candidate !== 'string' || candidate.length > 100) return false
      const expected = mac(`csrf\n${session.id}`)
      const given = Buffer.from(candidate, 'base64url')
      return given.length === expected.length && timingSafeEqual(given, expected)
    }
  }
}
