// The campaigns in force, swappable as a whole: a reload (SIGHUP) replaces them between two requests.
import type { Campaign } from './campaign.ts'

export interface CampaignRegistry {
  get (slug: string): Campaign | undefined
  all (): Campaign[]
  readonly size: number
  /** Puts a new, already validated set in force; requests in flight keep the campaign they looked up. */
  replace (campaigns: ReadonlyMap<string, Campaign>): void
}

export function createCampaignRegistry (initial: ReadonlyMap<string, Campaign>): CampaignRegistry {
  let current = initial
  return {
    get: slug => current.get(slug),
    all: () => [...current.values()],
    get size () { return current.size },
    replace (campaigns) { current = campaigns }
  }
}
