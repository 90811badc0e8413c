// A decomposition of the gap: the bare route plus optline's own durable accept and nothing else. Each request's
// signup is built as the signup service builds it (the campaign's frozen opt-in request, a consent proof, the
// campaign's duplicate window and prefix velocity) and goes through store.accept() on the store optline opens:
// group commit, the SQLite writer thread, synchronous=FULL, every index. No phone parsing, bot checks, security
// headers or log lines: what the rest of the request costs is the difference from the full server.
import Fastify from 'fastify'
import { loadCampaignsFile } from '../../src/campaigns/load.ts'
import { optInRequest } from '../../src/signup/service.ts'
import { tokenKeyOf } from '../../src/outbox/token-key.ts'
import { openStore } from '../../src/store/open.ts'

const { campaigns } = await loadCampaignsFile(process.env.CAMPAIGNS_FILE ?? '')
const store = await openStore({ url: process.env.DATABASE_URL ?? '', durability: 'full' })
const tokenKey = tokenKeyOf('bench')
const accepted = { status: 'accepted', message: 'Check your phone: we sent you a text. Reply YES to confirm.', last4: '0123' }

const app = Fastify({ logger: false })
app.post<{ Params: { campaign: string } }>('/api/v1/campaigns/:campaign/signups', async (request, reply) => {
  const body = request.body as { phone?: unknown } | undefined
  const campaign = campaigns.get(request.params.campaign)
  if (typeof body?.phone !== 'string' || campaign === undefined) return reply.code(422).send({ errors: [] })
  // The bench's numbers are US numbers as typed: '(201) 200-0000' → '12012000000'.
  const phoneNumber = `1${body.phone.replace(/\D/g, '')}`
  await store.accept({
    campaign: campaign.slug,
    phoneNumber,
    e164: `+${phoneNumber}`,
    request: optInRequest(campaign, phoneNumber),
    tokenKey,
    consent: { clientIp: request.ip, userAgent: request.headers['user-agent'], pageUrl: undefined, referrer: undefined, source: undefined, disclosureVersion: 'bench', consentGiven: true },
    createdAt: Date.now()
  }, campaign.duplicateWindowMs, campaign.protection.prefixVelocity)
  return reply.code(202).send(accepted)
})
app.get('/readyz', async () => ({ status: 'ready' }))

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.once('SIGTERM', () => { app.close().then(() => store.close()).then(() => process.exit(0), () => process.exit(1)) })
