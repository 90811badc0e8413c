// Reads and validates the campaigns file; every problem is reported with the path of the bad value.
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseDocument } from 'yaml'
import { Value } from 'typebox/value'
import { isSupportedCountry } from '../phone/libphonenumber.ts'
import { CampaignSchema, CampaignsFileSchema, SLUG_PATTERN, type CampaignConfig } from './schema.ts'
import { resolveCampaign, type Campaign } from './campaign.ts'
import { unknownVariables, TEMPLATE_VARIABLES } from './message-template.ts'
import { checkLocales, languageIssues, languageWarnings, type MessageReports } from './language-checks.ts'
import type { LanguageCode } from '../i18n/languages.ts'
import { schemaErrors } from '../config/schema-errors.ts'
import { loadBranding } from '../branding/branding.ts'

export interface LoadedCampaigns {
  campaigns: Map<string, Campaign>
  /** Things an operator should see at start-up but that do not stop the server. */
  warnings: string[]
  /** Per campaign and offered language, the rendered messages' checks (the CLI's `check` prints these). */
  reports: Map<string, Map<LanguageCode, MessageReports>>
}

export class CampaignsFileError extends Error {
  readonly issues: string[]
  constructor (source: string, issues: string[]) {
    super(`${source} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n` +
      issues.map(issue => `  - ${issue}`).join('\n'))
    this.name = 'CampaignsFileError'
    this.issues = issues
  }
}

export async function loadCampaignsFile (path: string): Promise<LoadedCampaigns> {
  let source: string
  try {
    source = await readFile(path, 'utf8')
  } catch (err) {
    throw new CampaignsFileError(path, [`cannot be read: ${(err as Error).message}`])
  }
  // A logo path in the file is relative to the file, wherever the server was started.
  return parseCampaigns(source, path, { baseDir: dirname(path) })
}

export function parseCampaigns (source: string, sourceName = 'campaigns file', options: { baseDir?: string } = {}): LoadedCampaigns {
  const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true })
  if (document.errors.length > 0) {
    throw new CampaignsFileError(sourceName, document.errors.map(e => `YAML: ${e.message.split('\n')[0]}`))
  }
  const data: unknown = document.toJS()
  const fileIssues = schemaErrors(CampaignsFileSchema, data)
  if (fileIssues.length > 0) throw new CampaignsFileError(sourceName, fileIssues)

  const entries = Object.entries((data as { campaigns: Record<string, unknown> }).campaigns)
  const issues: string[] = []
  const warnings: string[] = []
  const campaigns = new Map<string, Campaign>()
  const reports: LoadedCampaigns['reports'] = new Map()
  if (entries.length === 0) issues.push('campaigns: must list at least one campaign')

  for (const [slug, raw] of entries) {
    const at = `campaigns.${slug}`
    if (!SLUG_PATTERN.test(slug)) {
      issues.push(`${at}: the slug must be 1 to 64 lower-case letters, digits or dashes (it becomes the URL /c/<slug>)`)
      continue
    }
    const campaignIssues = schemaErrors(CampaignSchema, raw, at)
    if (campaignIssues.length > 0) {
      issues.push(...campaignIssues)
      continue
    }
    const config = Value.Default(CampaignSchema, structuredClone(raw)) as CampaignConfig
    const crossIssues = [...crossFieldIssues(config, at), ...languageIssues(config, at)]
    if (crossIssues.length > 0) {
      issues.push(...crossIssues)
      continue
    }
    const brand = loadBranding(config.branding, `${at}.branding`, options.baseDir ?? process.cwd(), slug, config.name)
    if (brand.issues.length > 0) {
      issues.push(...brand.issues)
      continue
    }
    const campaign = resolveCampaign(slug, config, brand.branding)
    // Each language's SMS and disclosure meet the carrier rules on their own.
    const checked = checkLocales(campaign, at)
    issues.push(...checked.issues)
    warnings.push(...checked.warnings, ...languageWarnings(config, at))
    campaigns.set(slug, campaign)
    reports.set(slug, checked.reports)
  }
  if (issues.length > 0) throw new CampaignsFileError(sourceName, issues)
  return { campaigns, warnings, reports }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

const TEMPLATE_FIELDS = ['ctaMessage', 'confirmMessage', 'title', 'headline', 'intro', 'consentText',
  'disclosure', 'buttonText', 'successTitle', 'successText'] as const

function crossFieldIssues (config: CampaignConfig, at: string): string[] {
  const issues: string[] = []
  const countries = [config.country, ...(config.allowedCountries ?? [])]
  countries.forEach((code, i) => {
    if (!isSupportedCountry(code)) {
      const path = i === 0 ? 'country' : `allowedCountries[${i - 1}]`
      issues.push(`${at}.${path}: ${code} is not a country with phone numbers we know`)
    }
  })
  if (config.allowedCountries !== undefined && !config.allowedCountries.includes(config.country)) {
    issues.push(`${at}.allowedCountries: must include the campaign's country (${config.country})`)
  }
  // The schema's pattern only says "looks like a URL"; these must parse, since headers and redirects are built from them.
  for (const field of ['termsUrl', 'privacyUrl', 'successRedirectUrl'] as const) {
    const url = config[field]
    if (url !== undefined && !URL.canParse(url)) issues.push(`${at}.${field}: must be a valid http(s):// address; ${JSON.stringify(url.slice(0, 80))} is not`)
  }
  for (const [i, origin] of (config.embedOrigins ?? []).entries()) {
    const path = `${at}.embedOrigins[${i}]`
    const url = URL.canParse(origin) ? new URL(origin) : undefined
    if (url === undefined) {
      issues.push(`${path}: must be a valid origin such as https://shop.example.com`)
    } else if (url.origin !== origin) {
      // Browsers send the origin without a default port: https://x.com:443 would never match their Origin header.
      issues.push(`${path}: write it as ${url.origin} (browsers send it that way, so nothing else ever matches)`)
    } else if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
      // Over plain http anyone on the site's network path could frame the form and tick its box; fine on one's own machine.
      issues.push(`${path}: must be https:// (http:// only for localhost)`)
    }
  }
  for (const field of TEMPLATE_FIELDS) {
    const template = config[field]
    if (template === undefined) continue
    for (const name of unknownVariables(template)) {
      issues.push(`${at}.${field}: unknown variable {${name}}; use ${Object.keys(TEMPLATE_VARIABLES).map(v => `{${v}}`).join(', ')}`)
    }
  }
  return issues
}
