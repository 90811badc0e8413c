// The browser suite's fixtures: Debian's Chromium via playwright-core, the real server as `npm start` runs it, a stand-in, axe-core.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse, stringify } from 'yaml'
import type { Test } from 'tap'
import type { AxeResults } from 'axe-core'
import { chromium, type Browser, type BrowserContextOptions, type Page, type Response } from 'playwright-core'
import { CampaignSchema } from '../src/campaigns/schema.ts'
import { createStandIn, type ReceivedCall, type StandIn } from '../src/sandbox/stand-in.ts'
import { startServer } from '../test/spawn-server.ts'

/** Debian's package; never a downloaded browser build. OPTLINE_E2E_CHROMIUM only exists to try the skip path. */
export const CHROMIUM = process.env.OPTLINE_E2E_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A mid-size phone, held upright. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-US'
}

export const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url))
const E2E_TOKEN = 'e2e-token-0a1b2c3d4e5f'

export interface Site {
  /** http://127.0.0.1:PORT of the optline server. */
  base: string
  /** The ProTexting stand-in the server sends to; undefined in sandbox mode (the server runs its own). */
  standIn: StandIn | undefined
}

export interface Suite {
  browser: Browser
  site: Site
}

/**
 * Launches Chromium and the server for one test file, or explains why not. Without Chromium the file is
 * skipped with the reason printed, except under CI=true, where a missing browser fails the run.
 */
export async function browserSuite (t: Test): Promise<Suite | undefined> {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium not found at ${CHROMIUM} (install it with: apt-get install -y chromium)`
    if (process.env.CI === 'true') {
      t.fail(`${reason}; the browser suite is required under CI=true`)
      return undefined
    }
    process.stderr.write(`SKIP browser suite: ${reason}\n`)
    t.plan(0, `browser suite skipped: ${reason}`)
    return undefined
  }
  const site = await startSite(t, false)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  return { browser, site }
}

const EXAMPLE_CAMPAIGNS = fileURLToPath(new URL('../config/campaigns.example.yaml', import.meta.url))

/**
 * The campaigns `npm start` serves (demo, world), as they are, except for the two defences a scripted visitor
 * trips by design: many submissions a minute from one address (answered 429), each faster than a person types
 * (answered with a thank-you and never sent, even for a refusal). Those defences have their own tests.
 */
function campaignsFile (t: Test): string {
  const file = parse(readFileSync(EXAMPLE_CAMPAIGNS, 'utf8')) as { campaigns: Record<string, Record<string, unknown>> }
  if ('protection' in CampaignSchema.properties) {
    for (const campaign of Object.values(file.campaigns)) {
      const protection = (campaign.protection ?? {}) as Record<string, unknown>
      campaign.protection = { ...protection, perIpPerMinute: 0, minSubmitSeconds: 0 }
    }
  }
  // The copy lives elsewhere: a logo path relative to the example file must still find its file.
  for (const campaign of Object.values(file.campaigns)) {
    const branding = campaign.branding as { logo?: string } | undefined
    if (branding?.logo !== undefined) branding.logo = fileURLToPath(new URL(branding.logo, pathToFileURL(EXAMPLE_CAMPAIGNS)))
  }
  const dir = mkdtempSync(join(tmpdir(), 'optline-e2e-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'campaigns.yaml')
  writeFileSync(path, stringify(file))
  return path
}

/** `node src/server.ts` on a free port with in-memory storage; live mode against a stand-in we can inspect. */
export async function startSite (t: Test, sandbox: boolean, extraEnv: Record<string, string> = {}): Promise<Site> {
  // LOG_LEVEL stays info: the ready line (with the URLs) is logged at info.
  const env: Record<string, string> = { DATABASE_URL: ':memory:', CAMPAIGNS_FILE: campaignsFile(t), ...extraEnv }
  let standIn: StandIn | undefined
  if (!sandbox) {
    standIn = createStandIn({ accessToken: E2E_TOKEN })
    const apiUrl = await standIn.listen()
    t.teardown(() => standIn?.close())
    Object.assign(env, { PROTEXTING_ACCESS_TOKEN: E2E_TOKEN, PROTEXTING_API_URL: apiUrl })
  }
  const server = startServer(env)
  t.teardown(async () => {
    server.child.kill('SIGTERM')
    await server.exited
  })
  const base = await server.ready
  return { base, standIn }
}

/** Waits (bounded) until the stand-in has answered a call for this PhoneNumber: delivery goes through the outbox. */
export async function waitForCall (standIn: StandIn, phoneNumber: string, timeoutMs = 10_000): Promise<ReceivedCall> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const call = standIn.calls.find(c => c.status !== 0 && (c.body as { PhoneNumber?: unknown } | undefined)?.PhoneNumber === phoneNumber)
    if (call !== undefined) return call
    if (Date.now() > deadline) {
      const seen = standIn.calls.map(c => `${c.method} ${c.path} ${c.status} ${c.rawBody}`).join('\n  ')
      throw new Error(`no call for ${phoneNumber} reached the stand-in within ${timeoutMs} ms; it saw:\n  ${seen}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** Submits the page's form with `act` and resolves once the next document has loaded, with the POST's answer. */
export async function submitWith (page: Page, act: () => Promise<void>): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse(r => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.waitForEvent('load'),
    act()
  ])
  return response
}

/** What the keyboard is on: id, or tag and text for links and buttons. */
export function describeFocus (page: Page): Promise<{ name: string, focusVisible: boolean, outlineStyle: string, outlineWidth: number }> {
  return page.evaluate(() => {
    const el = document.activeElement
    if (el === null || el === document.body) return { name: 'body', focusVisible: false, outlineStyle: 'none', outlineWidth: 0 }
    const style = getComputedStyle(el)
    const name = el.id !== '' ? `#${el.id}` : `${el.tagName.toLowerCase()}:${(el.textContent ?? '').trim()}`
    return { name, focusVisible: el.matches(':focus-visible'), outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) }
  })
}

export async function screenshot (page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = `${SCREENSHOTS}${name}.png`
  await page.screenshot({ path, fullPage: true })
  return path
}

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']

export interface Violation {
  id: string
  impact: string
  help: string
  helpUrl: string
  nodes: Array<{ target: string, summary: string }>
}

/** Runs axe-core in the page (the context needs JavaScript on and bypassCSP) and returns its violations. */
export async function axeViolations (page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE_SOURCE })
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<AxeResults> } }).axe
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    return results.violations.map(v => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' }))
    }))
  }, WCAG_TAGS)
}

/** Violations as a person reads them: rule, impact, what to do, and each offending element. */
export function formatViolations (violations: Violation[]): string {
  return violations.map(v => [
    `${v.id} (${v.impact}): ${v.help}`,
    `  ${v.helpUrl}`,
    ...v.nodes.map(n => `  - ${n.target}\n    ${n.summary.replaceAll('\n', '\n    ')}`)
  ].join('\n')).join('\n')
}
