// axe-core on every page state a visitor can meet: zero WCAG 2.0/2.1/2.2 A and AA violations; a screenshot of each.
import t from 'tap'
import type { Test } from 'tap'
import type { Page } from 'playwright-core'
import { axeViolations, browserSuite, formatViolations, PHONE, screenshot, startSite, submitWith, type Suite } from './helpers.ts'

interface State {
  name: string
  scheme?: 'light' | 'dark'
  /** Brings the page to the state; resolves with the HTTP status of the document shown. */
  reach: (page: Page, base: string) => Promise<number | undefined>
}

const open = (path: string) => async (page: Page, base: string) => (await page.goto(`${base}${path}`))?.status()

async function refuse (page: Page, base: string, slug: string, fill: (page: Page) => Promise<void>): Promise<number> {
  await page.goto(`${base}/c/${slug}`)
  await fill(page)
  return (await submitWith(page, () => page.click('button[type=submit]'))).status()
}

const states: State[] = [
  { name: 'form-demo', reach: open('/c/demo') },
  { name: 'form-world', reach: open('/c/world') },
  {
    name: 'error-demo',
    reach: (page, base) => refuse(page, base, 'demo', async page => { await page.fill('#phone', '646 555') })
  },
  {
    name: 'error-world',
    reach: (page, base) => refuse(page, base, 'world', async page => {
      await page.selectOption('#country', 'GB')
      await page.fill('#phone', '020 7946 0018')
      await page.check('#consent')
    })
  },
  {
    name: 'error-world-country',
    reach: (page, base) => refuse(page, base, 'world', async page => {
      await page.locator('#country option[value="US"]').evaluate(option => { (option as HTMLOptionElement).value = 'DE' })
      await page.fill('#phone', '0151 23456789')
    })
  },
  {
    name: 'thanks-demo',
    reach: async (page, base) => {
      await page.goto(`${base}/c/demo`)
      await page.fill('#phone', '(646) 555-0161')
      await page.check('#consent')
      const [thanks] = await Promise.all([
        page.waitForResponse(r => new URL(r.url()).pathname === '/c/demo/thanks'),
        submitWith(page, () => page.click('button[type=submit]'))
      ])
      return thanks.status()
    }
  },
  { name: 'not-found-campaign', reach: open('/c/no-such-campaign') },
  { name: 'not-found-page', reach: open('/no/such/page') },
  {
    // The generic error page: the form posted as multipart (no parser for it) is refused with 415.
    name: 'error-page',
    reach: async (page, base) => {
      await page.goto(`${base}/c/demo`)
      await page.locator('form').evaluate(form => form.setAttribute('enctype', 'multipart/form-data'))
      await page.fill('#phone', '(646) 555-0162')
      await page.check('#consent')
      return (await submitWith(page, () => page.click('button[type=submit]'))).status()
    }
  },
  { name: 'form-demo-dark', scheme: 'dark', reach: open('/c/demo') },
  {
    name: 'error-demo-dark',
    scheme: 'dark',
    reach: (page, base) => refuse(page, base, 'demo', async page => { await page.fill('#phone', '(800) 555-1234') })
  },
  { name: 'thanks-demo-dark', scheme: 'dark', reach: open('/c/demo/thanks?to=0123') },
  // A campaign's own logo and colours (and the dark variant derived from them) stay within WCAG AA.
  { name: 'form-branded', reach: open('/c/branded') },
  { name: 'form-branded-dark', scheme: 'dark', reach: open('/c/branded') },
  {
    name: 'error-branded-dark',
    scheme: 'dark',
    reach: (page, base) => refuse(page, base, 'branded', async page => { await page.fill('#phone', '646 555') })
  },
  { name: 'thanks-branded', reach: open('/c/branded/thanks?to=0123') },
  // The iframe mode's page on its own (the embedding page is tested in embed.test.ts).
  { name: 'form-demo-embed', reach: open('/c/demo?embed=1') }
]

const expectedStatus: Record<string, number> = {
  'error-demo': 422,
  'error-world': 422,
  'error-world-country': 422,
  'error-demo-dark': 422,
  'error-branded-dark': 422,
  'not-found-campaign': 404,
  'not-found-page': 404,
  'error-page': 415
}

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

function run ({ browser, site }: Suite): void {
  async function check (t: Test, state: State, base: string, prefix = ''): Promise<void> {
    const context = await browser.newContext({ ...PHONE, colorScheme: state.scheme ?? 'light', bypassCSP: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const status = await state.reach(page, base)
    t.equal(status, expectedStatus[state.name] ?? 200, 'reached the state')
    await screenshot(page, `${prefix}${state.name}`)
    const violations = await axeViolations(page)
    t.same(violations.map(v => v.id), [], violations.length === 0
      ? 'no WCAG A/AA violation'
      : `WCAG violations on ${prefix}${state.name}:\n${formatViolations(violations)}`)
    if (violations.length > 0) process.stderr.write(`axe on ${prefix}${state.name}:\n${formatViolations(violations)}\n`)
  }

  for (const state of states) {
    t.test(state.name, t => check(t, state, site.base))
  }

  t.test('axe is really checking: a planted unlabelled field is reported', async t => {
    const context = await browser.newContext({ ...PHONE, bypassCSP: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`${site.base}/c/demo`)
    await page.locator('form').evaluate(form => { form.append(document.createElement('input')) })
    t.ok((await axeViolations(page)).some(v => v.id === 'label'), 'the missing label is a violation')
  })

  t.test('sandbox mode (as `npm start` shows it without a token)', async t => {
    const sandbox = await startSite(t, true)
    for (const state of [states[0], states[2], states[5]]) {
      if (state !== undefined) await t.test(state.name, t => check(t, state, sandbox.base, 'sandbox-'))
    }
  })
}
