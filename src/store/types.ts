// The storage contract: signups with their consent proof, the outbox's claims and attempts, the shared rate bucket.
// Two implementations: sqlite.ts (node:sqlite, the embedded default) and postgres.ts (pg, for several instances).
import type { OptInRequest } from '../upstream/types.ts'
import type { ConsentExportQuery, ConsentExportRow, DeletionRecord, DeletionResult, UtmTags } from './consent-types.ts'
import type { NumberRecords, SignupCount, StatsQuery, TimelinePoint, TimelineQuery, TrafficIncrement, TrafficTotal } from './stats-types.ts'

export type { ConsentExportQuery, ConsentExportRow, DeletionRecord, DeletionResult, UtmKey, UtmTags } from './consent-types.ts'
export { CONSENT_EXPORT_COLUMNS, UTM_KEYS } from './consent-types.ts'
export type {
  NumberRecords, SignupCount, StatsQuery, TimelinePoint, TimelineQuery, TrafficEvent, TrafficIncrement, TrafficKey, TrafficTotal
} from './stats-types.ts'

/** Proof of consent, captured server-side when the signup is accepted (never trusted from the browser). */
export interface ConsentProof {
  /** The disclosure version (hash) shown; its text is saved once with saveDisclosure(). */
  disclosureVersion: string
  /** The consent checkbox state as submitted (always true for an accepted signup, kept explicit for audits). */
  consentGiven: boolean
  clientIp: string | undefined
  userAgent: string | undefined
  pageUrl: string | undefined
  referrer: string | undefined
  /** Where the visitor came from: `src` tag, or the API's `source`. */
  source: string | undefined
  /** The page URL's UTM parameters; absent (or empty) when it had none. */
  utm?: UtmTags
}

export interface NewSignup {
  campaign: string
  /** ProTexting's PhoneNumber: country code + national number, digits only ('16465550123'). */
  phoneNumber: string
  /** '+16465550123' */
  e164: string
  /** The exact body to send, frozen at accept time (a later config change does not alter it). */
  request: OptInRequest
  /** Which access token paces and sends this signup: a short hash of the token, never the token. */
  tokenKey: string
  consent: ConsentProof
  /** ms since epoch (UTC); from the injected clock. */
  createdAt: number
  /**
   * Suspected abuse decided by the caller before accepting ('honeypot', 'too_fast', 'captcha_failed', …): the
   * signup is stored as 'held' with this reason, never sent unless released, and is not a prior signup for the
   * duplicate check (a bot's submission must not block the number's real owner).
   */
  hold?: string
}

/** Per-prefix velocity: hold a signup when `max` signups with its prefix were accepted in its campaign within `windowMs`. */
export interface VelocityLimit {
  max: number
  windowMs: number
}

/** The hold reason accept() gives a signup held by the per-prefix velocity limit. */
export const PREFIX_VELOCITY_HOLD = 'prefix_velocity'

export type SignupStatus =
  | 'pending' // waiting to be sent (also after a retryable failure, with nextAttemptAt in the future)
  | 'sending' // claimed by a dispatcher; leaseUntil says until when
  | 'delivered' // 201 from the upstream
  | 'rejected' // 422 from the upstream: never retried
  | 'duplicate' // same number, same campaign within the window: recorded, never sent
  | 'held' // suspected abuse (holdReason says why): recorded, never sent unless released

export interface AcceptResult {
  id: number
  /** True when a signup of the same campaign and number, sent or to be sent (not duplicate, not held), exists within the window. */
  duplicate: boolean
  /** The hold reason when the signup was held (the caller's, or PREFIX_VELOCITY_HOLD); undefined otherwise. */
  held: string | undefined
}

/** A held signup, as the operator sees it. */
export interface HeldSignup {
  id: number
  campaign: string
  e164: string
  reason: string
  createdAt: number
  clientIp: string | undefined
  source: string | undefined
}

export interface ClaimedSignup {
  id: number
  campaign: string
  phoneNumber: string
  request: OptInRequest
  tokenKey: string
  /** Attempts made before this claim (0 for a fresh signup). */
  attempts: number
  createdAt: number
  /**
   * Taken over from a claim whose lease ran out (its dispatcher died or hung): that dispatcher may have made the call,
   * unrecorded, so sending again may send a second CTA.
   */
  reclaimed: boolean
  /** An earlier attempt's call may have reached the upstream (its attempt was recorded as maybeProcessed). */
  maybeSentBefore: boolean
}

export interface AttemptRecord {
  signupId: number
  startedAt: number
  finishedAt: number
  /** The UpstreamOutcome kind ('created', 'rejected', 'unavailable', …). */
  outcome: string
  httpStatus: number | undefined
  /** The upstream's answer or the error, as JSON text (truncated to a few KiB by the caller). */
  detail: string
  /** True when a failed attempt may still have sent the SMS (timeout or reset after sending). */
  maybeProcessed: boolean
}

/** What to do with the signup after an attempt. */
export type AttemptResolution =
  | { status: 'delivered', contactId: number | undefined }
  | { status: 'rejected', error: string }
  | { status: 'pending', nextAttemptAt: number, error: string }

/** A token bucket's persisted state, shared by every instance using the same database. */
export interface BucketState {
  /** Tokens available at `updatedAt` (may be fractional). */
  tokens: number
  updatedAt: number
  /** Learned capacity (X-Rate-Limit-Limit) and window (inferred), in calls and ms. */
  capacity: number
  windowMs: number
  /** No call before this time (after a 429), ms since epoch; 0 when none. */
  blockedUntil: number
}

export interface StatusCounts {
  pending: number
  sending: number
  delivered: number
  rejected: number
  duplicate: number
  held: number
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /** Applies numbered migrations, each in a transaction; safe to call at every start and from several instances. */
  migrate (): Promise<void>
  /** Saves a disclosure text under its version; a version already saved is left as is. */
  saveDisclosure (version: string, text: string, now: number): Promise<void>
  /**
   * Durably records a signup and its consent. Resolves only after the commit is durable at the store's
   * configured level. Calls made close together share one transaction (group commit).
   * The duplicate check sees signups accepted earlier in the same batch.
   * Decided in this order: the caller's hold → duplicate (a signup of the number with createdAt > this one's
   * createdAt - dedupeWindowMs; held and duplicate rows do not count) → velocity (at least `velocity.max` signups of
   * the same campaign and phone prefix, the PhoneNumber minus its last 4 digits, with createdAt > this one's
   * createdAt - `velocity.windowMs`; every status but 'duplicate' counts, held ones included, and so do earlier rows
   * of the same batch: held as PREFIX_VELOCITY_HOLD) → pending. No velocity argument, no velocity check.
   * Postgres: velocity is exact within a batch, approximate across batches committing at the same moment.
   */
  accept (signup: NewSignup, dedupeWindowMs: number, velocity?: VelocityLimit): Promise<AcceptResult>
  /**
   * Claims up to `limit` signups of this token that are due: pending with nextAttemptAt <= now, or 'sending'
   * with an expired lease (their dispatcher died). Oldest first. Concurrent claimers never get the same row
   * (Postgres: FOR UPDATE SKIP LOCKED). Sets status 'sending', leaseUntil = now + leaseMs, claimedBy = owner.
   */
  claim (tokenKey: string, limit: number, now: number, leaseMs: number, owner: string): Promise<ClaimedSignup[]>
  /**
   * Records one upstream attempt and resolves the signup, in one transaction. Increments attempts. A signup deleted
   * meanwhile (deleteNumber) stays deleted: the attempt is dropped, not recorded against a row that is gone.
   */
  finishAttempt (attempt: AttemptRecord, resolution: AttemptResolution): Promise<void>
  /** Gives claimed signups back (graceful shutdown): status pending, lease cleared, attempts unchanged. */
  release (ids: number[]): Promise<void>
  /**
   * Hands every unfinished signup (pending, sending, held) accepted under another access token to `tokenKey`, except
   * those of the tokens named in `except`; statuses and leases stay as they are. Returns how many moved. Claims and
   * nextDue() look at one token's signups, so without this a replaced token's queue would wait for it forever.
   */
  adoptSignups (tokenKey: string, except: readonly string[]): Promise<number>
  /**
   * When claim() may next find work for this token, to sleep until then (undefined when nothing is unfinished):
   * the earliest nextAttemptAt among pending signups, or the earliest lease expiry among 'sending' ones (so that a
   * survivor wakes up to reclaim what a dead dispatcher held). May be in the past.
   */
  nextDue (tokenKey: string): Promise<number | undefined>
  /**
   * Atomic read-modify-write of the token's bucket row, serialised across instances (Postgres: row lock;
   * SQLite: BEGIN IMMEDIATE). `update` receives the stored state (undefined the first time) and returns the
   * new state plus a value handed back to the caller. Must not do I/O.
   */
  withBucket<T> (tokenKey: string, update: (state: BucketState | undefined) => { state: BucketState, result: T }): Promise<T>
  counts (campaign?: string): Promise<StatusCounts>
  /** Signups currently held, newest (highest id) first; `before` pages on: only ids below it. */
  listHeld (options: { campaign?: string, limit: number, before?: number }): Promise<HeldSignup[]>
  /**
   * Releases a held signup: it becomes pending, due at `now` (the caller then wakes the dispatcher), and from then
   * on blocks its number for the duplicate check like any signup (as of its createdAt); its hold reason is kept and
   * releasedAt set. No duplicate check is made here. False when the id is not held (unknown, never held, or
   * already released).
   */
  releaseHeld (id: number, now: number): Promise<boolean>
  /** The consent proof and every attempt for one signup (for tests, and for the CLI's release to say what it releases). */
  signupDetail (id: number): Promise<SignupDetail | undefined>
  /**
   * Every consent record matching `query`, every status included, oldest first (createdAt, then id). Streamed: SQLite
   * iterates one statement (a snapshot of the file, plus this connection's own later writes), Postgres reads pages of
   * ~1000 rows by keyset (each page its own snapshot: no transaction or connection held while the consumer is slow).
   * The query is checked when called (TypeError); stop early with break/return and nothing stays open.
   */
  exportConsents (query: ConsentExportQuery): AsyncIterable<ConsentExportRow>
  /**
   * Deletes one number's records on request, in one transaction: every signup with this E.164 in any campaign, its
   * consent row and attempt log (and, on Postgres, its dedupe keys). Leaves a DeletionRecord (the number hashed, the
   * campaigns, the count, the time, the note), also when nothing matched: the request was honoured either way. A
   * call in flight for a deleted signup changes nothing when it finishes (finishAttempt drops it). `note` says why
   * (ticket, request date) and must not contain the number itself. TypeError for a bad number, time or note.
   */
  deleteNumber (e164: string, now: number, note: string): Promise<DeletionResult>
  /** The deletion records, newest (highest id) first; `before` pages on: only ids below it. */
  listDeletions (options: { limit: number, before?: number }): Promise<DeletionRecord[]>
  /**
   * Adds page views and refusals to the traffic counters, in one transaction: each increment is summed into its row
   * (created when missing), so instances sharing the database add up. TypeError for a bad increment (nothing added).
   */
  addTraffic (increments: readonly TrafficIncrement[]): Promise<void>
  /** The traffic counters of the hours starting in [from, to), summed per key, event and reason. */
  traffic (query: StatsQuery): Promise<TrafficTotal[]>
  /** Signups created in [from, to), counted per key, status and whether they were held. */
  signupCounts (query: StatsQuery): Promise<SignupCount[]>
  /** Signups sent or to be sent (every status but duplicate and held) created in [from, to), per bucket. */
  signupTimeline (query: TimelineQuery): Promise<TimelinePoint[]>
  /** The token's shared bucket as last stored, without locking or changing it (for the dashboard). */
  readBucket (tokenKey: string): Promise<BucketState | undefined>
  /** How many signups each campaign holds for this E.164 number (what deleteNumber would remove), sorted by campaign. */
  numberRecords (e164: string): Promise<NumberRecords[]>
  close (): Promise<void>
}

export interface SignupDetail {
  id: number
  campaign: string
  e164: string
  status: SignupStatus
  attempts: number
  contactId: number | undefined
  lastError: string | undefined
  createdAt: number
  deliveredAt: number | undefined
  /** Why it was held; kept after a release, for the record. */
  holdReason: string | undefined
  releasedAt: number | undefined
  consent: ConsentProof & { disclosureText: string | undefined }
  attemptLog: AttemptRecord[]
}

export interface StoreOptions {
  /** `:memory:`, a file path, or a postgres:// URL. */
  url: string
  /**
   * 'full' (default): an acknowledged signup survives power loss (SQLite synchronous=FULL; Postgres
   * synchronous_commit as the server has it, normally on).
   * 'normal': survives a crash of the process, may lose the last commits on power loss (SQLite
   * synchronous=NORMAL) or on a crash of the database server (Postgres synchronous_commit=off); faster.
   */
  durability?: 'full' | 'normal'
  /** Postgres only: pool size (default 16). */
  poolSize?: number
  /** Group commit: how long a batch may wait for more rows before committing, ms (default: SQLite 0, the same event-loop turn; Postgres 2). */
  batchDelayMs?: number
  /** Group commit: most rows per transaction (default 256; 1 turns group commit off, for comparisons). */
  maxBatch?: number
  /**
   * Postgres only: the schema holding the tables (created by migrate() when missing), set as the connections'
   * search_path. Default: the server's search_path (normally `public`). Lets tests and tenants share a database.
   */
  schema?: string
  /**
   * Postgres only: how long to wait for a statement's answer, ms (default 10 s); the server cancels the statement
   * 1 s later (statement_timeout). Bounds a database that stops answering (a partition, a frozen disk). Tests set short ones.
   */
  queryTimeoutMs?: number
  /** Postgres only: how long opening a connection, or waiting for a free one, may take, ms (default 5 s). */
  connectTimeoutMs?: number
}

/** Group-commit counters, for tests and benchmarks (how many transactions accept() really made). */
export interface AcceptStats {
  /** Transactions attempted (committed or failed). */
  batches: number
  /** Signups in those transactions. */
  items: number
  failedBatches: number
  largestBatch: number
  /** PostgreSQL only: batches read before they were written, because their rows could decide one another (postgres-accept.ts). */
  readFirst?: number
}

/** What both implementations return: the contract plus their group-commit counters. */
export interface InstrumentedStore extends Store {
  readonly acceptStats: Readonly<AcceptStats>
  /** SQLite on a file only: the WAL file's size in bytes now (0 when there is none yet). */
  readonly walBytes?: () => number
}
