// Consent export and deletion, shared by both stores: argument checks, row → export record, the deletion's hash.
import { createHash } from 'node:crypto'
import { toMs } from './rows.ts'
import type { ConsentExportQuery, ConsentExportRow, DeletionRecord, SignupStatus } from './types.ts'

type Row = Record<string, unknown>

/** Postgres reads the export in pages of this many rows: small enough for flat memory, big enough for few round trips. */
export const EXPORT_PAGE = 1000

/**
 * The columns every export reads, in CONSENT_EXPORT_COLUMNS order, from signups s LEFT JOIN signup_consents c
 * LEFT JOIN disclosures d. LEFT JOINs: a consent row or a disclosure text that is missing must not hide a signup.
 */
export const EXPORT_SELECT = `SELECT s.id, s.campaign, s.e164, s.status, s.hold_reason, s.created_at, c.consent_given,
    c.disclosure_version, d.text AS disclosure_text, c.client_ip, c.user_agent, c.page_url, c.referrer, c.source,
    c.utm_source, c.utm_medium, c.utm_campaign, c.utm_term, c.utm_content, s.attempts, s.delivered_at, s.contact_id, s.last_error
  FROM signups s
  LEFT JOIN signup_consents c ON c.signup_id = s.id
  LEFT JOIN disclosures d ON d.version = c.disclosure_version`

// The widest range a BIGINT / INTEGER column and a double agree on: "no bound" without a second statement.
const NO_LOWER_BOUND = Number.MIN_SAFE_INTEGER
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER

/** exportConsents()'s query, checked and with its bounds filled in (whole ms; rounding up keeps [from, to) exact). */
export function exportRange (query: ConsentExportQuery): { campaign: string | null, from: number, to: number } {
  const { campaign, from, to } = query
  if (campaign !== undefined && (typeof campaign !== 'string' || campaign === '')) {
    throw new TypeError(`store: campaign must be a non-empty string, got ${JSON.stringify(campaign)}`)
  }
  return {
    campaign: campaign ?? null,
    from: from === undefined ? NO_LOWER_BOUND : toMs(from, 'from'),
    to: to === undefined ? NO_UPPER_BOUND : toMs(to, 'to')
  }
}

export function toExportRow (row: Row): ConsentExportRow {
  return {
    id: Number(row.id),
    campaign: String(row.campaign),
    e164: String(row.e164),
    status: row.status as SignupStatus,
    hold_reason: textOrNull(row.hold_reason),
    created_at: new Date(Number(row.created_at)).toISOString(),
    // SQLite stores 0/1, Postgres a boolean; NULL only when the consent row is missing.
    consent_given: row.consent_given === null || row.consent_given === undefined ? null : Boolean(row.consent_given),
    disclosure_version: textOrNull(row.disclosure_version),
    disclosure_text: textOrNull(row.disclosure_text),
    client_ip: textOrNull(row.client_ip),
    user_agent: textOrNull(row.user_agent),
    page_url: textOrNull(row.page_url),
    referrer: textOrNull(row.referrer),
    source: textOrNull(row.source),
    utm_source: textOrNull(row.utm_source),
    utm_medium: textOrNull(row.utm_medium),
    utm_campaign: textOrNull(row.utm_campaign),
    utm_term: textOrNull(row.utm_term),
    utm_content: textOrNull(row.utm_content),
    attempts: Number(row.attempts),
    delivered_at: row.delivered_at === null || row.delivered_at === undefined ? null : new Date(Number(row.delivered_at)).toISOString(),
    contact_id: row.contact_id === null || row.contact_id === undefined ? null : Number(row.contact_id),
    last_error: textOrNull(row.last_error)
  }
}

const E164 = /^\+[1-9]\d{3,14}$/
const MAX_NOTE_LENGTH = 1000

/** The hash a deletion record keeps: `printf '%s' +16465550123 | sha256sum` gives the same. */
export function e164Sha256 (e164: string): string {
  return createHash('sha256').update(e164, 'utf8').digest('hex')
}

/**
 * deleteNumber()'s arguments, checked before anything is touched. The note is kept for ever, so it must not carry the
 * number it is about: refused when its digits contain the number's last 7 digits (all of them for a shorter number).
 */
export function deletionArguments (e164: string, now: number, note: string) {
  if (typeof e164 !== 'string' || !E164.test(e164)) throw new TypeError(`store: the number must be E.164 (+ and 4 to 15 digits), got ${JSON.stringify(e164)}`)
  const at = toMs(now, 'now')
  const text = typeof note === 'string' ? note.trim() : ''
  if (text === '') throw new TypeError('store: a deletion needs a note saying why (a ticket, the request\'s date)')
  if (text.length > MAX_NOTE_LENGTH) throw new TypeError(`store: the note must be at most ${MAX_NOTE_LENGTH} characters`)
  if (text.replace(/\D/g, '').includes(e164.slice(1).slice(-7))) throw new TypeError('store: the note must not contain the number: it is kept after the number is gone')
  // ProTexting's PhoneNumber (dedupe_keys' key) is the E.164 digits without the +.
  return { e164, phoneNumber: e164.slice(1), at, note: text, hash: e164Sha256(e164) }
}

/** A deletions row; campaigns is a JSON array on SQLite, a text[] on Postgres. */
export function toDeletion (row: Row): DeletionRecord {
  const campaigns = typeof row.campaigns === 'string' ? JSON.parse(row.campaigns) as unknown : row.campaigns
  return {
    id: Number(row.id),
    e164Sha256: String(row.e164_sha256),
    campaigns: Array.isArray(campaigns) ? campaigns.map(String) : [],
    signups: Number(row.signups),
    deletedAt: Number(row.deleted_at),
    note: String(row.note)
  }
}

/** listDeletions()'s options, checked like listHeld()'s. */
export function deletionsQuery (options: { limit: number, before?: number }) {
  const { limit, before } = options
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError(`store: limit must be a whole number ≥ 0, got ${limit}`)
  if (before !== undefined && !Number.isSafeInteger(before)) throw new TypeError(`store: before must be an id, got ${before}`)
  return { limit, before: before ?? null }
}

/** The distinct campaigns of the deleted rows, sorted, for the deletion record. */
export function campaignsOf (rows: readonly Row[]): string[] {
  return [...new Set(rows.map(row => String(row.campaign)))].sort()
}

function textOrNull (value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}
