// A campaign's texts in one language (page, SMS templates, disclosure), rendered; each language is its own disclosure version.
import { createHash } from 'node:crypto'
import type { Campaign, CampaignPage } from './campaign.ts'
import type { CampaignConfig } from './schema.ts'
import { renderTemplate, type TemplateValues } from './message-template.ts'
import { DEFAULT_LANGUAGE, language, type LanguageCode } from '../i18n/languages.ts'

export interface CampaignLocale {
  lang: LanguageCode
  page: CampaignPage
  /** The CTA and confirmation SMS a visitor who signed up in this language gets. */
  ctaMessage: string
  confirmMessage: string
  frequency: string
  /** The consent wording as shown in this language (checkbox label, disclosure, links), saved once per version. */
  disclosureText: string
  /** Hash of disclosureText: a signup's proof names the exact text, and so the language, its visitor saw. */
  disclosureVersion: string
}

/** The texts a language may set: at the top level for the campaign's own language, under translations.<lang> for others. */
export type LocaleTexts = Partial<Pick<CampaignConfig, keyof CampaignPage | 'frequency' | 'ctaMessage' | 'confirmMessage'>>

export interface CampaignLocales {
  language: LanguageCode
  languages: LanguageCode[]
  locales: Partial<Record<LanguageCode, CampaignLocale>>
}

export function resolveLocales (config: CampaignConfig): CampaignLocales {
  const main = (config.language ?? DEFAULT_LANGUAGE) as LanguageCode
  const languages = (config.languages ?? [main]) as LanguageCode[]
  const locales: Partial<Record<LanguageCode, CampaignLocale>> = {}
  for (const lang of languages) locales[lang] = resolveLocale(config, lang, lang === main ? config : localeTexts(config, lang))
  return { language: main, languages, locales }
}

export function localeTexts (config: CampaignConfig, lang: LanguageCode): LocaleTexts {
  return (config.translations as Partial<Record<string, LocaleTexts>> | undefined)?.[lang] ?? {}
}

/** The campaign's texts in `lang` when it offers that language, else in its own. */
export function localeOf (campaign: Campaign, lang: LanguageCode | undefined): CampaignLocale {
  return (lang === undefined ? undefined : campaign.locales[lang]) ?? campaign.locales[campaign.language] as CampaignLocale
}

/** Every offered language's disclosure, to be stored before any signup can point at it. */
export function disclosuresOf (campaign: Campaign): Array<{ version: string, text: string }> {
  return campaign.languages.map(lang => localeOf(campaign, lang)).map(l => ({ version: l.disclosureVersion, text: l.disclosureText }))
}

function resolveLocale (config: CampaignConfig, lang: LanguageCode, texts: LocaleTexts): CampaignLocale {
  const defaults = language(lang).campaign
  // A translation without its own frequency falls back to the campaign's (the loader refuses that unless it is unset).
  const frequency = texts.frequency ?? config.frequency ?? defaults.defaultFrequency
  const values: TemplateValues = { name: config.name, frequency, termsUrl: config.termsUrl, privacyUrl: config.privacyUrl }
  const pageText = (key: keyof CampaignPage): string => renderTemplate(texts[key] ?? defaults.page[key], values)
  const marketing = config.marketing ?? true
  const page: CampaignPage = {
    title: pageText('title'),
    headline: pageText('headline'),
    intro: pageText('intro'),
    consentText: pageText('consentText'),
    disclosure: pageText('disclosure') + (marketing && texts.disclosure === undefined ? defaults.notConditionOfPurchase : ''),
    buttonText: pageText('buttonText'),
    successTitle: pageText('successTitle'),
    successText: pageText('successText')
  }
  const disclosureText = [
    `Language: ${lang}`,
    `Checkbox: ${page.consentText}`,
    `Disclosure: ${page.disclosure}`,
    `Terms: ${config.termsUrl}`,
    `Privacy: ${config.privacyUrl}`
  ].join('\n')
  return {
    lang,
    page,
    ctaMessage: renderTemplate(texts.ctaMessage ?? config.ctaMessage, values),
    confirmMessage: renderTemplate(texts.confirmMessage ?? config.confirmMessage, values),
    frequency,
    disclosureText,
    disclosureVersion: createHash('sha256').update(disclosureText).digest('hex').slice(0, 16)
  }
}
