// Issue 6's page budget, in its own process: Chromium (playwright-core) loads a form page in a fresh context (cold
// cache) under emulated slow 4G and a slower CPU, and reports every response on the wire and when the form was usable.
import { chromium, type Browser } from 'playwright-core'
import { recordWire, type WireRow as RecordedRow } from '../../test-e2e/wire-recorder.ts'
import { serve } from '../lib/worker.ts'

export interface NetworkProfile {
  /** Added to every request's answer (DevTools emulation: no DNS, TCP or TLS set-up is modelled). */
  latencyMs: number
  downKbps: number
  upKbps: number
  cpuSlowdown: number
}

export interface PageLoadInput {
  chromium: string
  url: string
  profile: NetworkProfile
}

export interface WireRow {
  /** Path and query on the page's server; the whole URL for any other origin. */
  path: string
  status: number
  type: string
  encoding: string
  /** Status line and headers, then the whole answer as it came over the wire (HTTP/1.1: headers + encoded body). */
  headerBytes: number
  wireBytes: number
}

export interface PageLoadResult {
  browser: string
  rows: WireRow[]
  /** From navigation start to a styled, enabled, laid-out #phone (the page's own clock); NaN if never. */
  usableMs: number
  htmlMs: number
  fcpMs: number
  loadMs: number
}

// A phone held upright, as the browser suite uses (test-e2e/helpers.ts).
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' }
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

let browser: Promise<Browser> | undefined

async function load (input: unknown): Promise<PageLoadResult> {
  const { url, profile, chromium: executablePath } = input as PageLoadInput
  browser ??= chromium.launch({ executablePath, args: ARGS })
  const b = await browser
  // A new context has an empty cache and no cookies: every load is a first visit.
  const context = await b.newContext(PHONE)
  try {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    const wire = recordWire(cdp)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: profile.latencyMs,
      downloadThroughput: profile.downKbps * 1000 / 8,
      uploadThroughput: profile.upKbps * 1000 / 8
    })
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpuSlowdown })
    await page.goto(url, { waitUntil: 'commit' })
    // Usable: every stylesheet applied (they block rendering), and the phone field laid out and enabled.
    const usable = await page.waitForFunction(() => {
      const input = document.querySelector<HTMLInputElement>('#phone')
      const styled = [...document.querySelectorAll<HTMLLinkElement>('link[rel=stylesheet]')].every(link => link.sheet !== null)
      return styled && input !== null && !input.disabled && input.getBoundingClientRect().height > 0 ? performance.now() : false
    }, undefined, { polling: 'raf', timeout: 60_000 })
    const usableMs = Number(await usable.jsonValue())
    await page.waitForLoadState('load')
    await wire.quiet()
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      return {
        htmlMs: nav?.responseEnd ?? Number.NaN,
        fcpMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        loadMs: nav?.loadEventEnd ?? Number.NaN
      }
    })
    return { browser: b.version(), rows: onTheWire(wire.rows(), new URL(url).origin), usableMs, ...timing }
  } finally {
    await context.close()
  }
}

/** The page's requests, named by path and query on its own server (the whole URL for any other origin). */
function onTheWire (rows: readonly RecordedRow[], origin: string): WireRow[] {
  return rows.flatMap(({ url: href, status, type, encoding, headerBytes, wireBytes }) => {
    const url = new URL(href)
    if (url.protocol === 'data:') return []
    return [{ path: url.origin === origin ? url.pathname + url.search : url.href, status, type, encoding, headerBytes, wireBytes }]
  })
}

async function close (): Promise<void> {
  await (await browser)?.close()
  browser = undefined
}

serve({ load, close })
