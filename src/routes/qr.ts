// QR codes for a campaign's short link (SVG, PNG) and a printable sign carrying the full disclosure.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import { MAX_URL_BYTES, campaignUrl, parsePngWidth, qrPng, qrSvg, signLanguage } from '../qr/campaign-qr.ts'
import { language } from '../i18n/languages.ts'
import { notFoundPage } from './not-found.ts'
import { printView } from './qr-print-view.ts'
import { sourceTag } from './signup-context.ts'

export interface QrRouteOptions {
  campaigns: { get (slug: string): Campaign | undefined }
  /** PUBLIC_URL: when set, every code points there, whatever the request's Host says. */
  publicUrl?: string | undefined
}

interface QrRoute {
  Params: { campaign: string }
  Querystring: { src?: unknown, size?: unknown, lang?: unknown }
}

// The image depends only on the link and the size, so browsers and CDNs may keep it a day.
const IMAGE_CACHE = 'public, max-age=86400'
// The link is built from the request (below): a shared cache must not hand one host's code to another.
const IMAGE_VARY = 'x-forwarded-host, x-forwarded-proto'

export default async function qrRoutes (app: FastifyInstance, options: QrRouteOptions) {
  const { campaigns } = options
  const baseUrl = (request: FastifyRequest) => options.publicUrl ?? requestOrigin(request)
  const encodedUrl = (request: FastifyRequest<QrRoute>, campaign: Campaign, lang?: string) => {
    const url = campaignUrl(baseUrl(request), campaign.slug, request.query.src, lang)
    return Buffer.byteLength(url) > MAX_URL_BYTES ? undefined : url
  }

  app.get<QrRoute>('/c/:campaign/qr.svg', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    const lang = signLanguage(campaign, request.query.lang)
    if ('error' in lang) return refuse(reply, 'lang', lang.error)
    const url = encodedUrl(request, campaign, lang.inLink)
    if (url === undefined) return refuse(reply, 'request', 'This address is too long to put in a QR code.')
    return image(reply, 'image/svg+xml; charset=utf-8', await qrSvg(url))
  })

  app.get<QrRoute>('/c/:campaign/qr.png', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    const size = parsePngWidth(request.query.size)
    if ('error' in size) return refuse(reply, 'size', size.error)
    const lang = signLanguage(campaign, request.query.lang)
    if ('error' in lang) return refuse(reply, 'lang', lang.error)
    const url = encodedUrl(request, campaign, lang.inLink)
    if (url === undefined) return refuse(reply, 'request', 'This address is too long to put in a QR code.')
    return image(reply, 'image/png', await qrPng(url, { width: size.width }))
  })

  app.get<QrRoute>('/c/:campaign/print', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    const lang = signLanguage(campaign, request.query.lang)
    if ('error' in lang) {
      // The person printing reads this: in the campaign's own language, naming each language it has.
      const t = language(campaign.language)
      const offered = campaign.languages.map(code => `${language(code).name} (${code})`).join(', ')
      return reply.page(400, 'error', { lang: campaign.language, title: t.errors.title, heading: t.print.languageNotOffered.heading, message: t.print.languageNotOffered.message(offered) })
    }
    const url = encodedUrl(request, campaign, lang.inLink)
    if (url === undefined) return refuse(reply, 'request', 'This address is too long to put in a QR code.')
    const src = sourceTag(request.query.src)
    // The files and the other languages' signs keep this sign's source tag (and the files, its language).
    const query = (code: string | undefined) => [src === undefined ? '' : `src=${src}`, code === undefined ? '' : `lang=${code}`].filter(Boolean).join('&')
    const withQuery = (path: string, code: string | undefined) => query(code) === '' ? path : `${path}?${query(code)}`
    const files = `/c/${campaign.slug}/qr`
    return reply.page(200, 'print', printView(campaign, lang.lang, {
      encodedUrl: url,
      shortUrl: campaignUrl(baseUrl(request), campaign.slug),
      svgUrl: withQuery(`${files}.svg`, lang.inLink),
      pngUrl: withQuery(`${files}.png`, lang.inLink),
      otherLanguages: campaign.languages.length < 2
        ? []
        : campaign.languages.filter(code => code !== lang.lang).map(code => ({ code, name: language(code).name, href: withQuery(`/c/${campaign.slug}/print`, code) }))
    }, await qrSvg(url)))
  })
}

/**
 * The origin visitors reach us at. With TRUST_PROXY set, Fastify reads protocol and host from the
 * proxy's X-Forwarded-Proto / X-Forwarded-Host, so the code carries the public https address and
 * not the internal one the proxy connects to; without it they come from the connection and the
 * Host header. Either way the client can influence them, hence the Vary header on the images and
 * the byte limit on the link. Setting PUBLIC_URL takes the request out of it.
 */
function requestOrigin (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

function image (reply: FastifyReply, type: string, body: string | Buffer) {
  return reply.header('content-type', type).header('cache-control', IMAGE_CACHE).header('vary', IMAGE_VARY).send(body)
}

/** A refused image request: JSON in the app's error shape, since an <img> shows nothing anyway. */
function refuse (reply: FastifyReply, field: string, message: string) {
  return reply.code(400).header('cache-control', 'no-store').send({ errors: [{ field, message }] })
}
