// The embed snippets as a marketer pastes them, on a page from another local origin (under a strict CSP of its own):
// /embed.js renders the form and signs up through the JSON API; data-mode="iframe" grows to its content by postMessage;
// both speak the language data-lang or the host page's <html lang> asks for, else the visitor's browser's.
import t from 'tap'
import type { Test } from 'tap'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import type { Frame, Page } from 'playwright-core'
import { axeViolations, browserSuite, formatViolations, PHONE, screenshot, waitForCall, type Suite } from './helpers.ts'
import { createStandIn, type StandIn } from '../src/sandbox/stand-in.ts'
import { startServer } from '../test/spawn-server.ts'

const LOGO = fileURLToPath(new URL('../config/branding/joes-coffee.svg', import.meta.url))
const TOKEN = 'e2e-embed-token-5e4d3c2b1a'
const SPANISH_CTA = "Joe's Coffee Club: responde YES para recibir hasta 4 mensajes/mes. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar."
const SPANISH_CONFIRM = "¡Te damos la bienvenida a Joe's Coffee Club! Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar."

interface Setup { base: string, host: string, stranger: string, standIn: StandIn }

/**
 * A tiny site of the marketer's: the snippet in a page, served with a CSP that lists only optline's origin.
 * /script.html or /iframe.html; ?campaign=, ?data-lang= (on the snippet) and ?page-lang= (<html lang>, empty for none) vary it.
 */
async function hostSite (t: Test, base: () => string): Promise<string> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://host')
    const iframe = url.pathname === '/iframe.html'
    const campaign = url.searchParams.get('campaign') ?? 'joes'
    const dataLang = url.searchParams.get('data-lang')
    const pageLang = url.searchParams.get('page-lang') ?? 'en'
    const snippet = `<div data-optline="${campaign}" data-source="blog"${iframe ? ' data-mode="iframe"' : ''}${dataLang === null ? '' : ` data-lang="${dataLang}"`}>` +
      `<a href="${base()}/c/${campaign}?src=blog">Sign up for texts from Joe's</a></div>\n` +
      `<script src="${base()}/embed.js" async></script>`
    response.writeHead(request.url === '/favicon.ico' ? 404 : 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'self'; script-src 'self' ${base()}; style-src 'self' ${base()}; connect-src ${base()}; frame-src ${base()}; img-src 'self' data: ${base()}`
    })
    response.end(`<!doctype html><html${pageLang === '' ? '' : ` lang="${pageLang}"`}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Joe's roast notes</title><link rel="icon" href="data:,"></head><body><main><h1>Roast notes</h1><p>This week: a washed Ethiopian with notes of jasmine.</p>
${snippet}
<p>Thanks for reading.</p></main></body></html>`)
  })
  // No address: both ::1 and 127.0.0.1, whichever "localhost" resolves to first.
  await new Promise<void>(resolve => server.listen(0, resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  return `http://localhost:${(server.address() as AddressInfo).port}`
}

async function setup (t: Test): Promise<Setup> {
  let base = ''
  const host = await hostSite(t, () => base)
  // A site the campaign does not list.
  const stranger = await hostSite(t, () => base)
  const standIn = createStandIn({ accessToken: TOKEN })
  const apiUrl = await standIn.listen()
  t.teardown(() => standIn.close())
  const dir = t.testdir({})
  const file = join(dir, 'campaigns.yaml')
  const joes = {
    name: "Joe's Coffee Club",
    groupIds: [1],
    country: 'US',
    frequency: 'Up to 4 msgs/month',
    headline: 'Fresh roasts, first',
    intro: 'Get a free drink on your birthday and be first to hear about new roasts, by text.',
    ctaMessage: "Joe's Coffee Club: reply YES to get up to 4 msgs/month of offers. Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
    confirmMessage: "You're in! Joe's Coffee Club offers are on their way. Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
    termsUrl: 'https://example.com/sms-terms',
    privacyUrl: 'https://example.com/privacy',
    embedOrigins: [host],
    branding: { logo: LOGO, colors: { accent: '#6b2d0f', background: '#fff8ef', text: '#2b1a10' } },
    // A scripted visitor is fast and repetitive; those defences have their own tests.
    protection: { perIpPerMinute: 0, minSubmitSeconds: 0 }
  }
  // The same campaign in English and Spanish; its Spanish page texts come from src/i18n/locales/es.ts.
  const { headline, intro, ...shared } = joes
  const amigos = {
    ...shared,
    groupIds: [2],
    languages: ['en', 'es'],
    translations: { es: { frequency: 'Hasta 4 mensajes al mes', ctaMessage: SPANISH_CTA, confirmMessage: SPANISH_CONFIRM } }
  }
  writeFileSync(file, stringify({ campaigns: { joes, amigos } }))
  const server = startServer({ DATABASE_URL: ':memory:', CAMPAIGNS_FILE: file, PROTEXTING_ACCESS_TOKEN: TOKEN, PROTEXTING_API_URL: apiUrl })
  t.teardown(async () => {
    server.child.kill('SIGTERM')
    await server.exited
  })
  base = await server.ready
  return { base, host, stranger, standIn }
}

/** axe in a frame: the same calls as on a page (addScriptTag, evaluate). */
const asPage = (frame: Frame) => frame as unknown as Page

/** Console errors and uncaught exceptions of a page, as they happen. A refusal is a 422 by design, which Chromium
 * logs as a failed resource; anything else is a problem. */
function collectProblems (page: Page): string[] {
  const problems: string[] = []
  page.on('console', message => { if (message.type() === 'error' && !message.text().includes('status of 422')) problems.push(message.text()) })
  page.on('pageerror', error => problems.push(error.message))
  return problems
}

async function expectNoViolations (t: Test, target: Page, name: string) {
  const violations = await axeViolations(target)
  t.same(violations.map(v => v.id), [], violations.length === 0 ? `${name}: no WCAG A/AA violation` : `${name}:\n${formatViolations(violations)}`)
}

const suite = await browserSuite(t)
if (suite !== undefined) await run(suite)

async function run ({ browser }: Suite): Promise<void> {
  const site = await setup(t)

  t.test('script snippet: the form in the host page, errors next to their field, then a signup', async t => {
    // The host page's own CSP is enforced here: the snippet needs only optline's origin listed in it.
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems = collectProblems(page)
    await page.goto(`${site.host}/script.html`)
    await page.waitForSelector('.optline form')
    await page.evaluate(() => {
      document.addEventListener('optline:signup', event => { document.body.dataset.signedUp = (event as CustomEvent).detail.campaign })
    })
    t.equal(await page.locator('.optline h2').textContent(), 'Fresh roasts, first')
    t.match(await page.locator('.optline-disclosure').textContent(), /Msg & data rates may apply\. Reply HELP for help, STOP to cancel\. Consent is not a condition of purchase\. Terms · Privacy/)
    t.equal(await page.locator('.optline input[type=checkbox]').isChecked(), false, 'consent unticked')
    t.equal(await page.locator('.optline').evaluate(el => getComputedStyle(el).backgroundColor), 'rgb(255, 248, 239)', 'the campaign\'s colours')
    await screenshot(page, 'embed-script-form')

    await page.click('.optline button[type=submit]')
    const phoneError = page.locator('.optline [id$="-phone-error"][role=alert]')
    await phoneError.waitFor()
    t.match(await phoneError.textContent(), /number/i, 'the phone error, next to the field')
    t.match(await page.locator('.optline [id$="-consent-error"][role=alert]').textContent(), /tick the box/)
    t.match(await page.evaluate(() => document.activeElement?.id), /-phone$/, 'focus on the first field to fix')
    t.equal(await page.locator('.optline input[type=tel]').getAttribute('aria-invalid'), 'true')
    t.match(await page.locator('.optline input[type=tel]').getAttribute('aria-describedby'), /-phone-hint .*-phone-error$/)
    await screenshot(page, 'embed-script-error')

    await page.fill('.optline input[type=tel]', '(646) 555-0171')
    await page.check('.optline input[type=checkbox]')
    await page.click('.optline button[type=submit]')
    const done = page.locator('.optline [role=status]')
    await done.waitFor()
    t.match(await done.textContent(), /Check your phone.*Sent to the number ending in 0171.*Reply YES to confirm/s)
    t.match(await page.evaluate(() => document.activeElement?.id), /-done$/, 'focus moves to the confirmation')
    t.equal(await page.evaluate(() => document.body.dataset.signedUp), 'joes', 'the host page hears about it')
    await screenshot(page, 'embed-script-success')

    const call = await waitForCall(site.standIn, '16465550171')
    t.equal(call.status, 201, 'the stand-in got the opt-in call')
    t.same(problems, [], 'no console error, no CSP violation on the host page')
  })

  t.test('script snippet: axe finds nothing on the form, its errors or its confirmation (light and dark)', async t => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ ...PHONE, colorScheme, bypassCSP: true })
      t.teardown(() => context.close())
      const page = await context.newPage()
      await page.goto(`${site.host}/script.html`)
      await page.waitForSelector('.optline form')
      await expectNoViolations(t, page, `form (${colorScheme})`)
      await page.fill('.optline input[type=tel]', '646 555')
      await page.click('.optline button[type=submit]')
      await page.locator('.optline [role=alert]').first().waitFor()
      await expectNoViolations(t, page, `errors (${colorScheme})`)
      if (colorScheme === 'dark') await screenshot(page, 'embed-script-error-dark')
      await page.fill('.optline input[type=tel]', '(646) 555-0172')
      await page.check('.optline input[type=checkbox]')
      await page.click('.optline button[type=submit]')
      await page.locator('.optline [role=status]').waitFor()
      await expectNoViolations(t, page, `confirmation (${colorScheme})`)
    }
  })

  t.test('script snippet in Spanish (data-lang="es" on an English page): every word from the server, the SMS in Spanish', async t => {
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems = collectProblems(page)
    await page.goto(`${site.host}/script.html?campaign=amigos&data-lang=es`)
    await page.waitForSelector('.optline form')
    t.equal(await page.locator('.optline').getAttribute('lang'), 'es', 'the form says its language (the host page is English)')
    t.equal(await page.locator('.optline h2').textContent(), "Recibe mensajes de texto de Joe's Coffee Club")
    t.equal(await page.locator('.optline label[for$="-phone"]').textContent(), 'Número de celular')
    t.equal(await page.locator('.optline label[for$="-website"]').textContent(), 'Deja este campo vacío')
    t.match(await page.locator('.optline-disclosure').textContent(), /Pueden aplicarse tarifas de mensajes y datos\..* Términos · Privacidad$/)
    await screenshot(page, 'embed-script-es-form')

    await page.click('.optline button[type=submit]')
    await page.locator('.optline [id$="-phone-error"]').waitFor()
    t.equal(await page.locator('.optline [id$="-phone-error"]').textContent(), 'Escribe tu número de celular.')
    t.equal(await page.locator('.optline [id$="-consent-error"]').textContent(), 'Marca la casilla para aceptar recibir mensajes de texto.')

    await page.fill('.optline input[type=tel]', '(646) 555-0181')
    await page.check('.optline input[type=checkbox]')
    await page.click('.optline button[type=submit]')
    const done = page.locator('.optline [role=status]')
    await done.waitFor()
    t.match(await done.textContent(), /^Revisa tu teléfono.*Enviado al número que termina en 0181\.Abre el mensaje de texto de Joe's Coffee Club en tu teléfono\.Responde YES para confirmar\.Responde STOP en cualquier momento para cancelar\.$/s)
    await screenshot(page, 'embed-script-es-success')
    t.notMatch(await page.locator('.optline').textContent(), /Mobile number|Terms|Privacy|Sent to|Reply YES|Open the text/, 'no English left')
    t.match((await waitForCall(site.standIn, '16465550181')).body, { CTAMessage: SPANISH_CTA }, 'the Spanish CTA was sent')
    t.same(problems, [], 'no console error, no CSP violation on the host page')
  })

  t.test('without data-lang the form follows the host page\'s <html lang>, else the visitor\'s browser language', async t => {
    const cases: Array<[pageLang: string, browserLocale: string, expected: string]> = [
      ['es', 'en-US', 'es'],
      ['', 'es-MX', 'es'],
      ['en', 'es-MX', 'en'],
      ['fr', 'es-MX', 'es'] // not offered: the browser decides
    ]
    for (const [pageLang, locale, expected] of cases) {
      const context = await browser.newContext({ ...PHONE, locale })
      t.teardown(() => context.close())
      const page = await context.newPage()
      await page.goto(`${site.host}/script.html?campaign=amigos&page-lang=${pageLang}`)
      await page.waitForSelector('.optline form')
      t.equal(await page.locator('.optline').getAttribute('lang'), expected, `page lang "${pageLang}", browser ${locale} → ${expected}`)
      t.equal(await page.locator('.optline label[for$="-phone"]').textContent(), expected === 'es' ? 'Número de celular' : 'Mobile number')
    }
  })

  t.test('iframe snippet in Spanish: the page inside is Spanish, and the frame takes its Spanish title', async t => {
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`${site.host}/iframe.html?campaign=amigos&data-lang=es`)
    await page.frameLocator('iframe').locator('#phone').waitFor()
    const inner = page.frames().find(f => f.url().includes('/c/amigos?'))
    t.match(inner?.url(), /[?&]lang=es(&|$)/)
    t.equal(await inner?.locator('html').getAttribute('lang'), 'es')
    t.equal(await inner?.locator('label[for=phone]').textContent(), 'Número de celular')
    await page.waitForFunction(() => document.querySelector('iframe')?.title === "Joe's Coffee Club: alertas por mensaje de texto")
    t.pass('the frame is named in Spanish')
    await screenshot(page, 'embed-iframe-es')
  })

  t.test('iframe snippet: the frame grows to its content, keeps embed mode through errors and the thank-you page', async t => {
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`${site.host}/iframe.html`)
    await page.evaluate(() => {
      document.addEventListener('optline:signup', () => { document.body.dataset.signedUp = 'yes' })
    })
    const frameHeight = () => page.locator('iframe').evaluate(el => el.getBoundingClientRect().height)
    const frame = page.frameLocator('iframe')
    await frame.locator('#phone').waitFor()
    const inner = page.frames().find(f => f.url().includes('/c/joes?embed=1'))
    t.ok(inner, 'the hosted page in embed mode')
    const contentHeight = () => inner!.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height))
    await page.waitForFunction(() => document.querySelector('iframe')?.style.height !== '640px')
    t.ok(Math.abs(await frameHeight() - await contentHeight()) <= 1, `frame ${await frameHeight()}px = content ${await contentHeight()}px`)
    // Named by the snippet's link until the page inside says its own title.
    await page.waitForFunction(() => document.querySelector('iframe')?.title === "Joe's Coffee Club: text alerts")
    t.pass('the frame is named by the page inside it')
    await screenshot(page, 'embed-iframe-form')
    const before = await frameHeight()

    await frame.locator('#phone').fill('646 555')
    // The keyboard: a tap's coordinates can go stale while the frame is being resized.
    await frame.locator('button[type=submit]').press('Enter')
    await frame.locator('#phone-error').waitFor()
    await page.waitForFunction(h => (document.querySelector('iframe')?.getBoundingClientRect().height ?? 0) > h, before)
    const errorFrame = page.frames().find(f => f.url().endsWith('/c/joes?embed=1'))
    t.ok(errorFrame !== undefined && await errorFrame.locator('body.embed input[name=embed]').count() === 1, 'still in embed mode after the POST')
    t.ok(await frameHeight() > before, `grew for the error: ${before}px → ${await frameHeight()}px`)
    await screenshot(page, 'embed-iframe-error')

    await frame.locator('#phone').fill('(646) 555-0173')
    await frame.locator('#consent').check()
    // The keyboard: a tap's coordinates can go stale while the frame is being resized.
    await frame.locator('button[type=submit]').press('Enter')
    await frame.locator('.done').waitFor()
    await page.waitForFunction(() => document.body.dataset.signedUp === 'yes')
    const thanks = page.frames().find(f => f.url().includes('/thanks'))
    t.match(thanks?.url(), /\/c\/joes\/thanks\?to=0173&embed=1$/)
    const thanksHeight = await thanks!.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height))
    await page.waitForFunction(h => Math.abs((document.querySelector('iframe')?.getBoundingClientRect().height ?? 0) - h) <= 1, thanksHeight)
    t.pass(`the frame follows the thank-you page (${thanksHeight}px)`)
    await screenshot(page, 'embed-iframe-thanks')
    t.equal((await waitForCall(site.standIn, '16465550173')).status, 201, 'the stand-in got the opt-in call')
  })

  t.test('iframe snippet: axe finds nothing on the host page or inside the frame', async t => {
    const context = await browser.newContext({ ...PHONE, bypassCSP: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`${site.host}/iframe.html`)
    await page.frameLocator('iframe').locator('#phone').waitFor()
    await expectNoViolations(t, page, 'host page')
    const inner = page.frames().find(f => f.url().includes('embed=1'))
    await expectNoViolations(t, asPage(inner!), 'inside the frame')
  })

  t.test('a snippet a single-page site adds after load becomes a form too', async t => {
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`${site.host}/script.html`)
    await page.locator('.optline input[type=tel]').first().waitFor()
    const before = await page.locator('.optline input[type=tel]').count()
    await page.evaluate(() => {
      const div = document.createElement('div')
      div.dataset.optline = 'joes'
      div.id = 'late'
      document.querySelector('main')?.append(div)
    })
    await page.locator('#late input[type=tel]').waitFor({ timeout: 10_000 })
    t.equal(await page.locator('.optline input[type=tel]').count(), before + 1, 'the late snippet got its own form')
  })

  t.test('a site the campaign does not list keeps the snippet\'s own link', async t => {
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    const warned = new Promise<string>(resolve => page.on('console', m => { if (m.type() === 'warning' && m.text().startsWith('optline:')) resolve(m.text()) }))
    await page.goto(`${site.stranger}/script.html`)
    t.match(await warned, /embedOrigins/, 'the console says why')
    t.equal(await page.locator('.optline').count(), 0, 'no form')
    t.equal(await page.locator(`a[href="${site.base}/c/joes?src=blog"]`).count(), 1, 'the link to the hosted page is still there')
  })
}
