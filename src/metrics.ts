// Prometheus metrics: signups by outcome, refusals and holds by reason, the durable write (its time, the group
// commits, SQLite's WAL size), upstream calls, queue depth, rate limit.
// Labels are campaign slugs, reasons and statuses only: never a phone number or a token.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { InstrumentedStore, Store, StatusCounts } from './store/types.ts'
import type { RateLimitInfo } from './upstream/types.ts'

export type SignupOutcome = 'accepted' | 'duplicate' | 'held' | 'refused' | 'unavailable'

export interface Metrics {
  readonly registry: Registry
  signup (campaign: string, outcome: SignupOutcome): void
  refusal (campaign: string, reason: string): void
  held (campaign: string, reason: string): void
  /** One signup's store.accept(), from the call to its durable commit (group commit included), in seconds. */
  durableWrite (seconds: number): void
  upstreamCall (campaign: string, outcome: string, status: number | undefined, seconds: number, rateLimit: RateLimitInfo): void
  retry (reason: string, maybeProcessed: boolean): void
}

// Queue depth reads every status count; a scrape every few seconds must not scan the table each time.
const COUNTS_CACHE_MS = 5000

// The durable write's time: the fsync plus the wait for the batch ahead (ad hoc, SQLite at 2000 signups/s on 2 cores,
// timed in the writer thread: p50 under 1 ms, p99 6-8 ms); more when the disk or the CPU is saturated, up to the
// store's timeouts (10 s).
const DURABLE_WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

export function createMetrics (options: { store: Store & Partial<InstrumentedStore>, now: () => number }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'optline_process_' })
  const signups = new Counter({ name: 'optline_signups_total', help: 'Signups answered, by campaign and outcome', labelNames: ['campaign', 'outcome'], registers: [registry] })
  const refusals = new Counter({ name: 'optline_refusals_total', help: 'Refused signups, by campaign and reason', labelNames: ['campaign', 'reason'], registers: [registry] })
  const holds = new Counter({ name: 'optline_held_total', help: 'Signups held as suspected abuse, by campaign and reason', labelNames: ['campaign', 'reason'], registers: [registry] })
  const calls = new Counter({ name: 'optline_upstream_calls_total', help: 'ProTexting opt-in calls, by outcome and HTTP status', labelNames: ['campaign', 'outcome', 'status'], registers: [registry] })
  const latency = new Histogram({
    name: 'optline_upstream_latency_seconds',
    help: 'ProTexting opt-in call latency',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry]
  })
  const retries = new Counter({ name: 'optline_upstream_retries_total', help: 'Opt-in calls to be retried, by reason', labelNames: ['reason'], registers: [registry] })
  const doubles = new Counter({ name: 'optline_possible_double_sends_total', help: 'Retries after a failure that may have reached ProTexting', registers: [registry] })
  const durableWrites = new Histogram({
    name: 'optline_durable_write_seconds',
    help: 'Time from handing a valid signup to the store until its commit was durable (the visitor waits for it)',
    buckets: DURABLE_WRITE_BUCKETS,
    registers: [registry]
  })
  // Read from the store's group-commit counters at scrape time: nothing added to the write itself. Signups per
  // commit (rate of the second over the first) tells how well a burst is batched.
  const acceptStats = options.store.acceptStats
  if (acceptStats !== undefined) {
    // eslint-disable-next-line no-new -- registered with the registry, read on scrape
    new Counter({
      name: 'optline_store_commits_total',
      help: 'Group-commit transactions of accepted signups, by result',
      labelNames: ['result'],
      registers: [registry],
      collect () {
        this.reset()
        this.inc({ result: 'committed' }, acceptStats.batches - acceptStats.failedBatches)
        this.inc({ result: 'failed' }, acceptStats.failedBatches)
      }
    })
    // eslint-disable-next-line no-new -- registered with the registry, read on scrape
    new Counter({
      name: 'optline_store_commit_signups_total',
      help: 'Signups written by those transactions (committed or failed)',
      registers: [registry],
      collect () {
        this.reset()
        this.inc(acceptStats.items)
      }
    })
  }
  const walBytes = options.store.walBytes
  if (walBytes !== undefined) {
    // eslint-disable-next-line no-new -- registered with the registry, read on scrape
    new Gauge({
      name: 'optline_store_wal_bytes',
      help: 'SQLite: size of the WAL file; it starts over once checkpoints catch up, so lasting growth means they cannot',
      registers: [registry],
      collect () { this.set(walBytes()) }
    })
  }
  const remaining = new Gauge({ name: 'optline_upstream_rate_limit_remaining', help: 'X-Rate-Limit-Remaining from the last answer', registers: [registry] })
  const limit = new Gauge({ name: 'optline_upstream_rate_limit_limit', help: 'X-Rate-Limit-Limit from the last answer', registers: [registry] })

  let cached: { at: number, counts: StatusCounts } | undefined
  // eslint-disable-next-line no-new -- registered with the registry, read on scrape
  new Gauge({
    name: 'optline_queue_signups',
    help: 'Signups in the database by status (pending = the queue)',
    labelNames: ['status'],
    registers: [registry],
    async collect () {
      const now = options.now()
      if (cached === undefined || now - cached.at > COUNTS_CACHE_MS) cached = { at: now, counts: await options.store.counts() }
      for (const [status, count] of Object.entries(cached.counts)) this.set({ status }, count)
    }
  })

  return {
    registry,
    signup: (campaign, outcome) => signups.inc({ campaign, outcome }),
    refusal: (campaign, reason) => refusals.inc({ campaign, reason }),
    held: (campaign, reason) => holds.inc({ campaign, reason }),
    durableWrite: seconds => durableWrites.observe(seconds),
    upstreamCall (campaign, outcome, status, seconds, rateLimit) {
      calls.inc({ campaign, outcome, status: status === undefined ? 'none' : String(status) })
      latency.observe({ outcome }, seconds)
      if (rateLimit.remaining !== undefined) remaining.set(rateLimit.remaining)
      if (rateLimit.limit !== undefined) limit.set(rateLimit.limit)
    },
    retry (reason, maybeProcessed) {
      retries.inc({ reason })
      if (maybeProcessed) doubles.inc()
    }
  }
}
