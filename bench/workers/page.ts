// Issue 6's page budget, in its own process: Chromium (playwright-core) loads a form page in a fresh context (cold
// cache) under emulated slow 4G and a slower CPU, and reports every response on the wire and when the form was usable.
import { chromium, type Browser, type CDPSession } from 'playwright-core'
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
    const wire = recordWire(cdp, new URL(url).origin)
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
    return { browser: b.version(), rows: wire.rows(), usableMs, ...timing }
  } finally {
    await context.close()
  }
}

/** Every request of the page load as CDP saw it on the wire; quiet() waits for late ones (an icon) after load. */
function recordWire (cdp: CDPSession, origin: string) {
  const rows = new Map<string, WireRow>()
  const pending = new Set<string>()
  cdp.on('Network.requestWillBeSent', e => {
    pending.add(e.requestId)
    const url = new URL(e.request.url)
    const path = url.protocol === 'data:' ? 'data:' : url.origin === origin ? url.pathname + url.search : url.href
    rows.set(e.requestId, { path, status: 0, type: e.type ?? '', encoding: '', headerBytes: 0, wireBytes: 0 })
  })
  cdp.on('Network.responseReceived', e => {
    const row = rows.get(e.requestId)
    if (row === undefined) return
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]))
    // For HTTP/1.1, the response's encodedDataLength so far is its status line and headers.
    Object.assign(row, { status: e.response.status, encoding: headers['content-encoding'] ?? 'identity', headerBytes: e.response.encodedDataLength })
  })
  cdp.on('Network.loadingFinished', e => {
    const row = rows.get(e.requestId)
    if (row !== undefined) row.wireBytes = e.encodedDataLength
    pending.delete(e.requestId)
  })
  cdp.on('Network.loadingFailed', e => {
    const row = rows.get(e.requestId)
    if (row !== undefined && row.status === 0) row.status = -1
    pending.delete(e.requestId)
  })
  return {
    rows: () => [...rows.values()].filter(row => row.path !== 'data:'),
    async quiet () {
      const deadline = Date.now() + 5000
      let quietSince = Date.now()
      while (Date.now() < deadline) {
        if (pending.size > 0) quietSince = Date.now()
        else if (Date.now() - quietSince >= 500) return
        await new Promise(resolve => setTimeout(resolve, 25))
      }
    }
  }
}

async function close (): Promise<void> {
  await (await browser)?.close()
  browser = undefined
}

serve({ load, close })
