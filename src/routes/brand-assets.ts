// A campaign's logo and theme stylesheets (/brand/<slug>/<name>-<hash>.<ext>): the name changes with the content, so a year of cache.
import type { FastifyInstance } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import { notFoundPage } from './not-found.ts'

export default async function brandAssetRoutes (app: FastifyInstance, options: { campaigns: { get (slug: string): Campaign | undefined } }) {
  app.get<{ Params: { campaign: string, file: string } }>('/brand/:campaign/:file', async (request, reply) => {
    const asset = options.campaigns.get(request.params.campaign)?.branding?.assets.get(request.params.file)
    // An old name after a reload is a 404 rather than new content under a name cached as immutable.
    if (asset === undefined) return notFoundPage(reply, 'page')
    return reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      // The embed stylesheet is loaded by the embedding sites' pages (no-cors), which helmet's same-origin would block.
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(asset.body)
  })
}
