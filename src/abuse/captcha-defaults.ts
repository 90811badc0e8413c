// What each CAPTCHA provider expects: endpoints, widget markup, CSP sources, token bounds and the error codes siteverify answers.

export type CaptchaProvider = 'turnstile' | 'hcaptcha'

export interface CaptchaProviderFacts {
  /** siteverify: form-encoded `secret`, `response`, `remoteip`; answers JSON `{ success, 'error-codes' }`. */
  verifyUrl: string
  /** The widget script (load it with the page's CSP nonce, `async defer`). */
  scriptUrl: string
  /** The class of the empty element the script turns into a widget (`data-sitekey` on the same element). */
  widgetClass: string
  /** The form field the widget fills with its token. */
  responseField: string
  cspScriptSrc: string[]
  cspFrameSrc: string[]
  /** hCaptcha also injects styles and calls home from the page; Turnstile does neither. */
  cspStyleSrc: string[]
  cspConnectSrc: string[]
  /** Longest token worth sending to siteverify; anything longer is refused without a call. */
  maxTokenLength: number
}

// Sources: developers.cloudflare.com/turnstile (server-side validation, CSP reference) and docs.hcaptcha.com
// (quick start, siteverify, CSP settings), checked November 2026.
export const CAPTCHA_DEFAULTS: Readonly<Record<CaptchaProvider, Readonly<CaptchaProviderFacts>>> = Object.freeze({
  turnstile: Object.freeze({
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    scriptUrl: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    widgetClass: 'cf-turnstile',
    responseField: 'cf-turnstile-response',
    cspScriptSrc: ['https://challenges.cloudflare.com'],
    cspFrameSrc: ['https://challenges.cloudflare.com'],
    cspStyleSrc: [],
    cspConnectSrc: [],
    // Documented: "A Turnstile token can have up to 2048 characters."
    maxTokenLength: 2048
  }),
  hcaptcha: Object.freeze({
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
    scriptUrl: 'https://js.hcaptcha.com/1/api.js',
    widgetClass: 'h-captcha',
    responseField: 'h-captcha-response',
    // hCaptcha asks for the wildcard, not specific asset hosts, which "may vary over time or by region".
    cspScriptSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    cspFrameSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    cspStyleSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    cspConnectSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    // No documented maximum, and real passcodes of 2.5–4+ KB have broken integrations that capped them at
    // 2000 or 4000; 32 KiB only bounds abuse. (The form body limit has to leave room for this.)
    maxTokenLength: 32 * 1024
  })
})

// Codes that say nothing about the visitor: our secret or request is wrong, or the provider had a fault.
// They are `unavailable`, not `rejected`, so a misconfigured secret is an operator alarm rather than
// every visitor quietly treated as a bot.
export const OPERATOR_ERROR_CODES: ReadonlySet<string> = new Set([
  'missing-input-secret',
  'invalid-input-secret',
  'sitekey-secret-mismatch',
  'not-using-dummy-passcode',
  'not-using-dummy-secret',
  'bad-request',
  'missing-remoteip',
  'invalid-remoteip'
])

/** Turnstile's "an internal error happened … the request can be retried". */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set(['internal-error'])

/** What each provider answers for a token that was already redeemed (single use) or is too old. */
export const SPENT_TOKEN_CODE: Readonly<Record<CaptchaProvider, string>> = Object.freeze({
  turnstile: 'timeout-or-duplicate',
  hcaptcha: 'already-seen-response'
})
