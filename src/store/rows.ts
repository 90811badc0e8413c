// Row ↔ contract conversions shared by both stores: column names, NULL ↔ undefined, 0/1 ↔ boolean, JSON text.
import type { OptInRequest } from '../upstream/types.ts'
import type {
  AttemptRecord, AttemptResolution, BucketState, ClaimedSignup, HeldSignup, NewSignup, SignupDetail, SignupStatus,
  StatusCounts, UtmTags, VelocityLimit
} from './types.ts'
import { UTM_KEYS } from './consent-types.ts'

type Row = Record<string, unknown>

/** A time for an INTEGER/BIGINT column: whole ms, rounded up so that "not before" times are never moved earlier. */
export function toMs (value: number, name: string): number {
  if (!Number.isFinite(value)) throw new TypeError(`store: ${name} must be a finite time in ms, got ${value}`)
  return Math.ceil(value)
}

/**
 * Checked by accept() before queuing, not inside the batch: one bad signup must not fail the transaction
 * of every other visitor in its batch.
 */
export function invalidAccept (signup: NewSignup, dedupeWindowMs: number, velocity: VelocityLimit | undefined): TypeError | undefined {
  try {
    toMs(signup.createdAt, 'createdAt')
    toMs(dedupeWindowMs, 'dedupeWindowMs')
    if (signup.hold !== undefined && (typeof signup.hold !== 'string' || signup.hold === '')) {
      throw new TypeError(`store: hold must be a non-empty reason, got ${JSON.stringify(signup.hold)}`)
    }
    if (velocity !== undefined) {
      if (!Number.isSafeInteger(velocity.max) || velocity.max < 1) throw new TypeError(`store: velocity max must be a whole number ≥ 1, got ${velocity.max}`)
      toMs(velocity.windowMs, 'velocity windowMs')
    }
    return undefined
  } catch (error) {
    return error as TypeError
  }
}

/** The per-prefix velocity key: ProTexting's PhoneNumber minus its last 4 digits (migration 4 backfills the same). */
export function phonePrefix (phoneNumber: string): string {
  return phoneNumber.slice(0, -4)
}

/** listHeld()'s options, checked: a bad limit or cursor would otherwise reach SQL as NaN. */
export function heldQuery (options: { campaign?: string, limit: number, before?: number }) {
  const { campaign, limit, before } = options
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError(`store: limit must be a whole number ≥ 0, got ${limit}`)
  if (before !== undefined && !Number.isSafeInteger(before)) throw new TypeError(`store: before must be an id, got ${before}`)
  return { campaign: campaign ?? null, limit, before: before ?? null }
}

export function emptyCounts (): StatusCounts {
  return { pending: 0, sending: 0, delivered: 0, rejected: 0, duplicate: 0, held: 0 }
}

export function toCounts (rows: readonly Row[]): StatusCounts {
  const counts = emptyCounts()
  for (const row of rows) counts[row.status as SignupStatus] = Number(row.n)
  return counts
}

/** The signup columns a resolution sets (final statuses clear the lease; only a retry has a next attempt). */
export function resolutionColumns (resolution: AttemptResolution, finishedAt: number) {
  switch (resolution.status) {
    case 'delivered':
      return { status: 'delivered', nextAttemptAt: null, deliveredAt: toMs(finishedAt, 'finishedAt'), contactId: resolution.contactId ?? null, lastError: null }
    case 'rejected':
      return { status: 'rejected', nextAttemptAt: null, deliveredAt: null, contactId: null, lastError: resolution.error }
    case 'pending':
      return { status: 'pending', nextAttemptAt: toMs(resolution.nextAttemptAt, 'nextAttemptAt'), deliveredAt: null, contactId: null, lastError: resolution.error }
  }
}

export function toClaimed (row: Row): ClaimedSignup {
  return {
    id: Number(row.id),
    campaign: String(row.campaign),
    phoneNumber: String(row.phone_number),
    request: parseJson(row.request) as OptInRequest,
    tokenKey: String(row.token_key),
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    // The status the row had before this claim: 'sending' means its earlier claim's lease ran out.
    reclaimed: row.previous_status === 'sending',
    maybeSentBefore: row.maybe_sent_before === true || Number(row.maybe_sent_before) === 1
  }
}

export function toAttempt (row: Row): AttemptRecord {
  return {
    signupId: Number(row.signup_id),
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
    outcome: String(row.outcome),
    httpStatus: optionalNumber(row.http_status),
    detail: String(row.detail),
    maybeProcessed: Boolean(row.maybe_processed)
  }
}

/** One row of signups LEFT JOIN signup_consents LEFT JOIN disclosures (text as disclosure_text), plus its attempts. */
export function toDetail (row: Row, attempts: readonly Row[]): SignupDetail {
  return {
    id: Number(row.id),
    campaign: String(row.campaign),
    e164: String(row.e164),
    status: row.status as SignupStatus,
    attempts: Number(row.attempts),
    contactId: optionalNumber(row.contact_id),
    lastError: optionalString(row.last_error),
    createdAt: Number(row.created_at),
    deliveredAt: optionalNumber(row.delivered_at),
    holdReason: optionalString(row.hold_reason),
    releasedAt: optionalNumber(row.released_at),
    consent: {
      disclosureVersion: String(row.disclosure_version),
      consentGiven: Boolean(row.consent_given),
      clientIp: optionalString(row.client_ip),
      userAgent: optionalString(row.user_agent),
      pageUrl: optionalString(row.page_url),
      referrer: optionalString(row.referrer),
      source: optionalString(row.source),
      ...utmOf(row),
      disclosureText: optionalString(row.disclosure_text)
    },
    attemptLog: attempts.map(toAttempt)
  }
}

/** One row of listHeld's signups LEFT JOIN signup_consents. */
export function toHeld (row: Row): HeldSignup {
  return {
    id: Number(row.id),
    campaign: String(row.campaign),
    e164: String(row.e164),
    reason: String(row.hold_reason),
    createdAt: Number(row.created_at),
    clientIp: optionalString(row.client_ip),
    source: optionalString(row.source)
  }
}

/** A rate_buckets row, or undefined when the row is missing or (Postgres) created but never written. */
export function toBucket (row: Row | undefined): BucketState | undefined {
  if (row === undefined || row.tokens === null || row.tokens === undefined) return undefined
  return {
    tokens: Number(row.tokens),
    updatedAt: Number(row.updated_at),
    capacity: Number(row.capacity),
    windowMs: Number(row.window_ms),
    blockedUntil: Number(row.blocked_until)
  }
}

/** Refuses a state that would poison every later read (NaN tokens would block the token forever). */
export function checkBucket (state: BucketState): BucketState {
  for (const [name, value] of Object.entries(state)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`store: bucket ${name} must be a finite number, got ${value}`)
  }
  return state
}

function parseJson (value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value
}

function optionalNumber (value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value)
}

function optionalString (value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value)
}

/** The consent row's utm_* columns as the proof's `utm`, left out when the page URL had none (older rows included). */
function utmOf (row: Row): { utm?: UtmTags } {
  const utm: UtmTags = {}
  for (const key of UTM_KEYS) {
    const value = optionalString(row[key])
    if (value !== undefined) utm[key] = value
  }
  return Object.keys(utm).length === 0 ? {} : { utm }
}

/** The proof's UTM tags as the consent row's utm_* values, in UTM_KEYS order (NULL for each one absent). */
export function utmColumns (utm: UtmTags | undefined): (string | null)[] {
  return UTM_KEYS.map(key => utm?.[key] ?? null)
}
