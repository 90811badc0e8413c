// The /admin dashboard in Chromium after a few real signups: sign-in, the numbers per source and UTM tags, the chart,
// the consent records page; zero WCAG 2.2 AA violations (axe-core) in light and dark; screenshots of each page.
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { chromium, type Page } from 'playwright-core'
import { axeViolations, CHROMIUM, formatViolations, PHONE, screenshot, startSite, submitWith, waitForCall } from './helpers.ts'

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef0123456789'
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: 'en-US' }

async function axeClean (t: Test, page: Page, name: string) {
  const violations = await axeViolations(page)
  t.same(violations.map(v => v.id), [], `${name}: no WCAG 2.2 A/AA violations\n${formatViolations(violations)}`)
  await screenshot(page, name)
}

if (!existsSync(CHROMIUM)) {
  t.plan(0, `browser suite skipped: Chromium not found at ${CHROMIUM}`)
} else {
  const site = await startSite(t, false, { ADMIN_TOKEN })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] })
  t.teardown(() => browser.close())

  t.test('after a few signups the dashboard shows them by source and UTM tags, and every admin page passes axe', async t => {
    // Visitors: two from a newsletter link (one refused first), one from the poster, one straight to the page.
    const visitor = await browser.newContext(PHONE)
    const page = await visitor.newPage()
    const signUp = async (path: string, phone: string) => {
      await page.goto(`${site.base}${path}`)
      await page.fill('#phone', phone)
      await page.check('#consent')
      return (await submitWith(page, () => page.click('button[type=submit]'))).status()
    }
    const newsletter = '/c/demo?src=newsletter&utm_source=mailchimp&utm_medium=email&utm_campaign=spring'
    t.equal(await signUp(newsletter, '646 555'), 422, 'too short: refused')
    t.equal(await signUp(newsletter, '(646) 555-0141'), 303)
    t.equal(await signUp(newsletter, '(646) 555-0142'), 303)
    t.equal(await signUp('/c/demo?src=poster-lobby', '(646) 555-0143'), 303)
    await page.goto(`${site.base}/c/demo`)
    await visitor.close()
    if (site.standIn !== undefined) for (const n of ['16465550141', '16465550142', '16465550143']) await waitForCall(site.standIn, n)

    for (const scheme of ['light', 'dark'] as const) {
      const operator = await browser.newContext({ ...DESKTOP, colorScheme: scheme, bypassCSP: true })
      const admin = await operator.newPage()
      await admin.goto(`${site.base}/admin`)
      t.equal(new URL(admin.url()).pathname, '/admin/login', 'signed out: sent to sign in')
      await axeClean(t, admin, `admin-login-${scheme}`)
      await admin.fill('#secret', 'not the token')
      await submitWith(admin, () => admin.click('button[type=submit]'))
      t.match(await admin.textContent('#secret-error'), /not right/)
      await admin.fill('#secret', ADMIN_TOKEN)
      await submitWith(admin, () => admin.click('button[type=submit]'))
      t.equal(new URL(admin.url()).pathname, '/admin')

      await admin.goto(`${site.base}/admin?period=24h&campaign=demo`)
      const cells = async (first: string) => admin.locator('tr', { has: admin.locator(`th:text-is("${first}")`) }).first().locator('th, td').allTextContents()
      // Views, Submissions, Refused, Held, Duplicates, Queued, Delivered, Rejected, Conversion.
      t.same((await cells('All')).slice(1), ['5', '4', '1', '0', '0', '0', '3', '0', '60%'])
      t.same(await cells('newsletter'), ['newsletter', 'mailchimp / email / spring', '3', '3', '1', '0', '0', '0', '2', '0', '66.7%'])
      t.same((await cells('poster-lobby')).slice(2, 9), ['1', '1', '0', '0', '0', '0', '1'])
      t.match(await admin.textContent('figcaption'), /3 in total/)
      t.equal(await admin.locator('svg[role=img] rect.bar').count() >= 1, true, 'the chart has its bar')
      t.match(await admin.textContent('#queue-heading + dl'), /learned from its X-Rate-Limit headers/)
      await admin.click('summary')
      await axeClean(t, admin, `admin-dashboard-${scheme}`)

      await admin.click('a[href="/admin/consents"]')
      await admin.waitForSelector('#export-heading')
      await axeClean(t, admin, `admin-consents-${scheme}`)
      const [download] = await Promise.all([admin.waitForEvent('download'), admin.click('form[action="/admin/export"] button')])
      t.match(download.suggestedFilename(), /^optline-consents-all-campaigns-all-to-all\.csv$/)

      await admin.fill('#delete-phone', '(646) 555-0199')
      await admin.fill('#delete-note', `request ${scheme}`)
      await submitWith(admin, () => admin.click('form[action="/admin/consents/delete/check"] button'))
      t.match(await admin.textContent('h1'), /Delete the records of \*+0199\?/)
      await axeClean(t, admin, `admin-delete-confirm-${scheme}`)
      await submitWith(admin, () => admin.click('button.danger'))
      t.match(await admin.textContent('.notice'), /No records of that number were found/)
      t.match(await admin.textContent('table'), new RegExp(`request ${scheme}`))
      await submitWith(admin, () => admin.click('.logout button'))
      t.equal(new URL(admin.url()).pathname, '/admin/login')
      await operator.close()
    }
  })
}
