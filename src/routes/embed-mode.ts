// What a campaign's pages add to the layout: its branding, and in embed mode (?embed=1) the frame script's settings.
import type { Campaign } from '../campaigns/campaign.ts'

/** `?embed=1` on the page, or the hidden `embed` field the embedded form posts back. */
export function isEmbed (value: unknown): boolean {
  return value === '1'
}

export interface EmbedView {
  /** The only targetOrigins the frame script may post to: the campaign's embedOrigins, never `*`. */
  origins: string
  campaign: string
  /** On the thank-you page: tells the embedding page a signup went through, and where to send the visitor. */
  signedUp: boolean
  redirect: string | undefined
}

export function campaignChrome (campaign: Campaign, embed: boolean, signedUp = false): { brand: Campaign['branding'], embed: EmbedView | undefined } {
  return {
    brand: campaign.branding,
    embed: embed
      ? { origins: campaign.embedOrigins.join(' '), campaign: campaign.slug, signedUp, redirect: signedUp ? campaign.successRedirectUrl : undefined }
      : undefined
  }
}
