// The JSON API for embedders: the same signup service as the form, answered as 202 / 422 / 404 / 503.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { SignupRouteOptions } from './signup-page.ts'
import { notFoundJson } from './not-found.ts'
import { signupContext } from './signup-context.ts'
import { onlyContentType } from './request-guards.ts'
import { DEFAULT_MAX_AGE_MS } from '../abuse/form-token.ts'
import { signupMessages } from '../signup/messages.ts'
import { chooseLanguage } from '../i18n/negotiate.ts'

const SignupBody = Type.Object({
  // phone and consent are required by the signup service, not here, so a missing one gets the
  // same visitor-worded refusal as on the form (the rules exist once).
  phone: Type.Optional(Type.String({ maxLength: 64, description: 'Required: the mobile number as the visitor typed it' })),
  country: Type.Optional(Type.String({ maxLength: 2, description: 'ISO country chosen by the visitor, when the campaign allows several' })),
  consent: Type.Optional(Type.Boolean({ description: 'Required: true when the visitor ticked the SMS consent box' })),
  source: Type.Optional(Type.String({ maxLength: 64, description: 'Source tag: where the visitor came from (letters, digits, . _ ~ -)' })),
  pageUrl: Type.Optional(Type.String({ maxLength: 1000, description: 'The page the form was on (defaults to the Referer header)' })),
  referrer: Type.Optional(Type.String({ maxLength: 1000, description: 'The page that sent the visitor to the form' })),
  formToken: Type.Optional(Type.String({ maxLength: 512, description: 'The signed token from GET …/form-token (required unless the campaign turns it off)' })),
  captchaToken: Type.Optional(Type.String({ maxLength: 4096, description: 'The CAPTCHA response, when the campaign uses one' })),
  website: Type.Optional(Type.String({ maxLength: 200, description: 'Honeypot: leave empty' })),
  lang: Type.Optional(Type.String({ maxLength: 35, description: 'The language your form showed (en, es), when the campaign offers it; else Accept-Language, then the campaign\'s own. Refusals, the SMS and the consent record follow it' })),
  disclosureVersion: Type.Optional(Type.String({ maxLength: 64, description: 'The disclosureVersion from GET …/form whose wording your form showed. If the campaign\'s wording changed since, the signup is refused (consent: disclosure_changed) so the visitor can read the new text and agree again' }))
})

const FieldErrors = Type.Object({
  errors: Type.Array(Type.Object({
    field: Type.String(),
    message: Type.String(),
    code: Type.Optional(Type.String({ description: 'What was wrong, for programs: e.g. consent_missing, disclosure_changed (fetch …/form again and show its wording), too_short' }))
  }))
})

export default async function signupApiRoutes (app: FastifyInstance, options: SignupRouteOptions) {
  const { campaigns, signups, issueFormToken } = options
  const params = Type.Object({ campaign: Type.String({ maxLength: 64 }) })

  // Embedders fetch a token when their form renders, exactly like the hosted page carries one.
  app.get('/api/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()))

  app.get<{ Params: { campaign: string } }>('/api/v1/campaigns/:campaign/form-token', {
    schema: {
      tags: ['signups'],
      summary: 'A signed form token to send with the signup (fetch it when your form renders)',
      params,
      response: {
        200: Type.Object({ formToken: Type.String(), minSubmitSeconds: Type.Number(), expiresInSeconds: Type.Number() }),
        404: FieldErrors
      }
    }
  }, async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundJson(reply, 'campaign')
    return reply.header('cache-control', 'no-store').send({
      formToken: issueFormToken(campaign.slug),
      minSubmitSeconds: campaign.protection.minSubmitMs / 1000,
      expiresInSeconds: DEFAULT_MAX_AGE_MS / 1000
    })
  })

  app.post<{ Params: { campaign: string }, Body: Static<typeof SignupBody> }>('/api/v1/campaigns/:campaign/signups', {
    preValidation: onlyContentType('application/json'),
    // Answers are ~100 bytes: compression hooks would cost more than they save on the hottest route.
    compress: false,
    decompress: false,
    schema: {
      tags: ['signups'],
      summary: 'Sign a visitor up: stored durably, then opted in at ProTexting (they get a text to reply YES)',
      params,
      body: SignupBody,
      response: {
        202: Type.Object({ status: Type.Literal('accepted'), message: Type.String(), last4: Type.String(), lang: Type.String({ description: 'The language the signup was taken in' }) }),
        404: FieldErrors,
        422: FieldErrors,
        429: FieldErrors,
        503: FieldErrors
      }
    }
  }, async (request, reply) => {
    const campaign = campaigns.get(request.params.campaign)
    if (campaign === undefined) return notFoundJson(reply, 'campaign')
    const { phone, country, consent, source, pageUrl, referrer, formToken, captchaToken, website, disclosureVersion } = request.body
    const context = signupContext(request, { source, pageUrl, referrer })
    const lang = chooseLanguage(request, campaign.languages, campaign.language, [request.body.lang])
    reply.header('content-language', lang)
    const result = await signups.signUp(campaign, { phone, country, consent, context, bot: { honeypot: website, formToken, captchaToken }, lang, shownVersion: disclosureVersion })
    if (result.status === 'accepted') {
      return reply.code(202).send({ status: 'accepted', message: signupMessages(lang).accepted, last4: result.last4, lang })
    }
    if (result.status === 'refused') {
      return reply.code(422).send({ errors: result.errors.map(({ field, message, code }) => ({ field, message, code })) })
    }
    return reply.code(503).header('retry-after', '60').send({ errors: [{ field: 'form', message: result.message }] })
  })
}
