// A visitor on a phone signs up, with JavaScript on and off: thank-you page, and the opt-in call that reached ProTexting.
import t from 'tap'
import { browserSuite, PHONE, screenshot, submitWith, waitForCall, type Suite } from './helpers.ts'

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

function run ({ browser, site }: Suite): void {
  const standIn = site.standIn
  if (standIn === undefined) throw new Error('live mode expected')

  // Different numbers per run: the same number twice within 24 h is answered but not sent again.
  const cases = [
    { js: true, slug: 'demo', country: undefined, typed: '(646) 555-0123', phoneNumber: '16465550123', groupIds: [1] },
    { js: false, slug: 'demo', country: undefined, typed: '212.555.0142', phoneNumber: '12125550142', groupIds: [1] },
    { js: true, slug: 'world', country: 'GB', typed: '07400 123456', phoneNumber: '447400123456', groupIds: [1, 2] },
    { js: false, slug: 'world', country: 'ES', typed: '612 34 56 78', phoneNumber: '34612345678', groupIds: [1, 2] }
  ]

  for (const c of cases) {
    const label = `JavaScript ${c.js ? 'on' : 'off'}: sign up on ${c.slug}${c.country !== undefined ? ` from ${c.country}` : ''}`
    t.test(label, async t => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled: c.js })
      t.teardown(() => context.close())
      const page = await context.newPage()
      const form = await page.goto(`${site.base}/c/${c.slug}`)
      t.equal(form?.status(), 200)

      if (c.country !== undefined) {
        t.equal(await page.locator('select#country').evaluate(el => el.tagName), 'SELECT', 'a native country list')
        await page.selectOption('#country', c.country)
      } else {
        t.equal(await page.locator('#country').count(), 0, 'one country: no list')
      }
      await page.fill('#phone', c.typed)
      await page.check('#consent')
      const posted = await submitWith(page, () => page.click('button[type=submit]'))
      t.equal(posted.status(), 303, 'the POST answers 303 (a refresh never posts again)')

      t.equal(new URL(page.url()).pathname, `/c/${c.slug}/thanks`)
      t.equal(await page.locator('h1').innerText(), 'Check your phone')
      const text = await page.locator('main').innerText()
      t.match(text, /Reply YES to confirm/)
      t.match(text, `Sent to the number ending in ${c.phoneNumber.slice(-4)}`)
      if (c.js) await screenshot(page, `thanks-${c.slug}`)

      const call = await waitForCall(standIn, c.phoneNumber)
      t.equal(call.method, 'POST')
      t.equal(call.path, '/v1/contacts-opt-in/create')
      t.equal(call.token, 'valid', 'sent with the account token, server-side')
      t.equal(call.status, 201, 'the stand-in created the opt-in')
      t.match(call.body, { PhoneNumber: c.phoneNumber, GroupIds: c.groupIds, CTAMessage: /reply YES/ })
      t.equal(standIn.calls.filter(x => (x.body as { PhoneNumber?: string }).PhoneNumber === c.phoneNumber).length, 1, 'sent once')
    })
  }
}
