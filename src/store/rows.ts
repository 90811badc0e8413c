// Row ↔ contract conversions shared by both stores: column names, NULL ↔ undefined, 0/1 ↔ boolean, JSON text.
import type { OptInRequest } from '../upstream/types.ts'
import type {
  AttemptRecord, AttemptResolution, BucketState, ClaimedSignup, NewSignup, SignupDetail, SignupStatus, StatusCounts
} from './types.ts'

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
export function invalidAccept (signup: NewSignup, dedupeWindowMs: number): TypeError | undefined {
  try {
    toMs(signup.createdAt, 'createdAt')
    toMs(dedupeWindowMs, 'dedupeWindowMs')
    return undefined
  } catch (error) {
    return error as TypeError
  }
}

export function emptyCounts (): StatusCounts {
  return { pending: 0, sending: 0, delivered: 0, rejected: 0, duplicate: 0 }
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
    createdAt: Number(row.created_at)
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
    consent: {
      disclosureVersion: String(row.disclosure_version),
      consentGiven: Boolean(row.consent_given),
      clientIp: optionalString(row.client_ip),
      userAgent: optionalString(row.user_agent),
      pageUrl: optionalString(row.page_url),
      referrer: optionalString(row.referrer),
      source: optionalString(row.source),
      disclosureText: optionalString(row.disclosure_text)
    },
    attemptLog: attempts.map(toAttempt)
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
