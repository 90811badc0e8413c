// Page views and refused submissions, counted in memory per campaign/source/UTM/hour and added to the store every few
// seconds: the hot path only bumps a Map entry, and instances sharing a database add up (store.addTraffic sums).
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { SignupContext, SignupService } from '../signup/service.ts'
import type { Store, TrafficEvent, TrafficIncrement, TrafficKey } from '../store/types.ts'
import { sourceTag, utmTags } from '../routes/signup-context.ts'

const HOUR_MS = 3_600_000
/** The key used for traffic past the cap below: still counted, no longer told apart. */
export const OTHER_SOURCE = '(other)'

export interface TrafficCounter {
  /** The signup page was shown: `query` is its URL's query (src, utm_*). */
  view (campaign: string, query: unknown): void
  /** A submission was refused for these reasons (error codes). */
  refused (campaign: string, context: Pick<SignupContext, 'source' | 'utm'>, reasons: readonly string[]): void
  /** Adds what was counted to the store now (the dashboard calls it so that its own instance's counts show at once). */
  flush (): Promise<void>
  /** Stops the timer and flushes once more: call before the store closes. */
  close (): Promise<void>
}

export interface TrafficCounterOptions {
  store: Store
  now: () => number
  logger: FastifyBaseLogger
  /** How often counts go to the store (default 5 s). */
  flushMs?: number
  /**
   * Distinct keys (campaign, source, UTM source/medium/campaign) one instance keeps apart per hour (default 500).
   * src and utm_* come from URLs anyone can make up: without a cap, a script fetching the page with random tags would
   * add a database row per request. Past the cap, new keys count as source '(other)'.
   */
  maxKeysPerHour?: number
}

export function createTrafficCounter (options: TrafficCounterOptions): TrafficCounter {
  const { store, now, logger } = options
  const maxKeys = options.maxKeysPerHour ?? 500
  let pending = new Map<string, TrafficIncrement>()
  let keysHour = -1
  const keysSeen = new Set<string>()
  let flushing: Promise<void> | undefined
  let closed = false

  function keyOf (campaign: string, source: string | undefined, utm: SignupContext['utm'], hour: number): TrafficKey {
    const key = { campaign, source: source ?? '', utmSource: utm?.utm_source ?? '', utmMedium: utm?.utm_medium ?? '', utmCampaign: utm?.utm_campaign ?? '' }
    if (hour !== keysHour) {
      keysHour = hour
      keysSeen.clear()
    }
    const id = `${key.campaign}\u0000${key.source}\u0000${key.utmSource}\u0000${key.utmMedium}\u0000${key.utmCampaign}`
    if (keysSeen.has(id)) return key
    if (keysSeen.size >= maxKeys) return { campaign, source: OTHER_SOURCE, utmSource: '', utmMedium: '', utmCampaign: '' }
    keysSeen.add(id)
    return key
  }

  function add (key: TrafficKey, hour: number, event: TrafficEvent, reason: string, count: number, into = pending) {
    const id = `${key.campaign}\u0000${key.source}\u0000${key.utmSource}\u0000${key.utmMedium}\u0000${key.utmCampaign}\u0000${hour}\u0000${event}\u0000${reason}`
    const entry = into.get(id)
    if (entry === undefined) into.set(id, { ...key, hour, event, reason, count })
    else entry.count += count
  }

  function hourNow (): number {
    const t = now()
    return t - (t % HOUR_MS)
  }

  async function flushOnce (): Promise<void> {
    if (pending.size === 0) return
    const batch = pending
    pending = new Map()
    try {
      await store.addTraffic([...batch.values()])
    } catch (err) {
      // Kept for the next flush rather than lost; the map stays bounded by the key cap (per hour).
      for (const inc of batch.values()) add(inc, inc.hour, inc.event, inc.reason, inc.count)
      logger.warn({ err, rows: batch.size }, 'traffic counts not saved yet; retrying at the next flush')
    }
  }

  function flush (): Promise<void> {
    // One flush at a time: a second caller waits for the running one, then flushes what came in meanwhile.
    const run = (flushing ?? Promise.resolve()).then(flushOnce)
    const tracked: Promise<void> = run.finally(() => { if (flushing === tracked) flushing = undefined })
    flushing = tracked
    return tracked
  }

  const timer = setInterval(() => { flush().catch(() => {}) }, options.flushMs ?? 5000)
  timer.unref()

  return {
    view (campaign, query) {
      if (closed) return
      const q = (query ?? {}) as Record<string, unknown>
      const hour = hourNow()
      add(keyOf(campaign, sourceTag(q.src), utmTags(q), hour), hour, 'view', '', 1)
    },
    refused (campaign, context, reasons) {
      if (closed) return
      const hour = hourNow()
      const key = keyOf(campaign, context.source, context.utm, hour)
      add(key, hour, 'refused', '', 1)
      for (const reason of new Set(reasons)) add(key, hour, 'refusal', reason, 1)
    },
    flush,
    async close () {
      closed = true
      clearInterval(timer)
      await flush()
    }
  }
}

/** The signup service, with each refused submission counted (by the same service the form and the API share). */
export function countingRefusals (service: SignupService, counter: TrafficCounter): SignupService {
  return {
    async signUp (campaign, input) {
      const result = await service.signUp(campaign, input)
      if (result.status === 'refused') counter.refused(campaign.slug, input.context, result.errors.map(e => e.code))
      return result
    }
  }
}

/** Routes whose 200 answer to a GET is a view of the signup page (the hosted page, also when framed by an embedder). */
const PAGE_ROUTES = new Set(['/c/:campaign'])

/** onResponse hook: a signup page shown counts as a view (unknown campaigns answer 404 and do not count). */
export function pageViewHook (counter: TrafficCounter) {
  // A callback hook, not an async one: it runs after every answer, and almost always returns at once.
  return function countPageView (request: FastifyRequest, reply: FastifyReply, done: () => void) {
    if (request.method === 'GET' && reply.statusCode === 200 && PAGE_ROUTES.has(request.routeOptions.url ?? '')) {
      counter.view(String((request.params as { campaign?: unknown }).campaign), request.query)
    }
    done()
  }
}
