// Keyboard only, JavaScript on and off: tab order, a visible focus ring on everything reached, submit with Enter.
import t from 'tap'
import type { Page } from 'playwright-core'
import { browserSuite, describeFocus, PHONE, submitWith, waitForCall, type Suite } from './helpers.ts'

const AFTER_PHONE = ['#phone', '#consent', 'a:Terms', 'a:Privacy', 'button:Sign up']

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

function run ({ browser, site }: Suite): void {
  const standIn = site.standIn
  if (standIn === undefined) throw new Error('live mode expected')

  for (const js of [true, false]) {
    t.test(`JavaScript ${js ? 'on' : 'off'}`, async t => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled: js })
      t.teardown(() => context.close())
      const page = await context.newPage()

      // world offers Spanish too: its language switcher comes first, at the top of the page.
      for (const [slug, order] of [['demo', AFTER_PHONE], ['world', ['a:Español', '#country', ...AFTER_PHONE]]] as const) {
        await t.test(`${slug}: tab order and visible focus`, async t => {
          await page.goto(`${site.base}/c/${slug}`)
          const reached: string[] = []
          for (let i = 0; i < order.length; i++) {
            await page.keyboard.press('Tab')
            const focus = await describeFocus(page)
            reached.push(focus.name)
            t.ok(focus.focusVisible, `${focus.name} matches :focus-visible`)
            t.ok(focus.outlineStyle !== 'none' && focus.outlineWidth >= 2, `${focus.name} shows a focus ring (${focus.outlineStyle} ${focus.outlineWidth}px)`)
          }
          t.same(reached, order, 'country (if any) → phone → consent → links → submit; the honeypot is never reached')
          await page.keyboard.press('Shift+Tab')
          t.equal((await describeFocus(page)).name, order.at(-2), 'Shift+Tab goes back')
        })
      }

      const phone = js ? { typed: '(646) 555-0177', phoneNumber: '16465550177' } : { typed: '(646) 555-0178', phoneNumber: '16465550178' }
      await t.test('demo: type, tick with Space, submit with Enter from the phone field', async t => {
        await page.goto(`${site.base}/c/demo`)
        await page.keyboard.press('Tab')
        await page.keyboard.type(phone.typed)
        await page.keyboard.press('Tab')
        await page.keyboard.press('Space')
        t.ok(await page.isChecked('#consent'), 'Space ticks the box')
        await page.keyboard.press('Shift+Tab')
        t.equal((await describeFocus(page)).name, '#phone')
        const answer = await submitWith(page, () => page.keyboard.press('Enter'))
        t.equal(answer.status(), 303)
        t.equal(new URL(page.url()).pathname, '/c/demo/thanks')
        t.match(await page.locator('body').innerText(), /Check your phone[\s\S]*Reply YES/)
        t.match((await waitForCall(standIn, phone.phoneNumber)).body, { PhoneNumber: phone.phoneNumber, GroupIds: [1] })
      })

      await t.test('demo: Enter with the box unticked lands on the consent box, the number kept', async t => {
        await page.goto(`${site.base}/c/demo`)
        await page.keyboard.press('Tab')
        await page.keyboard.type('(646) 555-0190')
        const answer = await submitWith(page, () => page.keyboard.press('Enter'))
        t.equal(answer.status(), 422)
        t.equal((await describeFocus(page)).name, '#consent')
        t.equal(await page.inputValue('#phone'), '(646) 555-0190')
        await page.keyboard.press('Space')
        await page.keyboard.press('Shift+Tab')
        const again = await submitWith(page, () => page.keyboard.press('Enter'))
        t.equal(again.status(), 303, 'fixed without touching the mouse')
      })

      const uk = js ? { typed: '07400 123499', phoneNumber: '447400123499' } : { typed: '07400 123498', phoneNumber: '447400123498' }
      await t.test('world: choose a country by typing its name on the closed list', async t => {
        await page.goto(`${site.base}/c/world`)
        // Past the language switcher's link to the country list.
        await page.keyboard.press('Tab')
        await page.keyboard.press('Tab')
        await typeAhead(page, 'United K')
        t.equal(await page.inputValue('#country'), 'GB', 'type-ahead picks United Kingdom')
        await page.keyboard.press('Tab')
        await page.keyboard.type(uk.typed)
        await page.keyboard.press('Tab')
        await page.keyboard.press('Space')
        await page.keyboard.press('Shift+Tab')
        const answer = await submitWith(page, () => page.keyboard.press('Enter'))
        t.equal(answer.status(), 303)
        t.match((await waitForCall(standIn, uk.phoneNumber)).body, { PhoneNumber: uk.phoneNumber, GroupIds: [1, 2] })
      })
    })
  }
}

/** Types into a focused closed <select>, the way a person picks from a long list without opening it. */
async function typeAhead (page: Page, text: string): Promise<void> {
  for (const key of text) await page.keyboard.press(key === ' ' ? 'Space' : key)
}
