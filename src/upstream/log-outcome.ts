// One log line per upstream call: campaign, status, outcome, latency, masked phone — never the token.

import type { BaseLogger } from 'pino'
import { maskPhone } from './redact.ts'
import type { UpstreamOutcome } from './types.ts'

/** The slice of a pino (or Fastify) logger the client uses. */
export type UpstreamLogger = Pick<BaseLogger, 'info' | 'warn' | 'error'>

export interface CallFacts {
  campaign: string
  phoneNumber: string
  groupIds: readonly number[]
}

function levelOf (outcome: UpstreamOutcome): 'info' | 'warn' | 'error' {
  if (outcome.kind === 'created') return 'info'
  // Only the operator can fix these, and every further signup will fail the same way.
  if (outcome.kind === 'unauthorized' || outcome.kind === 'misconfigured') return 'error'
  return 'warn'
}

export function logOutcome (logger: UpstreamLogger, outcome: UpstreamOutcome, facts: CallFacts): void {
  const phone = maskPhone(facts.phoneNumber)
  // Upstream messages may quote the submitted number back; the log gets the masked form only.
  const hide = (message: string): string =>
    facts.phoneNumber.length >= 5 ? message.split(facts.phoneNumber).join(phone) : message
  const line: Record<string, unknown> = {
    upstream: 'protexting',
    call: 'contacts-opt-in/create',
    campaign: facts.campaign,
    phone,
    groupIds: facts.groupIds,
    status: 'status' in outcome ? outcome.status : undefined,
    outcome: outcome.kind,
    latencyMs: outcome.latencyMs,
    rateLimit: outcome.rateLimit
  }
  if (outcome.kind === 'created') {
    line.contactId = outcome.contactId
  } else {
    line.upstreamMessage = hide(outcome.message)
  }
  if (outcome.kind === 'rejected') line.errors = outcome.errors.map((e) => ({ field: e.field, message: hide(e.message) }))
  if (outcome.kind === 'rate_limited') line.resetSeconds = outcome.resetSeconds
  if (outcome.kind === 'unavailable') {
    line.reason = outcome.reason
    line.maybeProcessed = outcome.maybeProcessed
  }
  logger[levelOf(outcome)](line, `protexting opt-in ${outcome.kind}`)
}
