// A backlog for the drain: N signups of the bundled `demo` campaign written straight into a store with no
// dispatcher running (as if the upstream had been down), exactly as the signup service would have stored them.
import { localeOf } from '../../src/campaigns/campaign-locale.ts'
import { loadCampaignsFile } from '../../src/campaigns/load.ts'
import { tokenKeyOf } from '../../src/outbox/token-key.ts'
import { normalizePhone } from '../../src/phone/normalize.ts'
import { optInRequest } from '../../src/signup/service.ts'
import { openStore } from '../../src/store/open.ts'
import { numberAt } from './phones.ts'

export async function seedBacklog (options: { databaseUrl: string, campaignsFile: string, accessToken: string, count: number }): Promise<void> {
  const { databaseUrl, campaignsFile, accessToken, count } = options
  const { campaigns } = await loadCampaignsFile(campaignsFile)
  const campaign = campaigns.get('demo')
  if (campaign === undefined) throw new Error('the bundled campaigns file has no demo campaign')
  const store = await openStore({ url: databaseUrl })
  try {
    const tokenKey = tokenKeyOf(accessToken)
    const accepted = await Promise.all(Array.from({ length: count }, (_, i) => {
      const phone = normalizePhone(numberAt(i), { defaultCountry: campaign.country, allowedCountries: campaign.allowedCountries })
      if (!phone.ok) throw new Error(`bench number ${numberAt(i)} refused: ${phone.code}`)
      return store.accept({
        campaign: campaign.slug,
        phoneNumber: phone.phoneNumber,
        e164: phone.e164,
        request: optInRequest(campaign, phone.phoneNumber),
        tokenKey,
        consent: {
          disclosureVersion: localeOf(campaign, undefined).disclosureVersion,
          consentGiven: true,
          clientIp: '127.0.0.1',
          userAgent: 'optline-bench',
          pageUrl: undefined,
          referrer: undefined,
          source: 'bench'
        },
        createdAt: Date.now()
      }, campaign.duplicateWindowMs)
    }))
    if (accepted.some(result => result.duplicate)) throw new Error('seedBacklog: duplicate numbers in the backlog')
  } finally {
    await store.close()
  }
}
