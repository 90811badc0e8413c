// A Spanish-speaking visitor on a phone: the page in Spanish from the browser's language or the switcher, a signup
// with JavaScript off, the Spanish SMS that reached ProTexting, axe on each Spanish state, and the page budget.
import t from 'tap'
import type { Test } from 'tap'
import type { Page } from 'playwright-core'
import { axeViolations, browserSuite, formatViolations, PHONE, screenshot, submitWith, waitForCall, type Suite } from './helpers.ts'

const BUDGET = 14_600
const SPANISH = { ...PHONE, locale: 'es-MX' }

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

async function expectNoViolations (t: Test, page: Page, name: string): Promise<void> {
  await screenshot(page, name)
  const violations = await axeViolations(page)
  t.same(violations.map(v => v.id), [], violations.length === 0 ? `${name}: no WCAG A/AA violation` : `${name}:\n${formatViolations(violations)}`)
}

function run ({ browser, site }: Suite): void {
  const standIn = site.standIn
  if (standIn === undefined) throw new Error('live mode expected')

  t.test('JavaScript off, browser in Spanish: sign up from Mexico, thank-you page and SMS in Spanish', async t => {
    const context = await browser.newContext({ ...SPANISH, javaScriptEnabled: false })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const form = await page.goto(`${site.base}/c/world`)
    t.equal(form?.status(), 200)
    t.equal(await page.locator('html').getAttribute('lang'), 'es', 'chosen from Accept-Language')
    t.equal(await page.locator('label[for=phone]').innerText(), 'Número de celular')
    await page.selectOption('#country', 'MX')
    await page.fill('#phone', '55 1234 5678')
    await page.check('#consent')
    const posted = await submitWith(page, () => page.click('button[type=submit]'))
    t.equal(posted.status(), 303)
    t.equal(new URL(page.url()).pathname, '/c/world/thanks')
    t.equal(new URL(page.url()).searchParams.get('lang'), 'es', 'the language rides along to the thank-you page')
    t.equal(await page.locator('h1').innerText(), 'Revisa tu teléfono')
    t.match(await page.locator('main').innerText(), /Enviado al número que termina en 5678/)
    const call = await waitForCall(standIn, '525512345678')
    t.match(call.body, { PhoneNumber: '525512345678', CTAMessage: /^Joe's Coffee Club: responde YES/, ConfirmMessage: /Pueden aplicarse tarifas de mensajes y datos/ })
  })

  t.test('JavaScript off, browser in English: the switcher\'s link gives the Spanish page, and a refusal stays Spanish', async t => {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false })
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`${site.base}/c/world?src=flyer`)
    t.equal(await page.locator('html').getAttribute('lang'), 'en')
    await Promise.all([page.waitForEvent('load'), page.click('nav.langs a[hreflang=es]')])
    t.equal(await page.locator('html').getAttribute('lang'), 'es')
    t.equal(new URL(page.url()).searchParams.get('src'), 'flyer', 'the source tag is kept')
    await page.fill('#phone', '646 555')
    const refused = await submitWith(page, () => page.click('button[type=submit]'))
    t.equal(refused.status(), 422)
    t.equal(await page.locator('html').getAttribute('lang'), 'es', 'the hidden field kept the language')
    t.match(await page.locator('#phone-error').innerText(), /^Ese número es demasiado corto/)
    t.match(await page.locator('#consent-error').innerText(), /^Marca la casilla/)
  })

  const states: Array<{ name: string, scheme?: 'dark', reach: (page: Page) => Promise<unknown> }> = [
    { name: 'es-form-world', reach: page => page.goto(`${site.base}/c/world`) },
    { name: 'es-form-world-dark', scheme: 'dark', reach: page => page.goto(`${site.base}/c/world`) },
    {
      name: 'es-error-world',
      reach: async page => {
        await page.goto(`${site.base}/c/world`)
        await page.selectOption('#country', 'GB')
        await page.fill('#phone', '020 7946 0018')
        await submitWith(page, () => page.click('button[type=submit]'))
      }
    },
    { name: 'es-thanks-world', reach: page => page.goto(`${site.base}/c/world/thanks?to=5678&lang=es`) },
    { name: 'es-not-found', reach: page => page.goto(`${site.base}/c/no-such-campaign`) }
  ]
  for (const state of states) {
    t.test(`axe: ${state.name}`, async t => {
      const context = await browser.newContext({ ...SPANISH, colorScheme: state.scheme ?? 'light', bypassCSP: true })
      t.teardown(() => context.close())
      const page = await context.newPage()
      await state.reach(page)
      t.equal(await page.locator('html').getAttribute('lang'), 'es')
      await expectNoViolations(t, page, state.name)
    })
  }

  t.test(`the Spanish page (longer texts, the switcher) is at most ${BUDGET} bytes on the wire`, async t => {
    const context = await browser.newContext(SPANISH)
    t.teardown(() => context.close())
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    const bytes = new Map<string, number>()
    cdp.on('Network.loadingFinished', e => { bytes.set(e.requestId, e.encodedDataLength) })
    await page.goto(`${site.base}/c/world`, { waitUntil: 'load' })
    await page.waitForLoadState('networkidle')
    const total = [...bytes.values()].reduce((sum, n) => sum + n, 0)
    t.equal(await page.locator('html').getAttribute('lang'), 'es')
    t.ok(bytes.size >= 2, 'the page and its stylesheet')
    t.ok(total <= BUDGET, `${total} bytes on the wire for ${bytes.size} request(s), budget ${BUDGET}`)
  })
}
