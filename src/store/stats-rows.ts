// The dashboard's queries, shared by both stores: argument checks, and rows → contract objects.
import { toMs } from './rows.ts'
import type { NumberRecords, SignupCount, SignupStatus, StatsQuery, TimelinePoint, TimelineQuery, TrafficIncrement, TrafficTotal } from './types.ts'

type Row = Record<string, unknown>

const EVENTS = new Set(['view', 'refused', 'refusal'])
const HOUR_MS = 3_600_000
/** Longer keys are never written by the app (tags are bounded when captured); a longer one is a bug, refused. */
const MAX_KEY_TEXT = 200

/** The SELECT list that names a row's key, the same in every stats query (consent columns may be NULL: ''). */
export const SIGNUP_KEY = `s.campaign, coalesce(c.source, '') AS source, coalesce(c.utm_source, '') AS utm_source,
    coalesce(c.utm_medium, '') AS utm_medium, coalesce(c.utm_campaign, '') AS utm_campaign`

/** addTraffic()'s increments, checked before anything is written: one bad row must not add half a batch. */
export function checkIncrements (increments: readonly TrafficIncrement[]): TrafficIncrement[] {
  return increments.map((inc, i) => {
    const where = `store: traffic increment ${i}`
    for (const key of ['campaign', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'reason'] as const) {
      const value = inc[key]
      if (typeof value !== 'string' || value.length > MAX_KEY_TEXT) throw new TypeError(`${where}: ${key} must be text of at most ${MAX_KEY_TEXT} characters`)
    }
    if (inc.campaign === '') throw new TypeError(`${where}: campaign must not be empty`)
    if (!EVENTS.has(inc.event)) throw new TypeError(`${where}: event must be view, refused or refusal, got ${JSON.stringify(inc.event)}`)
    if (!Number.isSafeInteger(inc.hour) || inc.hour % HOUR_MS !== 0) throw new TypeError(`${where}: hour must be the start of a UTC hour in ms, got ${inc.hour}`)
    if (!Number.isSafeInteger(inc.count) || inc.count < 0) throw new TypeError(`${where}: count must be a whole number ≥ 0, got ${inc.count}`)
    return inc
  })
}

/** A stats query with its bounds as whole ms; an empty or reversed range is refused. */
export function statsRange (query: StatsQuery): { campaign: string | null, from: number, to: number } {
  const { campaign } = query
  if (campaign !== undefined && (typeof campaign !== 'string' || campaign === '')) {
    throw new TypeError(`store: campaign must be a non-empty string, got ${JSON.stringify(campaign)}`)
  }
  const from = toMs(query.from, 'from')
  const to = toMs(query.to, 'to')
  if (from >= to) throw new TypeError(`store: from (${from}) must come before to (${to})`)
  return { campaign: campaign ?? null, from, to }
}

/** Most buckets a series may have: a chart of more bars than this is no chart (and the query must stay small). */
const MAX_BUCKETS = 2000

export function timelineRange (query: TimelineQuery) {
  const range = statsRange(query)
  const { bucketMs } = query
  if (!Number.isSafeInteger(bucketMs) || bucketMs < 1000) throw new TypeError(`store: bucketMs must be whole ms ≥ 1000, got ${bucketMs}`)
  if ((range.to - range.from) / bucketMs > MAX_BUCKETS) throw new TypeError(`store: at most ${MAX_BUCKETS} buckets per series`)
  return { ...range, bucketMs }
}

function key (row: Row) {
  return {
    campaign: String(row.campaign),
    source: String(row.source ?? ''),
    utmSource: String(row.utm_source ?? ''),
    utmMedium: String(row.utm_medium ?? ''),
    utmCampaign: String(row.utm_campaign ?? '')
  }
}

export function toTrafficTotal (row: Row): TrafficTotal {
  return { ...key(row), event: row.event as TrafficTotal['event'], reason: String(row.reason), count: Number(row.count) }
}

export function toSignupCount (row: Row): SignupCount {
  return { ...key(row), status: row.status as SignupStatus, held: Boolean(row.held), count: Number(row.count) }
}

export function toTimelinePoint (row: Row): TimelinePoint {
  return { index: Number(row.bucket), count: Number(row.count) }
}

export function toNumberRecords (row: Row): NumberRecords {
  return { campaign: String(row.campaign), signups: Number(row.signups) }
}

const E164 = /^\+[1-9]\d{3,14}$/

export function checkE164 (e164: string): string {
  if (typeof e164 !== 'string' || !E164.test(e164)) throw new TypeError(`store: the number must be E.164 (+ and 4 to 15 digits), got ${JSON.stringify(e164)}`)
  return e164
}
