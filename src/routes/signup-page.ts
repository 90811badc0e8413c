// The hosted page: GET shows the form, POST signs up (303 to thanks, or the form again with errors).
import type { FastifyInstance } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import type { FieldError, SignupService } from '../signup/service.ts'
import { SIGNUP_MESSAGES } from '../signup/messages.ts'
import { GuardError, isAllowedFormOrigin, onlyContentType } from './request-guards.ts'
import { formView, type FormValues } from './form-view.ts'
import { notFoundPage } from './not-found.ts'
import { boundedText, signupContext, sourceTag, utmTags } from './signup-context.ts'
import { campaignChrome, isEmbed } from './embed-mode.ts'
import { localeOf } from '../campaigns/campaign-locale.ts'
import { chooseLanguage } from '../i18n/negotiate.ts'
import type { LanguageCode } from '../i18n/languages.ts'

export interface SignupRouteOptions {
  campaigns: { get (slug: string): Campaign | undefined }
  signups: SignupService
  /** Issues the signed token each rendered form carries (see abuse/form-token.ts). */
  issueFormToken: (campaign: string) => string
}

interface CampaignParams { campaign: string }
interface LangQuery { lang?: unknown }
type FormBody = Record<string, unknown> | undefined

export default async function signupPageRoutes (app: FastifyInstance, options: SignupRouteOptions) {
  const { campaigns, signups, issueFormToken } = options
  // embed: the page is inside an iframe on an embedOrigins site (?embed=1), kept through the POST by a hidden field
  // and by the form's action: a refusal answered before the body is read (429, 415) must still know it is framed.
  const form = (campaign: Campaign, values: FormValues, errors?: FieldError[], embed = false) => {
    const view = formView(campaign, values, errors, issueFormToken(campaign.slug))
    const action = embed ? `${view.action}${view.action.includes('?') ? '&' : '?'}embed=1${langParam(campaign, view.lang, '&')}` : view.action
    return { ...view, action, ...campaignChrome(campaign, embed) }
  }

  app.get<{ Params: CampaignParams, Querystring: LangQuery & { src?: unknown, embed?: unknown } }>('/c/:campaign', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    const lang = chooseLanguage(request, campaign.languages, campaign.language, [request.query.lang])
    // The source tag and the visitor's referrer ride along in hidden fields to the consent proof; the language too.
    const hidden = { source: sourceTag(request.query.src) ?? '', referrer: boundedText(request.headers.referer) ?? '', lang, utm: utmTags(request.query as Record<string, unknown>) }
    return reply.page(200, 'form', form(campaign, { phone: '', country: campaign.country, consent: false, ...hidden }, [], isEmbed(request.query.embed)))
  })

  app.post<{ Params: CampaignParams, Querystring: LangQuery & { embed?: unknown }, Body: FormBody }>('/c/:campaign', {
    preValidation: onlyContentType('application/x-www-form-urlencoded')
  }, async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    if (!isAllowedFormOrigin(request, campaign)) throw new GuardError(403, 'OPTLINE_CROSS_SITE', SIGNUP_MESSAGES.crossSite)
    const body = request.body ?? {}
    const context = signupContext(request, { source: body.source, referrer: body.referrer })
    const bot = { honeypot: body.website, formToken: body.formToken, captchaToken: body['cf-turnstile-response'] ?? body['h-captcha-response'] }
    // The hidden field carries the language the form was shown in: refusals, SMS and disclosure version follow it.
    const lang = chooseLanguage(request, campaign.languages, campaign.language, [body.lang, request.query.lang])
    const result = await signups.signUp(campaign, { phone: body.phone, country: body.country, consent: body.consent, context, bot, lang, shownVersion: body.disclosureVersion })
    const embed = isEmbed(body.embed) || isEmbed(request.query.embed)
    if (result.status === 'accepted') {
      // 303 so a refresh of the thank-you page never posts the form again. In a frame, the thank-you page
      // stays in the frame and hands the redirect to the embedding page: the marketer's site inside our iframe would be a mess.
      const thanks = `/c/${campaign.slug}/thanks?to=${result.last4}${langParam(campaign, lang, '&')}`
      const target = embed
        ? `${thanks}&embed=1`
        : campaign.successRedirectUrl ?? thanks
      return reply.header('cache-control', 'no-store').redirect(target, 303)
    }
    const values = { ...keptValues(body, campaign), lang, utm: context.utm }
    if (result.status === 'refused') {
      // New wording: the box comes back unticked, next to the text now in force, to be read and agreed to again.
      const reread = result.errors.some(e => e.code === 'disclosure_changed')
      return reply.page(422, 'form', form(campaign, reread ? { ...values, consent: false } : values, result.errors, embed))
    }
    reply.header('retry-after', '60')
    return reply.page(503, 'form', form(campaign, values, [{ field: 'form', code: 'unavailable', message: result.message }], embed))
  })

  app.get<{ Params: CampaignParams, Querystring: LangQuery & { to?: unknown, embed?: unknown } }>('/c/:campaign/thanks', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    const to = request.query.to
    const embed = isEmbed(request.query.embed)
    const { lang, page } = localeOf(campaign, chooseLanguage(request, campaign.languages, campaign.language, [request.query.lang]))
    return reply.page(200, 'thanks', {
      ...campaignChrome(campaign, embed, true),
      lang,
      title: `${page.successTitle} · ${campaign.name}`,
      page,
      name: campaign.name,
      // Only ever four digits: the URL is logged, so it never carries the whole number.
      last4: typeof to === 'string' && /^\d{4}$/.test(to) ? to : undefined,
      formUrl: `/c/${campaign.slug}${embed ? `?embed=1${langParam(campaign, lang, '&')}` : langParam(campaign, lang, '?')}`
    })
  })
}

/** `?lang=es` / `&lang=es` when the campaign offers several languages, so the next page keeps the visitor's. */
function langParam (campaign: Campaign, lang: LanguageCode, separator: '?' | '&'): string {
  return campaign.languages.length > 1 ? `${separator}lang=${lang}` : ''
}

/** What the visitor typed, shown again (escaped by the template) so nothing has to be retyped. */
function keptValues (body: Record<string, unknown>, campaign: Campaign): FormValues {
  const phone = typeof body.phone === 'string' ? body.phone.slice(0, 64) : ''
  const country = typeof body.country === 'string' ? body.country : campaign.country
  return {
    phone,
    country,
    consent: body.consent !== undefined && body.consent !== '',
    source: sourceTag(body.source) ?? '',
    referrer: boundedText(body.referrer) ?? ''
  }
}
