// The outbox dispatcher: claims due signups, paces them through the shared bucket, makes the opt-in call, records it.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { ClaimedSignup, Store, AttemptResolution } from '../store/types.ts'
import type { OptInRequest, ProtextingClient, UpstreamOutcome } from '../upstream/types.ts'
import { maskPhone } from '../upstream/redact.ts'
import type { Clock } from './clock.ts'
import { takeToken, refundToken, observe, initialBucket } from './pacer.ts'
import { retryDelay } from './backoff.ts'
import type { Metrics } from '../metrics.ts'

export interface DispatcherOptions {
  store: Store
  client: ProtextingClient
  /** Short hash of the access token: the bucket and the signups it paces. */
  tokenKey: string
  clock: Clock
  random: () => number
  logger: FastifyBaseLogger
  /** A claim older than this is taken back by any dispatcher (its owner died): keep it above the upstream timeout. */
  leaseMs?: number
  /** Calls in flight at once for this token. */
  concurrency?: number
  /** How often an idle dispatcher looks for signups accepted by other instances. */
  pollMs?: number
  /** While paused (401/403/misconfigured), one signup is tried again this often to see if it was fixed. */
  pauseProbeMs?: number
  metrics?: Metrics
}

export interface DispatcherStatus {
  /** Why sending is paused (the operator must act), or undefined while sending. */
  paused: string | undefined
  /** The store error that keeps this dispatcher from working (it retries by itself), or undefined. */
  storeError: string | undefined
  inFlight: number
  /** Retries after a failure that may have reached the upstream: possible double CTAs. */
  possibleDoubleSends: number
  delivered: number
  retries: number
}

export interface Dispatcher {
  start (): void
  /** A new signup was accepted here: look now instead of at the next poll. */
  notify (): void
  /** Stops claiming, waits for calls in flight to be recorded, gives back what was claimed but not sent. */
  stop (): Promise<void>
  /** Resolves once nothing is in flight and nothing is due (what tests and benchmarks wait for). */
  settled (): Promise<void>
  /** Ends a pause now (the operator says it is fixed): the next signup is the probe. */
  resume (): void
  status (): DispatcherStatus
}

const DETAIL_LIMIT = 4096
/** After a store error the loop waits this long before trying again, doubling per failure in a row, up to the cap. */
const STORE_RETRY = { baseMs: 500, capMs: 30_000 } as const

export function createDispatcher (options: DispatcherOptions): Dispatcher {
  const { store, client, tokenKey, clock, random, logger } = options
  const leaseMs = options.leaseMs ?? 30_000
  const concurrency = options.concurrency ?? 2
  const pollMs = options.pollMs ?? 1000
  const pauseProbeMs = options.pauseProbeMs ?? 5 * 60_000
  const owner = randomUUID()
  const inFlight = new Set<Promise<void>>()
  const counters = { possibleDoubleSends: 0, delivered: 0, retries: 0 }
  let paused: string | undefined
  let storeError: string | undefined
  // Calls in a row that provably never left (connection refused, DNS): see send().
  let unsentInARow = 0
  let answered = false
  let stopping = false
  let running: Promise<void> | undefined
  let wake = new AbortController()
  // True between "the last claim found nothing and nothing is in flight" and the next notify().
  let idle = false
  let idleWaiters: Array<() => void> = []
  const stopSignal = new AbortController()
  // Aborted by resume(): wakes a paused dispatcher for its probe at once.
  let probeNow = new AbortController()

  function notify () {
    // A paused dispatcher stays idle: new signups wait for the pause probe.
    if (paused === undefined) idle = false
    // abort() builds a DOMException with a stack even on an aborted signal: once per nap is enough.
    if (!wake.signal.aborted) wake.abort()
  }

  function markIdle () {
    idle = true
    for (const resolve of idleWaiters) resolve()
    idleWaiters = []
  }

  /** Sleeps until `ms` pass, notify() is called or stop() begins. */
  async function nap (ms: number) {
    if (stopping) return
    await clock.sleep(ms, wake.signal)
    idle = false
    if (wake.signal.aborted) wake = new AbortController()
  }

  async function loop () {
    let failures = 0
    // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets it while this awaits
    while (!stopping) {
      try {
        if (!(await step())) break
        if (storeError !== undefined) {
          logger.warn({ failures }, 'the store answers again: dispatching resumed')
          storeError = undefined
        }
        failures = 0
      } catch (err) {
        // A database restart, a full disk or a dead writer thread must not end dispatching for good: nothing is lost
        // (signups stay pending, or claimed until their lease runs out), so wait a little longer each time and go on.
        failures++
        const retryInMs = retryDelay(failures, random, STORE_RETRY)
        storeError = `the store failed (${err instanceof Error ? err.message : String(err)}): sending is held up, retrying`
        logger.error({ err, failures, retryInMs }, 'dispatcher: the store failed; trying again')
        await clock.sleep(retryInMs, stopSignal.signal)
      }
    }
  }

  /** One turn of the loop: wait, claim, start a call. False once stopping. Store errors are thrown to loop(). */
  async function step (): Promise<boolean> {
    if (paused !== undefined) {
      // New signups do not wake a paused dispatcher: only the probe timer (or stop) does.
      markIdle()
      await clock.sleep(pauseProbeMs, AbortSignal.any([stopSignal.signal, probeNow.signal]))
      idle = false
      if (stopping) return false
      // Probe: let one signup through; its outcome pauses again or resumes.
    }
    // Until the first answer teaches the real limit, one call at a time: a wrong first guess
    // with many calls in flight would earn several 429s.
    if (inFlight.size >= (answered ? concurrency : 1)) {
      await Promise.race(inFlight)
      return true
    }
    const due = await store.nextDue(tokenKey)
    const now = clock.now()
    if (due === undefined || due > now) {
      if (inFlight.size === 0 && !wake.signal.aborted) markIdle()
      // Woken early by a new signup or a finished call; otherwise look again for other instances' work.
      await nap(due === undefined ? pollMs : Math.min(pollMs, due - now))
      return true
    }
    // The token comes first and the claim second, so a claim is held only for the call itself
    // and a dead instance's claims come back after a short lease.
    if (!(await waitForToken())) return false
    const [signup] = await store.claim(tokenKey, 1, clock.now(), leaseMs, owner)
    if (signup === undefined) {
      await store.withBucket(tokenKey, state => ({ state: refundToken(state ?? initialBucket(clock.now()), clock.now()), result: undefined }))
      return true
    }
    const call = send(signup).catch(err => logger.error({ err, signupId: signup.id }, 'dispatch failed; the signup stays claimed until its lease expires'))
    const tracked = call.finally(() => {
      inFlight.delete(tracked)
      if (!wake.signal.aborted) wake.abort()
    })
    inFlight.add(tracked)
    if (paused !== undefined) await tracked // a probe goes alone
    return true
  }

  /** Takes one token from the shared bucket, sleeping until one is free. False when stopping. */
  async function waitForToken (): Promise<boolean> {
    // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets it while this awaits
    while (!stopping) {
      const waitMs = await store.withBucket(tokenKey, state => {
        const taken = takeToken(state, clock.now())
        return { state: taken.state, result: taken.waitMs }
      })
      if (waitMs <= 0) return true
      await clock.sleep(waitMs, stopSignal.signal)
    }
    return false
  }

  async function send (signup: ClaimedSignup) {
    if (signup.reclaimed) {
      // The dispatcher that held it died or hung mid-call: its call may have reached ProTexting, unrecorded. This is a
      // retry like any other after an unknown outcome: without SendCTAMessage (requestFor), logged and counted.
      counters.retries++
      counters.possibleDoubleSends++
      options.metrics?.retry('lease_expired', true)
      logger.warn({ ...factsOf(signup), reason: 'lease_expired', maybeProcessed: true },
        'opt-in retried after an earlier claim expired; that call may have reached ProTexting (possible double CTA)')
    }
    const startedAt = clock.now()
    const outcome = await client.optIn(requestFor(signup), { campaign: signup.campaign })
    const finishedAt = clock.now()
    options.metrics?.upstreamCall(signup.campaign, outcome.kind, 'status' in outcome ? outcome.status : undefined, outcome.latencyMs / 1000, outcome.rateLimit)
    const neverLeft = outcome.kind === 'unavailable' && !outcome.maybeProcessed
    unsentInARow = neverLeft ? unsentInARow + 1 : 0
    answered = true
    const resolution = resolve(signup, outcome, finishedAt)
    // The outcome is recorded first: a delivered signup whose record is lost would be sent again after its lease.
    await store.finishAttempt({
      signupId: signup.id,
      startedAt,
      finishedAt,
      outcome: outcome.kind,
      httpStatus: 'status' in outcome ? outcome.status : undefined,
      detail: detailOf(outcome),
      maybeProcessed: outcome.kind === 'unavailable' && outcome.maybeProcessed
    }, resolution)
    try {
      await store.withBucket(tokenKey, state => {
        // The time of this update, not finishedAt: the record was written in between, and another instance may have
        // taken a token meanwhile; a bucket must not be counted from a moment before its last change.
        const now = clock.now()
        let next = observe(state, now, { status: 'status' in outcome ? outcome.status : undefined, rateLimit: outcome.rateLimit, latencyMs: outcome.latencyMs })
        // A call that provably never left spent nothing upstream: its token goes back, but only for the first such
        // failure in a row. While the upstream refuses connections every call fails at once, and with refunds the
        // whole backlog would be tried (and logged) as fast as the loop turns; the bucket paces those attempts too.
        if (neverLeft && unsentInARow === 1) next = refundToken(next, now)
        return { state: next, result: undefined }
      })
    } catch (err) {
      // What the answer taught the pacer is lost; the outcome itself is recorded.
      logger.error({ err, signupId: signup.id }, 'dispatcher: could not update the rate bucket after a call')
    }
  }

  /**
   * A probe that got 201, 422 or 429 ends a pause: ProTexting checks the token before the rate limit and the fields
   * (the stand-in's Yii order: 401 → 429 → 422/201), so each of those answers says the token is accepted again.
   */
  function tokenWorks (facts: object) {
    if (paused === undefined) return
    logger.warn(facts, 'ProTexting accepts calls again: sending resumed')
    paused = undefined
  }

  function resolve (signup: ClaimedSignup, outcome: UpstreamOutcome, now: number): AttemptResolution {
    const facts = factsOf(signup)
    switch (outcome.kind) {
      case 'created':
        counters.delivered++
        tokenWorks(facts)
        return { status: 'delivered', contactId: outcome.contactId }
      case 'rejected':
        tokenWorks(facts)
        return { status: 'rejected', error: outcome.errors.map(e => `${e.field}: ${e.message}`).join('; ') || outcome.message }
      case 'unauthorized':
      case 'misconfigured':
        // Every further call would fail the same way: stop sending, keep everything, tell the operator.
        paused = `ProTexting answered ${outcome.status} (${outcome.message}): sending is paused; fix PROTEXTING_ACCESS_TOKEN or PROTEXTING_API_URL and restart`
        logger.error({ ...facts, status: outcome.status }, paused)
        return { status: 'pending', nextAttemptAt: now, error: `${outcome.status}: ${outcome.message}` }
      case 'rate_limited':
        tokenWorks(facts)
        // The bucket now holds calls back until a token refills; no backoff on top.
        counters.retries++
        options.metrics?.retry('rate_limited', false)
        logger.warn({ ...facts, reason: 'rate_limited', resetSeconds: outcome.resetSeconds }, 'opt-in will be retried: rate limited')
        return { status: 'pending', nextAttemptAt: now, error: '429: rate limited' }
      case 'unavailable': {
        counters.retries++
        const delayMs = retryDelay(signup.attempts + 1, random)
        if (outcome.maybeProcessed) counters.possibleDoubleSends++
        options.metrics?.retry(outcome.reason, outcome.maybeProcessed)
        logger.warn({ ...facts, reason: outcome.reason, status: outcome.status, retryInMs: delayMs, maybeProcessed: outcome.maybeProcessed },
          outcome.maybeProcessed ? 'opt-in will be retried; the failed call may have reached ProTexting (possible double CTA)' : 'opt-in will be retried')
        return { status: 'pending', nextAttemptAt: now + delayMs, error: `${outcome.reason}: ${outcome.message}` }
      }
    }
  }

  return {
    start () {
      if (running !== undefined) return
      running = loop().catch(err => { logger.fatal({ err }, 'the dispatcher stopped') })
    },
    notify,
    async stop () {
      stopping = true
      stopSignal.abort()
      markIdle()
      notify()
      await running
      await Promise.allSettled([...inFlight])
    },
    status () {
      return { paused, storeError, inFlight: inFlight.size, ...counters }
    },
    resume () {
      if (paused === undefined) return
      logger.warn('pause lifted by a reload: trying ProTexting again now')
      probeNow.abort()
      probeNow = new AbortController()
    },
    settled () {
      if (idle || stopping) return Promise.resolve()
      return new Promise(resolve => idleWaiters.push(resolve))
    }
  }
}

/**
 * A retry after a call that may have reached ProTexting leaves SendCTAMessage out: if it did, the contact is opted in
 * already and gets no second CTA (shared/protexting-v1.md, "Safety of retries"). A reclaimed signup is such a retry.
 * After calls that provably did not (a 429, a 401, a refused connection) the request goes as it was: an "always"
 * campaign's CTA reaches a contact who was opted in before.
 */
function requestFor (signup: ClaimedSignup): OptInRequest {
  if (!signup.maybeSentBefore && !signup.reclaimed) return signup.request
  const { SendCTAMessage: _dropped, ...retry } = signup.request
  return retry
}

/** What every log line about a call names: the signup, its campaign, the masked number, which attempt this is. */
function factsOf (signup: ClaimedSignup) {
  return { signupId: signup.id, campaign: signup.campaign, phone: maskPhone(signup.phoneNumber), attempt: signup.attempts + 1 }
}

function detailOf (outcome: UpstreamOutcome): string {
  const { latencyMs, rateLimit, ...rest } = outcome
  const text = JSON.stringify({ ...rest, latencyMs, rateLimit })
  return text.length > DETAIL_LIMIT ? text.slice(0, DETAIL_LIMIT) : text
}
