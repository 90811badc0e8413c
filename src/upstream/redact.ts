// Masking helpers so that neither the access token nor a full phone number reaches a log or a message.

const TOKEN_IN_URL = /([?&]access_token=)[^&#\s"'<>]*/gi

/** `16461230123` → `*******0123`; inputs of 4 digits or fewer are masked entirely. */
export function maskPhone (digits: string): string {
  const only = digits.replace(/\D/g, '')
  if (only.length <= 4) return '*'.repeat(only.length)
  return '*'.repeat(only.length - 4) + only.slice(-4)
}

/** Replaces the value of every `access_token` query parameter with `[REDACTED]`. */
export function redactUrl (url: string | URL): string {
  return String(url).replace(TOKEN_IN_URL, '$1[REDACTED]')
}

/**
 * Removes secrets from text that came from elsewhere (an upstream body, an error message):
 * the raw and URL-encoded forms of each secret, and any `access_token=` value.
 */
export function scrubSecrets (text: string, secrets: readonly string[]): string {
  let out = redactUrl(text)
  for (const secret of secrets) {
    if (secret === '') continue
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join('[REDACTED]')
    }
  }
  return out
}
