// The printable sign as it comes out of a printer (print media, an A4-sized page), in English and in Spanish:
// the code, the short link and the whole disclosure on one page; axe-clean on screen; screenshots for the README.
import t from 'tap'
import { axeViolations, browserSuite, formatViolations, screenshot, type Suite } from './helpers.ts'

// A4 at 96 CSS pixels per inch, as Chromium lays out a printed page.
const A4 = { viewport: { width: 794, height: 1123 }, deviceScaleFactor: 1, locale: 'en-US' }

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

function run ({ browser, site }: Suite): void {
  const signs = [
    { lang: 'en', query: '?src=poster-lobby', headline: "Joe's Coffee Club, wherever you are", rates: 'Msg & data rates may apply', encoded: '/c/world?src=poster-lobby' },
    { lang: 'es', query: '?src=poster-lobby&lang=es', headline: "Joe's Coffee Club, estés donde estés", rates: 'Pueden aplicarse tarifas de mensajes y datos', encoded: '/c/world?src=poster-lobby&lang=es' }
  ]
  for (const sign of signs) {
    t.test(`the printable sign (${sign.lang}) fits one page with its code, link and disclosure`, async t => {
      const context = await browser.newContext({ ...A4, bypassCSP: true })
      t.teardown(() => context.close())
      const page = await context.newPage()
      const res = await page.goto(`${site.base}/c/world/print${sign.query}`)
      t.equal(res?.status(), 200)
      t.equal(await page.locator('html').getAttribute('lang'), sign.lang)
      t.equal(await page.locator('.sign h1').innerText(), sign.headline)
      t.equal(await page.locator('.qr-code').getAttribute('aria-label'), `${sign.lang === 'es' ? 'Código QR de' : 'QR code for'} ${site.base}${sign.encoded}`)
      t.match(await page.locator('.fine-print').innerText(), sign.rates)
      const violations = await axeViolations(page)
      t.same(violations.map(v => v.id), [], violations.length === 0 ? 'no WCAG A/AA violation on screen' : formatViolations(violations))

      await page.emulateMedia({ media: 'print' })
      t.equal(await page.locator('.screen-only').isVisible(), false, 'the notes for the person printing are not printed')
      const height = await page.evaluate(() => document.documentElement.scrollHeight)
      t.ok(height <= A4.viewport.height, `one page: ${height}px of ${A4.viewport.height}px`)
      await screenshot(page, sign.lang === 'en' ? 'print-sign' : 'print-sign-es')
    })
  }
}
