// The consent proof names the wording the visitor read: the form posts back the disclosure version it showed, and a
// signup whose page was opened before a reload changed the wording is asked to agree again, never recorded as if it
// had agreed to the new text.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { parseCampaigns } from '../../src/campaigns/load.ts'
import { buildTestApp, formPost, formTokenFor, usCampaign } from '../helper.ts'

const NEW_WORDING = { ...usCampaign, consentText: 'Yes, text me the weekly roast notes from {name}.' }

async function setup (t: Test) {
  const built = await buildTestApp(t, { campaigns: { summer: usCampaign }, dispatch: false })
  const page = await built.app.inject({ url: '/c/summer' })
  const shown = /name="disclosureVersion" value="([0-9a-f]+)"/.exec(page.body)?.[1] ?? ''
  const reload = () => built.app.reloadCampaigns(parseCampaigns(stringify({ campaigns: { summer: NEW_WORDING } })).campaigns)
  return { ...built, shown, reload }
}

t.test('the hosted form: the version it showed goes with the post, and a changed wording asks again', async t => {
  const { app, store, shown, reload } = await setup(t)
  t.match(shown, /^[0-9a-f]{16}$/, 'the page carries its disclosure version')
  await reload()
  const stale = await app.inject(formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes', disclosureVersion: shown }))
  t.equal(stale.statusCode, 422)
  t.match(stale.body, /The terms of these text messages have just changed\. Please read them again/)
  t.match(stale.body, /Yes, text me the weekly roast notes/, 'the new wording is shown')
  t.notMatch(stale.body, /id="consent"[^>]*checked/, 'with the box unticked, to be agreed to again')
  t.match(stale.body, /value="\(646\) 555-0123"/, 'the number is kept')
  t.match(await store.counts(), { pending: 0 }, 'nothing recorded')

  const fresh = /name="disclosureVersion" value="([0-9a-f]+)"/.exec(stale.body)?.[1] ?? ''
  t.not(fresh, shown)
  const agreed = await app.inject(formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes', disclosureVersion: fresh }))
  t.equal(agreed.statusCode, 303)
  t.match(await store.signupDetail(1), { consent: { disclosureVersion: fresh } }, 'the proof names the wording agreed to')
})

t.test('the JSON API and /embed.js: …/form names its version; an outdated one is refused with a code to act on', async t => {
  const { app, store, reload } = await setup(t)
  const texts = (await app.inject({ url: '/api/v1/campaigns/summer/form' })).json()
  t.match(texts.disclosureVersion, /^[0-9a-f]{16}$/)
  await reload()
  const body = { phone: '(646) 555-0123', consent: true, formToken: formTokenFor('summer'), disclosureVersion: texts.disclosureVersion }
  const stale = await app.inject({ method: 'POST', url: '/api/v1/campaigns/summer/signups', payload: body })
  t.equal(stale.statusCode, 422)
  t.match(stale.json(), { errors: [{ field: 'consent', code: 'disclosure_changed' }] })
  const current = (await app.inject({ url: '/api/v1/campaigns/summer/form' })).json().disclosureVersion
  const ok = await app.inject({ method: 'POST', url: '/api/v1/campaigns/summer/signups', payload: { ...body, disclosureVersion: current } })
  t.equal(ok.statusCode, 202)
  const old = await app.inject({ method: 'POST', url: '/api/v1/campaigns/summer/signups', payload: { phone: '(646) 555-0124', consent: true, formToken: formTokenFor('summer') } })
  t.equal(old.statusCode, 202, 'a client that sends no version is taken as agreeing to the current wording, as before')
  t.match(await store.counts(), { pending: 2 })
})
