// Carrier rules for the CTA and confirmation SMS and the disclosure: what each must say, and what it costs.
import { countSegments, type SegmentCount } from '../sms/segments.ts'
import { DEFAULT_LANGUAGE, language, type LanguageCode } from '../i18n/languages.ts'

export interface MessageReport {
  /** Rules the message breaks; any one stops the server unless the campaign overrides. */
  problems: string[]
  segments: SegmentCount
}

// Carriers (CTIA, as summarised in shared/compliance-and-abuse.md) expect the program name,
// HELP and STOP instructions and the rates notice in every opt-in message. Canada's wording
// ("Standard message and data rates may apply") is accepted too. HELP and STOP are the keywords
// carriers act on in every language, so a Spanish message says "Responde HELP … STOP …" as well;
// its rates notice may be in Spanish (the language file's pattern) or in English.
const ENGLISH_RATES = language(DEFAULT_LANGUAGE).rules

export function checkMessage (text: string, programName: string, lang: LanguageCode = DEFAULT_LANGUAGE): MessageReport {
  const problems: string[] = []
  if (!text.toLowerCase().includes(programName.toLowerCase())) {
    problems.push(`must name the program ("${programName}")`)
  }
  if (!/\bHELP\b/.test(text)) problems.push('must tell how to get help (the word HELP in capitals)')
  if (!/\bSTOP\b/.test(text)) problems.push('must tell how to stop (the word STOP in capitals)')
  const rules = language(lang).rules
  if (!rules.ratesNotice.test(text) && !ENGLISH_RATES.ratesNotice.test(text)) {
    problems.push(rules === ENGLISH_RATES
      ? `must say "${rules.ratesNoticeExample}"`
      : `must say "${rules.ratesNoticeExample}" (or "${ENGLISH_RATES.ratesNoticeExample}")`)
  }
  return { problems, segments: countSegments(text) }
}
