// `optline check`: the campaigns file validated as the server would load it, then every language's rendered messages with
// what they cost in SMS segments, so a marketer sees a 2-segment CTA (paid twice per signup) before the server starts.
import { resolve } from 'node:path'
import { localeOf } from '../campaigns/campaign-locale.ts'
import { language } from '../i18n/languages.ts'
import { CampaignsFileError, loadCampaignsFile } from '../campaigns/load.ts'
import type { MessageReport } from '../campaigns/message-rules.ts'
import { settings } from './context.ts'
import { type CliIo, line } from './output.ts'
import { printable, printableLines } from './table.ts'
import { parseCommand } from './usage.ts'

const MESSAGES = [
  ['cta', 'CTA message (SMS)'],
  ['confirm', 'Confirmation message (SMS)'],
  ['disclosure', 'Disclosure (on the page)']
] as const

export async function runCheck (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand('check', args, { file: { type: 'string' } })
  const file = resolve(values.file ?? settings(io).campaignsFile)
  let loaded
  try {
    loaded = await loadCampaignsFile(file)
  } catch (error) {
    if (!(error instanceof CampaignsFileError)) throw error
    line(io.stderr, printableLines(error.message))
    return 1
  }
  const count = loaded.campaigns.size
  line(io.stdout, `${file}: ${count} campaign${count === 1 ? '' : 's'}, valid.`)
  for (const [slug, campaign] of loaded.campaigns) {
    line(io.stdout)
    line(io.stdout, `${slug}: ${printable(campaign.name)} (/c/${slug})`)
    for (const lang of campaign.languages) {
      const locale = localeOf(campaign, lang)
      const own = lang === campaign.language ? ' (the campaign\'s language)' : ''
      line(io.stdout, `  ${lang}, ${language(lang).name}${own} · disclosure version ${locale.disclosureVersion}`)
      const report = loaded.reports.get(slug)?.get(lang)
      const texts = { cta: locale.ctaMessage, confirm: locale.confirmMessage, disclosure: locale.page.disclosure }
      for (const [key, label] of MESSAGES) {
        const checked = report?.[key]
        line(io.stdout, `    ${label}: ${checked === undefined ? 'not checked' : cost(checked)}`)
        line(io.stdout, indent(printableLines(texts[key]), 6))
      }
    }
  }
  if (loaded.warnings.length > 0) {
    line(io.stdout)
    line(io.stdout, `Warnings (${loaded.warnings.length}):`)
    for (const warning of loaded.warnings) line(io.stdout, `  - ${printable(warning)}`)
  }
  return 0
}

/** '1 segment, GSM-7, 112 septets' or '2 segments, UCS-2, 90 UTF-16 units (because of "’")'. */
function cost ({ segments }: MessageReport): string {
  const units = segments.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'
  const why = segments.nonGsmCharacters.length > 0 ? ` (because of ${segments.nonGsmCharacters.map(c => JSON.stringify(c)).join(' ')})` : ''
  return `${segments.segments} segment${segments.segments === 1 ? '' : 's'}, ${segments.encoding}, ${segments.units} ${units}${why}`
}

function indent (text: string, spaces: number): string {
  return text.split('\n').map(part => ' '.repeat(spaces) + part).join('\n')
}
