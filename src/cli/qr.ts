// `optline qr <campaign>`: the campaign's QR code as SVG (stdout or a file) or PNG (a file), for print work.
import { writeFile } from 'node:fs/promises'
import { CampaignsFileError, loadCampaignsFile } from '../campaigns/load.ts'
import { campaignUrl, parsePngWidth, qrPng, qrSvg, signLanguage } from '../qr/campaign-qr.ts'
import { sourceTag } from '../routes/signup-context.ts'
import { settings } from './context.ts'
import { CliError, type CliIo, line } from './output.ts'
import { printable, printableLines } from './table.ts'
import { parseCommand, UsageError } from './usage.ts'

export async function runQr (args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('qr', args, {
    src: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'string' },
    out: { type: 'string' },
    base: { type: 'string' },
    lang: { type: 'string' }
  }, ['campaign'])
  const slug = positionals[0] ?? ''
  const format = values.format ?? (values.out?.endsWith('.png') === true ? 'png' : 'svg')
  if (format !== 'svg' && format !== 'png') throw new UsageError(`--format must be svg or png, not '${printable(format)}'`, 'qr')
  if (format === 'png' && values.out === undefined) throw new UsageError('a PNG needs --out FILE (it is not text)', 'qr')
  if (values.src !== undefined && sourceTag(values.src) === undefined) {
    throw new UsageError('--src must be 1 to 64 letters, digits, dots, dashes, underscores or tildes', 'qr')
  }
  const size = parsePngWidth(values.size)
  if ('error' in size) throw new UsageError(`--${size.error}`, 'qr')

  const config = settings(io)
  // The code is printed and scanned for years: it must carry the public address, never a guess.
  const base = values.base ?? config.publicUrl
  if (base === undefined || !/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/.test(base)) {
    throw new UsageError('set PUBLIC_URL (or pass --base https://join.example.com): the address the code points at', 'qr')
  }
  let campaigns
  try {
    campaigns = (await loadCampaignsFile(config.campaignsFile)).campaigns
  } catch (error) {
    if (!(error instanceof CampaignsFileError)) throw error
    line(io.stderr, printableLines(error.message))
    return 1
  }
  const campaign = campaigns.get(slug)
  if (campaign === undefined) throw new CliError(`no campaign '${printable(slug)}' in ${config.campaignsFile}`)
  // Refused rather than ignored: a code for the wrong language would be printed and posted for months.
  const lang = signLanguage(campaign, values.lang)
  if ('error' in lang) throw new CliError(`--lang '${printable(values.lang ?? '')}': campaign '${printable(slug)}' offers ${campaign.languages.join(', ')} only`)

  const url = campaignUrl(base, slug, values.src, lang.inLink)
  const body = format === 'png' ? await qrPng(url, { width: size.width }) : await qrSvg(url)
  if (values.out === undefined) {
    io.stdout.write(body)
  } else {
    await writeFile(values.out, body)
    line(io.stderr, `${values.out}: QR code (${format}${format === 'png' ? `, ${size.width} px` : ''}) for ${url}`)
  }
  return 0
}
