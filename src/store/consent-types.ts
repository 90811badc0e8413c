// The consent export's record format and the deletion record: the contract's part for consent proof on request.
// Re-exported by types.ts; kept apart so the contract file stays readable.
import type { SignupStatus } from './types.ts'

/** The page URL's standard UTM parameters, kept with the consent proof (each checked and bounded when captured). */
export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const
export type UtmKey = typeof UTM_KEYS[number]
/** The UTM tags a page URL carried; a key is absent when its parameter was. */
export type UtmTags = Partial<Record<UtmKey, string>>

/** exportConsents()'s filter: one campaign or all, created in [from, to) (ms since epoch, UTC); all by default. */
export interface ConsentExportQuery {
  campaign?: string
  from?: number
  to?: number
}

/**
 * One consent record as exported: the signup, its consent proof and the disclosure text that proof names. Snake case
 * and null on purpose: this is the export's file format (CSV header and JSON keys, in CONSENT_EXPORT_COLUMNS order)
 * that the marketer's own scripts read, the same from the CLI and, later, over HTTP.
 */
export interface ConsentExportRow {
  id: number
  campaign: string
  /** The full number: the export is the consent proof the marketer owns, the one place it goes out. */
  e164: string
  status: SignupStatus
  hold_reason: string | null
  /** ISO 8601, UTC ('2026-01-15T12:00:00.000Z'). */
  created_at: string
  consent_given: boolean | null
  disclosure_version: string | null
  disclosure_text: string | null
  client_ip: string | null
  user_agent: string | null
  page_url: string | null
  referrer: string | null
  source: string | null
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_term: string | null
  utm_content: string | null
  attempts: number
  /** ISO 8601, UTC. */
  delivered_at: string | null
  contact_id: number | null
  last_error: string | null
}

export const CONSENT_EXPORT_COLUMNS = [
  'id', 'campaign', 'e164', 'status', 'hold_reason', 'created_at', 'consent_given', 'disclosure_version',
  'disclosure_text', 'client_ip', 'user_agent', 'page_url', 'referrer', 'source', 'utm_source', 'utm_medium',
  'utm_campaign', 'utm_term', 'utm_content', 'attempts', 'delivered_at', 'contact_id', 'last_error'
] as const satisfies readonly (keyof ConsentExportRow)[]

/** What deleteNumber() removed. */
export interface DeletionResult {
  /** Signups removed, each with its consent row and attempt log. */
  signups: number
  /** The campaigns they belonged to, sorted. */
  campaigns: string[]
}

/** The record a deletion leaves behind: that it happened, never whose number it was. */
export interface DeletionRecord {
  id: number
  /** Lower-case hex SHA-256 of the E.164 text ('+16465550123'): answers "was this number deleted?", nothing more. */
  e164Sha256: string
  campaigns: string[]
  signups: number
  deletedAt: number
  note: string
}
