// The hosted page: GET shows the form, POST signs up (303 to thanks, or the form again with errors).
import type { FastifyInstance } from 'fastify'
import type { Campaign } from '../campaigns/campaign.ts'
import type { FieldError, SignupService } from '../signup/service.ts'
import { SIGNUP_MESSAGES } from '../signup/messages.ts'
import { GuardError, isAllowedFormOrigin, onlyContentType } from './request-guards.ts'
import { formView, type FormValues } from './form-view.ts'
import { notFoundPage } from './not-found.ts'
import { boundedText, signupContext, sourceTag } from './signup-context.ts'

export interface SignupRouteOptions {
  campaigns: { get (slug: string): Campaign | undefined }
  signups: SignupService
  /** Issues the signed token each rendered form carries (see abuse/form-token.ts). */
  issueFormToken: (campaign: string) => string
}

interface CampaignParams { campaign: string }
type FormBody = Record<string, unknown> | undefined

export default async function signupPageRoutes (app: FastifyInstance, options: SignupRouteOptions) {
  const { campaigns, signups, issueFormToken } = options
  const form = (campaign: Campaign, values: FormValues, errors?: FieldError[]) =>
    formView(campaign, values, errors, issueFormToken(campaign.slug))

  app.get<{ Params: CampaignParams, Querystring: { src?: unknown } }>('/c/:campaign', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    // The source tag and the visitor's referrer ride along in hidden fields to the consent proof.
    const hidden = { source: sourceTag(request.query.src) ?? '', referrer: boundedText(request.headers.referer) ?? '' }
    return reply.page(200, 'form', form(campaign, { phone: '', country: campaign.country, consent: false, ...hidden }))
  })

  app.post<{ Params: CampaignParams, Body: FormBody }>('/c/:campaign', {
    preValidation: onlyContentType('application/x-www-form-urlencoded')
  }, async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    if (!isAllowedFormOrigin(request, campaign)) throw new GuardError(403, 'OPTLINE_CROSS_SITE', SIGNUP_MESSAGES.crossSite)
    const body = request.body ?? {}
    const context = signupContext(request, { source: body.source, referrer: body.referrer })
    const bot = { honeypot: body.website, formToken: body.formToken, captchaToken: body['cf-turnstile-response'] ?? body['h-captcha-response'] }
    const result = await signups.signUp(campaign, { phone: body.phone, country: body.country, consent: body.consent, context, bot })
    if (result.status === 'accepted') {
      // 303 so a refresh of the thank-you page never posts the form again.
      const target = campaign.successRedirectUrl ?? `/c/${campaign.slug}/thanks?to=${result.last4}`
      return reply.header('cache-control', 'no-store').redirect(target, 303)
    }
    const values = keptValues(body, campaign)
    if (result.status === 'refused') return reply.page(422, 'form', form(campaign, values, result.errors))
    reply.header('retry-after', '60')
    return reply.page(503, 'form', form(campaign, values, [{ field: 'form', code: 'unavailable', message: result.message }]))
  })

  app.get<{ Params: CampaignParams, Querystring: { to?: unknown } }>('/c/:campaign/thanks', async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundPage(reply, 'campaign')
    const to = request.query.to
    return reply.page(200, 'thanks', {
      title: `${campaign.page.successTitle} · ${campaign.name}`,
      page: campaign.page,
      name: campaign.name,
      // Only ever four digits: the URL is logged, so it never carries the whole number.
      last4: typeof to === 'string' && /^\d{4}$/.test(to) ? to : undefined,
      formUrl: `/c/${campaign.slug}`
    })
  })
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
