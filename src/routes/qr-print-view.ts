// Builds what the printable sign shows: headline, QR, short link and the full disclosure as plain text.
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import type { Campaign } from '../campaigns/campaign.ts'
import { localeOf } from '../campaigns/campaign-locale.ts'
import { language, type LanguageCode } from '../i18n/languages.ts'

// Fingerprinted like the layout's stylesheet (plugins/views.ts), since /assets/ is cached for a year.
const PRINT_CSS = new URL('../../public/print.css', import.meta.url)
const PRINT_CSS_URL = `/assets/print.css?v=${createHash('sha256').update(readFileSync(PRINT_CSS)).digest('hex').slice(0, 10)}`

export interface PrintLinks {
  /** What the QR encodes: the short link, with the source tag when there is one. */
  encodedUrl: string
  /** The short link without the tag, for people to type. */
  shortUrl: string
  /** The same QR as files, for a designer or a print shop. */
  svgUrl: string
  pngUrl: string
  /** This sign in each of the campaign's other languages (none when it has one). */
  otherLanguages: Array<{ code: LanguageCode, name: string, href: string }>
}

/** The sign in `lang`, one of the campaign's languages: its page texts, disclosure and frequency in that language. */
export function printView (campaign: Campaign, lang: LanguageCode, links: PrintLinks, qrSvgMarkup: string) {
  const { page, frequency } = localeOf(campaign, lang)
  return {
    lang,
    title: language(lang).print.title(page.title),
    cssUrl: PRINT_CSS_URL,
    name: campaign.name,
    headline: page.headline,
    intro: page.intro,
    // The sign repeats what the page says next to the field (carrier rule). The disclosure names
    // the program and carries rates, HELP/STOP and, when the campaign's has it, "not a condition
    // of purchase"; a marketer's own wording may leave out the frequency, so it is added then.
    disclosure: page.disclosure,
    frequency: page.disclosure.includes(frequency) ? undefined : frequency,
    // Paper cannot be clicked: the addresses are printed in full.
    termsUrl: campaign.termsUrl,
    privacyUrl: campaign.privacyUrl,
    shortUrl: links.shortUrl,
    displayUrl: links.shortUrl.replace(/^https:\/\//, ''),
    encodedUrl: links.encodedUrl,
    svgUrl: links.svgUrl,
    pngUrl: links.pngUrl,
    otherLanguages: links.otherLanguages,
    qrSvg: qrSvgMarkup
  }
}
