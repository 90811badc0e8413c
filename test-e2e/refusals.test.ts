// Every refusal, JavaScript on and off: the message sits next to its field, focus is on the field to fix, nothing typed is lost.
import t from 'tap'
import type { Page } from 'playwright-core'
import { browserSuite, PHONE, submitWith, type Suite } from './helpers.ts'

interface Refusal {
  why: string
  slug: 'demo' | 'world'
  country?: string
  phone: string
  consent: boolean
  /** The fields that must show an error, the first one being where focus goes. */
  errors: Array<{ field: 'phone' | 'consent' | 'country', message: RegExp }>
  /** Needs a script to forge (a country the list does not offer). */
  forge?: (page: Page) => Promise<void>
}

const refusals: Refusal[] = [
  { why: 'consent box not ticked', slug: 'demo', phone: '(646) 555-0100', consent: false, errors: [{ field: 'consent', message: /Please tick the box/ }] },
  { why: 'empty number', slug: 'demo', phone: '', consent: true, errors: [{ field: 'phone', message: /Please enter your mobile number/ }] },
  { why: 'too short', slug: 'demo', phone: '646 555', consent: true, errors: [{ field: 'phone', message: /too short/ }] },
  { why: 'toll-free', slug: 'demo', phone: '(800) 555-1234', consent: true, errors: [{ field: 'phone', message: /only send texts to mobile phones.*toll-free/ }] },
  { why: 'landline', slug: 'world', country: 'GB', phone: '020 7946 0018', consent: true, errors: [{ field: 'phone', message: /only send texts to mobile phones.*landline/ }] },
  { why: 'country not allowed (one country)', slug: 'demo', phone: '+44 7400 123456', consent: true, errors: [{ field: 'phone', message: /one country only: United States/ }] },
  { why: 'country not allowed (several)', slug: 'world', country: 'US', phone: '+49 151 23456789', consent: true, errors: [{ field: 'phone', message: /these countries only: United States, Canada/ }] },
  {
    why: 'empty number and no consent',
    slug: 'demo',
    phone: '',
    consent: false,
    errors: [{ field: 'phone', message: /Please enter your mobile number/ }, { field: 'consent', message: /Please tick the box/ }]
  },
  {
    why: 'a country the list does not offer',
    slug: 'world',
    phone: '0151 23456789',
    consent: true,
    errors: [{ field: 'country', message: /Please choose your country from the list/ }],
    forge: async page => {
      await page.locator('#country option[value="US"]').evaluate(option => { (option as HTMLOptionElement).value = 'DE' })
    }
  }
]

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

function run ({ browser, site }: Suite): void {
  for (const js of [true, false]) {
    t.test(`JavaScript ${js ? 'on' : 'off'}`, async t => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled: js })
      t.teardown(() => context.close())
      const page = await context.newPage()

      for (const r of refusals) {
        if (r.forge !== undefined && !js) continue
        await t.test(r.why, async t => {
          await page.goto(`${site.base}/c/${r.slug}`)
          if (r.forge !== undefined) await r.forge(page)
          if (r.country !== undefined) await page.selectOption('#country', r.country)
          const chosenCountry = r.slug === 'world' ? await page.inputValue('#country') : undefined
          await page.fill('#phone', r.phone)
          if (r.consent) await page.check('#consent')
          const answer = await submitWith(page, () => page.click('button[type=submit]'))
          t.equal(answer.status(), 422, 'refused, the form comes back')
          t.equal(new URL(page.url()).pathname, `/c/${r.slug}`)

          for (const expected of r.errors) {
            const at = await errorNextTo(page, expected.field)
            t.match(at.text, expected.message, `${expected.field}: the message says why`)
            t.equal(at.role, 'alert', `${expected.field}: role="alert"`)
            t.ok(at.describedBy, `${expected.field}: tied to the field by aria-describedby`)
            t.equal(at.invalid, 'true', `${expected.field}: aria-invalid="true"`)
            t.ok(at.sameGroup, `${expected.field}: in the field's own group`)
            t.ok(at.visible, `${expected.field}: visible`)
            t.ok(at.gap >= -1 && at.gap < 96, `${expected.field}: right below the field (${Math.round(at.gap)} px)`)
          }
          t.equal(await page.locator('[role=alert]').count(), r.errors.length, 'no other error shown')

          const focused = await page.evaluate(() => document.activeElement?.id)
          t.equal(focused, r.errors[0]?.field, 'focus is on the field to fix')
          t.equal(await page.inputValue('#phone'), r.phone, 'the typed number stays')
          t.equal(await page.isChecked('#consent'), r.consent, 'the consent box stays as it was')
          if (chosenCountry !== undefined && r.forge === undefined) {
            t.equal(await page.inputValue('#country'), chosenCountry, 'the chosen country stays')
          }
        })
      }
    })
  }
}

/** The error element for a field and how it relates to it, read in the page. */
function errorNextTo (page: Page, field: string) {
  return page.evaluate((field) => {
    const input = document.getElementById(field)
    const error = document.getElementById(`${field}-error`)
    if (input === null || error === null) {
      return { text: '', role: null, describedBy: false, invalid: null, sameGroup: false, visible: false, gap: NaN }
    }
    const box = error.getBoundingClientRect()
    // The checkbox's label sits beside it, so measure from whichever of field and label ends lower.
    const label = field === 'consent' ? document.querySelector(`label[for="${field}"]`) : null
    const above = Math.max(input.getBoundingClientRect().bottom, label?.getBoundingClientRect().bottom ?? 0)
    return {
      text: error.textContent ?? '',
      role: error.getAttribute('role'),
      describedBy: (input.getAttribute('aria-describedby') ?? '').split(/\s+/).includes(error.id),
      invalid: input.getAttribute('aria-invalid'),
      sameGroup: input.closest('.field')?.contains(error) === true,
      visible: box.width > 0 && box.height > 0,
      gap: box.top - above
    }
  }, field)
}
