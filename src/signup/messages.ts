// Visitor-facing wording for signup outcomes that are not about the phone number itself (src/i18n/<lang>.ts).
import { language, type LanguageCode } from '../i18n/languages.ts'
import type { SignupMessageKey } from '../i18n/types.ts'

/** The default language's wording, for callers that have no visitor language at hand. */
export const SIGNUP_MESSAGES: Readonly<Record<SignupMessageKey, string>> = language().signup

export function signupMessages (lang?: LanguageCode): Readonly<Record<SignupMessageKey, string>> {
  return language(lang).signup
}
