// Embedding on another site: /embed.js (the snippet's script), its stylesheet, and the form's texts as JSON for it.
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { SignupRouteOptions } from './signup-page.ts'
import { formView } from './form-view.ts'
import { notFoundJson, notFoundPage } from './not-found.ts'
import { DEFAULT_MAX_AGE_MS } from '../abuse/form-token.ts'
import { chooseLanguage } from '../i18n/negotiate.ts'
import { language } from '../i18n/languages.ts'

const read = (file: string) => readFileSync(new URL(`../embed/${file}`, import.meta.url))
const hash = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 10)

// The form's own wording (labels, links, the confirmation's steps, errors it makes itself), in the same language as the
// campaign's texts: from src/i18n/<lang>.ts, so /embed.js carries no English of its own.
const FormLabels = Type.Object({
  country: Type.String({ description: 'Label of the country list' }),
  mobileNumber: Type.String({ description: 'Label of the phone field' }),
  honeypot: Type.String({ description: 'Label of the hidden field people never see (bots fill it)' }),
  terms: Type.String({ description: 'Text of the link to termsUrl' }),
  privacy: Type.String({ description: 'Text of the link to privacyUrl' }),
  sentTo: Type.Tuple([Type.String(), Type.String()], { description: 'Around the last four digits of the number, after a signup' }),
  openText: Type.String({ description: 'First step after a signup: open the text' }),
  replyYes: Type.Tuple([Type.String(), Type.String()], { description: 'Second step, around the keyword YES' }),
  stopAnyTime: Type.String(),
  unavailable: Type.String({ description: 'When the signup answer has no errors to show (a 5xx, a 429)' }),
  unreachable: Type.String({ description: 'When the signup service cannot be reached at all' })
})

const FormTexts = Type.Object({
  campaign: Type.String(),
  lang: Type.String({ description: 'The language of these texts (?lang=, else Accept-Language, else the campaign\'s own): send it back as lang with the signup, so the consent record names this wording' }),
  name: Type.String({ description: 'Brand or program name' }),
  headline: Type.String(),
  intro: Type.String(),
  consentText: Type.String({ description: 'The consent checkbox label (the box starts unticked)' }),
  disclosureVersion: Type.String({ description: 'Names this wording (checkbox, disclosure, links): send it back as disclosureVersion with the signup, so the consent record can only name the text shown' }),
  disclosure: Type.String({ description: 'The compliance text to show under the checkbox, with links to the terms and privacy policy' }),
  buttonText: Type.String(),
  successTitle: Type.String(),
  successText: Type.String(),
  termsUrl: Type.String(),
  privacyUrl: Type.String(),
  successRedirectUrl: Type.Optional(Type.String({ description: 'Send the visitor here after a successful signup' })),
  country: Type.String({ description: 'Default country for numbers typed without +' }),
  countries: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), callingCode: Type.String() }), { description: 'Choices for a country list; empty when the campaign takes one country' }),
  phoneHint: Type.String(),
  labels: FormLabels,
  formToken: Type.String({ description: 'Send back as formToken with the signup' }),
  minSubmitSeconds: Type.Number(),
  expiresInSeconds: Type.Number(),
  captcha: Type.Boolean({ description: 'True when the campaign needs a CAPTCHA: embed the hosted page in an iframe instead' }),
  pageUrl: Type.String({ description: 'The hosted signup page (path on this server), for a fallback link' }),
  stylesheets: Type.Array(Type.String(), { description: 'Stylesheets (paths on this server) that style a form with class "optline" in this campaign\'s colours' })
})

export default async function embedRoutes (app: FastifyInstance, options: SignupRouteOptions) {
  const { campaigns, issueFormToken } = options
  const script = read('embed.js')
  const etag = `"${hash(script)}"`
  const css = read('embed.css')
  const cssName = `form-${hash(css)}.css`

  // The snippet's URL cannot carry a fingerprint, so: a short cache, then a cheap revalidation by ETag.
  // A classic <script> needs no CORS; only helmet's same-origin resource policy has to be lifted.
  app.get('/embed.js', async (request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('etag', etag)
      .header('cross-origin-resource-policy', 'cross-origin')
    if (request.headers['if-none-match'] === etag) return reply.code(304).send()
    return reply.send(script)
  })

  app.get<{ Params: { file: string } }>('/embed/:file', async (request, reply) => {
    if (request.params.file !== cssName) return notFoundPage(reply, 'page')
    return reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(css)
  })

  app.get<{ Params: { campaign: string }, Querystring: { lang?: unknown } }>('/api/v1/campaigns/:campaign/form', {
    schema: {
      tags: ['embedding'],
      summary: 'Everything a form on your page needs: the texts to show, countries, links and a form token (what /embed.js uses)',
      params: Type.Object({ campaign: Type.String({ maxLength: 64 }) }),
      response: {
        200: FormTexts,
        404: Type.Object({ errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })) })
      }
    }
  }, async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundJson(reply, 'campaign')
    // The same view model as the hosted page, so both show the same texts and choices.
    const lang = chooseLanguage(request, campaign.languages, campaign.language, [request.query.lang])
    const view = formView(campaign, { phone: '', country: campaign.country, consent: false, source: '', referrer: '', lang })
    const { page } = view
    const t = language(view.lang)
    return reply.header('cache-control', 'no-store').header('content-language', view.lang).send({
      campaign: campaign.slug,
      lang: view.lang,
      name: campaign.name,
      headline: page.headline,
      intro: page.intro,
      consentText: page.consentText,
      disclosureVersion: view.disclosureVersion,
      disclosure: page.disclosure,
      buttonText: page.buttonText,
      successTitle: page.successTitle,
      successText: page.successText,
      termsUrl: campaign.termsUrl,
      privacyUrl: campaign.privacyUrl,
      successRedirectUrl: campaign.successRedirectUrl,
      country: campaign.country,
      countries: (view.countries ?? []).map(c => ({ code: c.code, name: c.name, callingCode: c.callingCode })),
      phoneHint: view.phoneHint,
      labels: {
        country: t.form.country,
        mobileNumber: t.form.mobileNumber,
        honeypot: t.form.honeypot,
        terms: t.form.terms,
        privacy: t.form.privacy,
        sentTo: t.thanks.sentTo,
        openText: t.thanks.openText(campaign.name),
        replyYes: t.thanks.replyYes,
        stopAnyTime: t.thanks.stopAnyTime,
        unavailable: t.signup.unavailable,
        unreachable: t.form.unreachable
      },
      formToken: issueFormToken(campaign.slug),
      minSubmitSeconds: campaign.protection.minSubmitMs / 1000,
      expiresInSeconds: DEFAULT_MAX_AGE_MS / 1000,
      captcha: campaign.protection.captcha !== undefined,
      pageUrl: `/c/${campaign.slug}`,
      stylesheets: [`/embed/${cssName}`, ...(campaign.branding?.embedThemeUrl === undefined ? [] : [campaign.branding.embedThemeUrl])]
    })
  })
}
