// `optline stats`: signups by status per campaign (store.counts), the campaigns file's campaigns first, then whatever
// else the database holds (a campaign since removed from the file), then the total.
import { CampaignsFileError, loadCampaignsFile } from '../campaigns/load.ts'
import type { StatusCounts } from '../store/types.ts'
import { settings, withStore } from './context.ts'
import { type CliIo, line } from './output.ts'
import { printable, table } from './table.ts'
import { parseCommand } from './usage.ts'

const STATUSES = ['pending', 'sending', 'delivered', 'rejected', 'duplicate', 'held'] as const

export async function runStats (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand('stats', args, { campaign: { type: 'string' } })
  const config = settings(io)
  const slugs = values.campaign === undefined ? await campaignSlugs(config.campaignsFile, io) : [values.campaign]
  const rows = await withStore(config, async store => {
    const perCampaign = await Promise.all(slugs.map(async slug => [slug, await store.counts(slug)] as const))
    if (values.campaign !== undefined) return perCampaign
    const all = await store.counts()
    // No store call lists campaigns; what the file's campaigns do not account for belongs to others.
    const other = { ...all }
    for (const [, counts] of perCampaign) for (const status of STATUSES) other[status] -= counts[status]
    const others = perCampaign.length > 0 && total(other) > 0 ? [['(other campaigns)', other] as const] : []
    return [...perCampaign, ...others, ['all', all] as const]
  })
  line(io.stdout, table(['campaign', ...STATUSES, 'total'], rows.map(([name, counts]) => [name, ...STATUSES.map(s => counts[s]), total(counts)])))
  const held = rows.at(-1)?.[1].held ?? 0
  if (held > 0) line(io.stdout, `\n${held} held signup${held === 1 ? '' : 's'} (suspected abuse, never sent unless released): optline held${values.campaign === undefined ? '' : ` --campaign ${printable(values.campaign)}`}`)
  return 0
}

function total (counts: StatusCounts): number {
  return STATUSES.reduce((sum, status) => sum + counts[status], 0)
}

/** The campaigns file's slugs; when it does not load, none (with a note): the counts are the database's, not the file's. */
async function campaignSlugs (file: string, io: CliIo): Promise<string[]> {
  try {
    return [...(await loadCampaignsFile(file)).campaigns.keys()]
  } catch (error) {
    if (!(error instanceof CampaignsFileError)) throw error
    line(io.stderr, `Note: ${file} does not load (optline check says why); showing all campaigns together.`)
    return []
  }
}
