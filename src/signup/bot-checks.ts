// Bot checks that cost a real visitor nothing: honeypot, signed form token with a minimum time, optional CAPTCHA.
import type { Campaign } from '../campaigns/campaign.ts'
import type { FieldError } from './service.ts'
import { signupMessages } from './messages.ts'
import type { LanguageCode } from '../i18n/languages.ts'

export interface BotCheckInput {
  /** The honeypot field: empty for people. */
  honeypot: unknown
  formToken: unknown
  captchaToken: unknown
  clientIp: string | undefined
  /** The visitor's language, for the refusals they can act on. */
  lang?: LanguageCode
}

export interface BotCheckDeps {
  formTokens: { verify (token: unknown, campaign: string): { ok: true, ageMs: number } | { ok: false, reason: string } }
  /** One verifier per provider whose secret is configured. */
  captcha: Partial<Record<'turnstile' | 'hcaptcha', { verify (token: unknown, remoteIp: string | undefined): Promise<{ ok: true } | { ok: false, reason: 'missing' | 'rejected' | 'unavailable', errorCodes: string[] }> }>>
}

export type BotVerdict =
  /** Nothing suspicious. */
  | { kind: 'pass' }
  /** A bot, answered like a success so the check stays hidden; kept as held with this reason. */
  | { kind: 'hold', reason: string }
  /** Shown to the visitor: they can fix it (reload, solve the CAPTCHA). */
  | { kind: 'refuse', error: FieldError }
  /** The CAPTCHA service could not answer: fail closed, ask to retry. */
  | { kind: 'unavailable' }

/** Checks that need no network, in order of cost. */
export function localBotChecks (campaign: Campaign, input: BotCheckInput, deps: BotCheckDeps): BotVerdict {
  const { protection } = campaign
  if (protection.honeypot && typeof input.honeypot === 'string' && input.honeypot !== '') {
    return { kind: 'hold', reason: 'honeypot' }
  }
  if (protection.formToken) {
    const check = deps.formTokens.verify(input.formToken, campaign.slug)
    if (!check.ok) {
      if (check.reason === 'too_fast') return { kind: 'hold', reason: 'too_fast' }
      // Missing, forged or stale: a person reloads and it works (the page they get back carries a fresh token).
      return { kind: 'refuse', error: { field: 'form', code: `form_token_${check.reason}`, message: signupMessages(input.lang)[check.reason === 'expired' ? 'formExpired' : 'formInvalid'] } }
    }
    if (check.ageMs < protection.minSubmitMs) return { kind: 'hold', reason: 'too_fast' }
  }
  return { kind: 'pass' }
}

/** The CAPTCHA, when the campaign turns one on: run last, only for otherwise valid signups (it costs a round trip). */
export async function captchaCheck (campaign: Campaign, input: BotCheckInput, deps: BotCheckDeps): Promise<BotVerdict> {
  const captcha = campaign.protection.captcha
  if (captcha === undefined) return { kind: 'pass' }
  const verifier = deps.captcha[captcha.provider]
  // Checked at start-up; kept here so a missing secret can never mean "no CAPTCHA".
  if (verifier === undefined) return { kind: 'unavailable' }
  const result = await verifier.verify(input.captchaToken, input.clientIp)
  if (result.ok) return { kind: 'pass' }
  if (result.reason === 'unavailable') return { kind: 'unavailable' }
  return { kind: 'refuse', error: { field: 'form', code: `captcha_${result.reason}`, message: signupMessages(input.lang).captchaFailed } }
}
