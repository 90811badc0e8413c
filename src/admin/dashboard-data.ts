// The dashboard's numbers: store counts and traffic merged per campaign and source, the signups-over-time series, and
// the queue with the shared rate bucket. Pure assembly; every number comes from the database, so all instances agree.
import type { Store, SignupCount, TrafficKey, TrafficTotal } from '../store/types.ts'
import { bucketNow } from '../outbox/pacer.ts'

export const PERIODS = {
  '24h': { label: 'Last 24 hours', bucketMs: 3_600_000, buckets: 24 },
  '7d': { label: 'Last 7 days', bucketMs: 86_400_000, buckets: 7 },
  '30d': { label: 'Last 30 days', bucketMs: 86_400_000, buckets: 30 }
} as const
export type Period = keyof typeof PERIODS
export const DEFAULT_PERIOD: Period = '7d'

export function isPeriod (value: unknown): value is Period {
  return typeof value === 'string' && Object.hasOwn(PERIODS, value)
}

/** One line of the numbers table: a campaign's total, or one of its sources. */
export interface Numbers {
  views: number
  /** Every submission: stored signups of any status, plus refused ones. */
  submissions: number
  refused: number
  held: number
  duplicates: number
  /** Pending or being sent now. */
  queued: number
  delivered: number
  rejected: number
  /** Signups to be sent (not duplicate, not held) per page view; undefined without views. */
  conversion: number | undefined
}

export interface SourceLine extends Numbers {
  source: string
  utm: string
}

export interface CampaignNumbers {
  slug: string
  name: string
  total: Numbers
  sources: SourceLine[]
  refusals: Array<{ reason: string, count: number }>
}

export interface QueueState {
  depth: number
  pending: number
  sending: number
  /** ms until the queue could be empty at the learned rate; undefined when paused or empty. */
  drainMs: number | undefined
  limit: number
  windowMs: number
  learned: boolean
  tokens: number
  blockedMs: number
  paused: string | undefined
}

export interface Bar { index: number, start: number, count: number }

export interface Dashboard {
  period: Period
  from: number
  to: number
  campaigns: CampaignNumbers[]
  all: Numbers
  series: { bucketMs: number, bars: Bar[], max: number }
  queue: QueueState
}

export interface DashboardInput {
  store: Store
  /** Campaigns in force, slug → display name; campaigns only found in the database are shown by slug. */
  campaigns: ReadonlyArray<{ slug: string, name: string }>
  tokenKey: string
  now: number
  period: Period
  campaign?: string | undefined
  /** Why this instance's dispatcher is paused, if it is. */
  paused: string | undefined
}

interface Tally {
  views: number
  refused: number
  stored: number
  held: number
  duplicates: number
  queued: number
  delivered: number
  rejected: number
  toSend: number
}

const emptyTally = (): Tally => ({ views: 0, refused: 0, stored: 0, held: 0, duplicates: 0, queued: 0, delivered: 0, rejected: 0, toSend: 0 })

function numbers (t: Tally): Numbers {
  return {
    views: t.views,
    submissions: t.stored + t.refused,
    refused: t.refused,
    held: t.held,
    duplicates: t.duplicates,
    queued: t.queued,
    delivered: t.delivered,
    rejected: t.rejected,
    conversion: t.views === 0 ? undefined : t.toSend / t.views
  }
}

function countSignup (t: Tally, row: SignupCount): void {
  t.stored += row.count
  if (row.held) t.held += row.count
  if (row.status === 'duplicate') t.duplicates += row.count
  if (row.status === 'pending' || row.status === 'sending') t.queued += row.count
  if (row.status === 'delivered') t.delivered += row.count
  if (row.status === 'rejected') t.rejected += row.count
  if (!row.held && row.status !== 'duplicate') t.toSend += row.count
}

function countTraffic (t: Tally, row: TrafficTotal): void {
  if (row.event === 'view') t.views += row.count
  else if (row.event === 'refused') t.refused += row.count
}

const UNIT = '\u0000'
const sourceId = (k: TrafficKey) => [k.source, k.utmSource, k.utmMedium, k.utmCampaign].join(UNIT)

/** The period's range: whole UTC hours (24 h) or days, ending with the current one. */
export function periodRange (period: Period, now: number): { from: number, to: number, bucketMs: number, buckets: number } {
  const { bucketMs, buckets } = PERIODS[period]
  const to = now - (now % bucketMs) + bucketMs
  return { from: to - buckets * bucketMs, to, bucketMs, buckets }
}

export async function dashboardData (input: DashboardInput): Promise<Dashboard> {
  const { store, now, period, tokenKey } = input
  const { from, to, bucketMs, buckets } = periodRange(period, now)
  const query = { from, to, ...(input.campaign === undefined ? {} : { campaign: input.campaign }) }
  const [traffic, signups, timeline, counts, bucket] = await Promise.all([
    store.traffic(query), store.signupCounts(query), store.signupTimeline({ ...query, bucketMs }), store.counts(), store.readBucket(tokenKey)
  ])

  const names = new Map(input.campaigns.map(c => [c.slug, c.name]))
  const perCampaign = new Map<string, { total: Tally, sources: Map<string, { key: TrafficKey, tally: Tally }>, refusals: Map<string, number> }>()
  const campaignOf = (slug: string) => {
    let entry = perCampaign.get(slug)
    if (entry === undefined) perCampaign.set(slug, entry = { total: emptyTally(), sources: new Map(), refusals: new Map() })
    return entry
  }
  const sourceOf = (key: TrafficKey) => {
    const sources = campaignOf(key.campaign).sources
    const id = sourceId(key)
    let entry = sources.get(id)
    if (entry === undefined) sources.set(id, entry = { key, tally: emptyTally() })
    return entry.tally
  }
  // Campaigns in force are listed even before their first view, so a new campaign shows up at once.
  for (const c of input.campaigns) if (input.campaign === undefined || input.campaign === c.slug) campaignOf(c.slug)
  const all = emptyTally()
  for (const row of traffic) {
    if (row.event === 'refusal') {
      const refusals = campaignOf(row.campaign).refusals
      refusals.set(row.reason, (refusals.get(row.reason) ?? 0) + row.count)
      continue
    }
    for (const t of [campaignOf(row.campaign).total, sourceOf(row), all]) countTraffic(t, row)
  }
  for (const row of signups) for (const t of [campaignOf(row.campaign).total, sourceOf(row), all]) countSignup(t, row)

  const campaigns = [...perCampaign.entries()]
    .sort(([a], [b]) => (names.has(a) === names.has(b) ? a.localeCompare(b) : names.has(a) ? -1 : 1))
    .map(([slug, entry]): CampaignNumbers => ({
      slug,
      name: names.get(slug) ?? slug,
      total: numbers(entry.total),
      sources: [...entry.sources.values()]
        .map(({ key, tally }) => ({ source: key.source, utm: utmLabel(key), ...numbers(tally) }))
        .sort((a, b) => b.submissions + b.views - (a.submissions + a.views) || a.source.localeCompare(b.source) || a.utm.localeCompare(b.utm)),
      refusals: [...entry.refusals.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    }))

  const byIndex = new Map(timeline.map(p => [p.index, p.count]))
  const bars = Array.from({ length: buckets }, (_, index) => ({ index, start: from + index * bucketMs, count: byIndex.get(index) ?? 0 }))

  const state = bucketNow(bucket, now)
  const depth = counts.pending + counts.sending
  const msPerCall = state.windowMs / state.capacity
  const blockedMs = Math.max(0, state.blockedUntil - now)
  return {
    period,
    from,
    to,
    campaigns,
    all: numbers(all),
    series: { bucketMs, bars, max: Math.max(0, ...bars.map(b => b.count)) },
    queue: {
      depth,
      pending: counts.pending,
      sending: counts.sending,
      // A lower bound: signups waiting for a retry's backoff count in pending but are not due yet.
      drainMs: input.paused !== undefined || depth === 0 ? undefined : blockedMs + Math.max(0, depth - Math.floor(state.tokens)) * msPerCall,
      limit: state.capacity,
      windowMs: state.windowMs,
      learned: bucket !== undefined,
      tokens: Math.floor(state.tokens),
      blockedMs,
      paused: input.paused
    }
  }
}

function utmLabel (key: TrafficKey): string {
  return [key.utmSource, key.utmMedium, key.utmCampaign].every(v => v === '') ? '' : [key.utmSource || '–', key.utmMedium || '–', key.utmCampaign || '–'].join(' / ')
}
