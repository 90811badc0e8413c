// Types for the ProTexting opt-in call: the client's interface, what we send, every outcome to handle.

/** The exact JSON body of `POST /contacts-opt-in/create` (field names are ProTexting's). */
export interface OptInRequest {
  PhoneNumber: string
  GroupIds: number[]
  CTAMessage?: string
  ConfirmMessage?: string
  /** Leave out on retries: absent means "no second CTA to an already opted-in contact". */
  SendCTAMessage?: 1
}

/** X-Rate-Limit-* headers; each is undefined when missing, empty or not a number. */
export interface RateLimitInfo {
  limit?: number
  remaining?: number
  /** Seconds until the bucket is full again (not an epoch time). */
  resetSeconds?: number
}

export interface FieldError {
  field: string
  message: string
}

interface OutcomeBase {
  rateLimit: RateLimitInfo
  latencyMs: number
}

/** The CTA SMS went out (or at least the upstream said 2xx with a contact or message). */
export interface CreatedOutcome extends OutcomeBase {
  kind: 'created'
  status: number
  contactId?: number
  message?: string
  /** The parsed body (JSON value, normalised XML, or the scrubbed raw text when unparseable). */
  body: unknown
}

/** 422: the visitor's data was refused; do not retry. */
export interface RejectedOutcome extends OutcomeBase {
  kind: 'rejected'
  status: 422
  errors: FieldError[]
  message: string
}

/** 401/403: the operator must fix the token; do not retry, keep the signup. */
export interface UnauthorizedOutcome extends OutcomeBase {
  kind: 'unauthorized'
  status: 401 | 403
  message: string
}

/** Any other 3xx/4xx (400, 404, 405, 415, …): a wrong base URL or a client bug; alert, do not retry. */
export interface MisconfiguredOutcome extends OutcomeBase {
  kind: 'misconfigured'
  status: number
  message: string
}

/** 429: wait `resetSeconds`, then retry; never hammer (a rejected call restarts the refill clock). */
export interface RateLimitedOutcome extends OutcomeBase {
  kind: 'rate_limited'
  status: 429
  resetSeconds: number
  message: string
}

export type UnavailableReason = 'server_error' | 'timeout' | 'connection' | 'malformed'

/** Retryable with backoff. */
export interface UnavailableOutcome extends OutcomeBase {
  kind: 'unavailable'
  reason: UnavailableReason
  status?: number
  message: string
  /**
   * False only when the request provably never reached the upstream (refused, DNS, connect
   * timeout). Otherwise the SMS may have been sent: retry without SendCTAMessage and deduplicate.
   */
  maybeProcessed: boolean
}

export type UpstreamOutcome =
  | CreatedOutcome
  | RejectedOutcome
  | UnauthorizedOutcome
  | MisconfiguredOutcome
  | RateLimitedOutcome
  | UnavailableOutcome

export type OutcomeKind = UpstreamOutcome['kind']

export interface OptInContext {
  /** Campaign slug, for the log line. */
  campaign: string
}

export interface ProtextingClient {
  /** Never rejects for anything the upstream or the network does; only for programmer errors (e.g. after close). */
  optIn (request: OptInRequest, context: OptInContext): Promise<UpstreamOutcome>
  /** Closes the client's own pool (an injected dispatcher is left to its owner). */
  close (): Promise<void>
}
