// The campaigns file's languages checked by path: what a campaign offers, its translations, and the carrier rules
// for every language's SMS and disclosure.
import type { Campaign } from './campaign.ts'
import type { CampaignConfig } from './schema.ts'
import { localeOf, localeTexts, type LocaleTexts } from './campaign-locale.ts'
import { checkMessage, type MessageReport } from './message-rules.ts'
import { TEMPLATE_VARIABLES, unknownVariables } from './message-template.ts'
import { DEFAULT_LANGUAGE, isLanguageCode, language, LANGUAGE_CODES, type LanguageCode } from '../i18n/languages.ts'

export type MessageReports = Record<'cta' | 'confirm' | 'disclosure', MessageReport>

const PAGE_FIELDS = ['title', 'headline', 'intro', 'consentText', 'disclosure', 'buttonText', 'successTitle', 'successText'] as const

/** Problems that stop the server, found before the campaign is resolved. */
export function languageIssues (config: CampaignConfig, at: string): string[] {
  const issues: string[] = []
  const main = (config.language ?? DEFAULT_LANGUAGE) as LanguageCode
  const offered = (config.languages ?? [main]) as LanguageCode[]
  if (!offered.includes(main)) {
    issues.push(`${at}.languages: must include the campaign's language (${main}), the language of its top-level texts`)
  }
  for (const [lang, texts] of Object.entries(config.translations ?? {})) {
    const path = `${at}.translations.${lang}`
    if (!isLanguageCode(lang)) {
      issues.push(`${path}: ${lang} is not a language optline has (${LANGUAGE_CODES.join(', ')})`)
    } else if (lang === main) {
      issues.push(`${path}: ${lang} is the campaign's own language: put these texts at the top level`)
    } else if (!offered.includes(lang)) {
      issues.push(`${path}: the campaign does not offer ${lang}: add it to languages, or remove these texts`)
    } else {
      issues.push(...unknownVariableIssues(texts, path))
    }
  }
  for (const lang of offered) {
    if (lang === main) continue
    const texts = localeTexts(config, lang)
    const path = `${at}.translations.${lang}`
    // Whoever signs up in a language gets the SMS in it: no silent fallback to another language's messages.
    for (const field of ['ctaMessage', 'confirmMessage'] as const) {
      if (texts[field] === undefined) issues.push(`${path}.${field}: is required: visitors who sign up in ${language(lang).name} (${lang}) get this SMS in ${lang}`)
    }
    // The frequency is part of the disclosure: a Spanish disclosure quoting an English frequency would be half translated.
    if (config.frequency !== undefined && texts.frequency === undefined) {
      issues.push(`${path}.frequency: is required when frequency is set ("${config.frequency}"): the ${lang} disclosure states it in ${lang}`)
    }
  }
  return issues
}

/** Worth knowing, not stopping for: a text the operator wrote for one language but not for another. */
export function languageWarnings (config: CampaignConfig, at: string): string[] {
  const main = config.language ?? DEFAULT_LANGUAGE
  const warnings: string[] = []
  for (const lang of (config.languages ?? []) as LanguageCode[]) {
    if (lang === main) continue
    const texts = localeTexts(config, lang)
    const unset = PAGE_FIELDS.filter(field => config[field] !== undefined && texts[field] === undefined)
    if (unset.length > 0) {
      warnings.push(`${at}.translations.${lang}: ${unset.join(', ')} not translated: the ${lang} page shows the default wording there`)
    }
  }
  return warnings
}

/** Every offered language's SMS and disclosure against the carrier rules, with their SMS cost. */
export function checkLocales (campaign: Campaign, at: string) {
  const reports = new Map<LanguageCode, MessageReports>()
  const issues: string[] = []
  const warnings: string[] = []
  for (const lang of campaign.languages) {
    const locale = localeOf(campaign, lang)
    const base = lang === campaign.language ? at : `${at}.translations.${lang}`
    const report: MessageReports = {
      cta: checkMessage(locale.ctaMessage, campaign.name, lang),
      confirm: checkMessage(locale.confirmMessage, campaign.name, lang),
      disclosure: checkMessage(locale.page.disclosure, campaign.name, lang)
    }
    for (const [key, field] of [['cta', 'ctaMessage'], ['confirm', 'confirmMessage'], ['disclosure', 'disclosure']] as const) {
      for (const problem of report[key].problems) {
        const line = `${base}.${field}: ${problem} (carrier rule)`
        if (campaign.allowNoncompliantMessages) warnings.push(`${line}; allowed by allowNoncompliantMessages`)
        else issues.push(`${line}; fix the text or set allowNoncompliantMessages: true`)
      }
    }
    // More than one segment costs the marketer double for every signup's CTA.
    if (report.cta.segments.segments > 1) {
      const { segments, encoding, units, nonGsmCharacters } = report.cta.segments
      const why = nonGsmCharacters.length > 0 ? `; UCS-2 because of ${nonGsmCharacters.map(c => JSON.stringify(c)).join(' ')}` : ''
      warnings.push(`${base}.ctaMessage: ${segments} SMS segments (${units} ${encoding} characters${why}): every signup pays ${segments}×`)
    }
    reports.set(lang, report)
  }
  return { reports, issues, warnings }
}

function unknownVariableIssues (texts: LocaleTexts, path: string): string[] {
  const issues: string[] = []
  for (const [field, template] of Object.entries(texts)) {
    if (typeof template !== 'string' || field === 'frequency') continue
    for (const name of unknownVariables(template)) {
      issues.push(`${path}.${field}: unknown variable {${name}}; use ${Object.keys(TEMPLATE_VARIABLES).map(v => `{${v}}`).join(', ')}`)
    }
  }
  return issues
}
