// Shared pieces of the store suite: how a backend hands out fresh databases, and sample signups and attempts.
import type { Test } from 'tap'
import type { AttemptRecord, ConsentProof, InstrumentedStore, NewSignup, StoreOptions } from '../../src/store/types.ts'

/** Opens (and migrates) one more store instance on the same database; the backend closes it in teardown. */
export type OpenStore = (overrides?: Partial<StoreOptions>) => Promise<InstrumentedStore>

/** Creates a fresh, empty database for one subtest and removes it in that subtest's teardown. */
export type FreshDatabase = (t: Test) => Promise<OpenStore>

/**
 * Like FreshDatabase, but migrated only up to `version` (an older build's schema): `exec` runs raw SQL on it (to
 * seed rows the way that build wrote them), `open` opens the current store on it, which migrates the rest.
 */
export type LegacyDatabase = (t: Test, version: number) => Promise<{ exec: (sql: string) => Promise<void>, open: OpenStore }>

/** A fixed UTC start time: every time in the suite is T0 + something, no wall clock involved. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)
export const MINUTE = 60_000
export const DAY = 24 * 60 * MINUTE
export const TOKEN = 'tok-a1b2c3'

export const CONSENT: ConsentProof = {
  disclosureVersion: 'v-3f2a',
  consentGiven: true,
  clientIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  pageUrl: 'https://optin.example.com/c/summer?src=tv',
  referrer: 'https://tv.example.com/',
  source: 'tv'
}

let sequence = 0

/** A distinct US number each call ('1646555' + 4 digits), unless one is given. */
export function nextNumber (): string {
  sequence++
  return `1646${String(5550000 + sequence).padStart(7, '0')}`
}

/** A number with the given prefix (the velocity key: all but the last 4 digits) and last 4 digits. */
export function numberIn (prefix: string, last4: number): string {
  return `${prefix}${String(last4).padStart(4, '0')}`
}

export function newSignup (overrides: Partial<NewSignup> = {}): NewSignup {
  const phoneNumber = overrides.phoneNumber ?? nextNumber()
  return {
    campaign: 'summer',
    phoneNumber,
    e164: `+${phoneNumber}`,
    request: { PhoneNumber: phoneNumber, GroupIds: [12, 15], CTAMessage: 'Reply YES', SendCTAMessage: 1 },
    tokenKey: TOKEN,
    consent: CONSENT,
    createdAt: T0,
    ...overrides
  }
}

export function attemptOf (signupId: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    signupId,
    startedAt: T0 + 1000,
    finishedAt: T0 + 1250,
    outcome: 'created',
    httpStatus: 201,
    detail: '{"Id":77}',
    maybeProcessed: false,
    ...overrides
  }
}

/** Accepts `count` distinct signups concurrently (one batch) and returns their ids in order. */
export async function acceptMany (store: InstrumentedStore, count: number, overrides: Partial<NewSignup> = {}): Promise<number[]> {
  const results = await Promise.all(Array.from({ length: count }, () => store.accept(newSignup(overrides), DAY)))
  return results.map(r => r.id)
}

/** Two accepts from consecutive event-loop turns, both awaited: they share a batch only if it waits for company. */
export async function acceptOnConsecutiveTurns (store: InstrumentedStore): Promise<void> {
  const first = store.accept(newSignup(), DAY)
  await new Promise(resolve => setImmediate(resolve))
  const second = store.accept(newSignup(), DAY)
  await Promise.all([first, second])
}
