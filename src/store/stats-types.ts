// The dashboard's part of the storage contract: traffic counters (page views, refusals), signups counted by campaign,
// source and UTM tags, the signups-over-time series, and read-only looks at the rate bucket and at one number.
// Re-exported by types.ts; kept apart so the contract file stays readable.
import type { SignupStatus } from './types.ts'

/** What every dashboard number is counted by. '' means none (no src tag, no utm_source, …). */
export interface TrafficKey {
  campaign: string
  source: string
  utmSource: string
  utmMedium: string
  utmCampaign: string
}

/**
 * 'view': the signup page was shown. 'refused': a submission was refused (once per submission, reason ''). 'refusal':
 * one reason it was refused (a submission refused for its number and its consent box counts once for each reason).
 */
export type TrafficEvent = 'view' | 'refused' | 'refusal'

/** Counts to add for one UTC hour (`hour`: ms since epoch at the start of the hour). */
export interface TrafficIncrement extends TrafficKey {
  hour: number
  event: TrafficEvent
  reason: string
  count: number
}

/** A time range [from, to) in ms since epoch, over every campaign or one. */
export interface StatsQuery {
  campaign?: string
  from: number
  to: number
}

/** Traffic summed over a range's hours. */
export interface TrafficTotal extends TrafficKey {
  event: TrafficEvent
  reason: string
  count: number
}

/** Signups created in a range, counted by key and status; `held` says whether they were held when submitted. */
export interface SignupCount extends TrafficKey {
  status: SignupStatus
  /** True for signups held as suspected abuse when submitted (released ones included: they stay counted as held). */
  held: boolean
  count: number
}

/** The series' query: buckets of `bucketMs` from `from` (bucket i covers [from + i·bucketMs, from + (i+1)·bucketMs)). */
export interface TimelineQuery extends StatsQuery {
  bucketMs: number
}

/** Signups sent or to be sent (duplicates and held ones left out) created in bucket `index`; empty buckets are absent. */
export interface TimelinePoint {
  index: number
  count: number
}

/** One campaign's signups of a number, for the deletion's confirmation page. */
export interface NumberRecords {
  campaign: string
  signups: number
}
