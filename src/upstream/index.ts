// Public surface of the ProTexting upstream client.

export { createProtextingClient, optInBody } from './client.ts'
export type { ProtextingClientOptions } from './client.ts'
export { isRetryable } from './classify.ts'
export type { UpstreamLogger } from './log-outcome.ts'
export type {
  CreatedOutcome, FieldError, MisconfiguredOutcome, OptInContext, OptInRequest, OutcomeKind, ProtextingClient,
  RateLimitInfo, RateLimitedOutcome, RejectedOutcome, UnauthorizedOutcome, UnavailableOutcome, UnavailableReason,
  UpstreamOutcome
} from './types.ts'
export { maskPhone, redactUrl, scrubSecrets } from './redact.ts'
