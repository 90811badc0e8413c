// A first visit to a form page fits in the first TCP round trip (10 segments: 14,600 bytes on the wire, headers included),
// from one origin; and how long a slow-4G phone waits for a usable form (printed, not asserted).
import t from 'tap'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { CDPSession, Page } from 'playwright-core'
import { browserSuite, PHONE, type Suite } from './helpers.ts'
import { recordWire, type WireRow } from './wire-recorder.ts'

const BUDGET = 14_600

// Lighthouse's "slow 4G" with DevTools throttling: 150 ms RTT × 3.75 per request, 1.6 Mbps × 0.9 down, 750 kbps × 0.9 up, CPU 4×.
const SLOW_4G = { offline: false, latency: 562.5, downloadThroughput: 1474.56 * 1024 / 8, uploadThroughput: 607.5 * 1024 / 8 }
const CPU_SLOWDOWN = 4

type Row = WireRow

const suite = await browserSuite(t)
if (suite !== undefined) run(suite)

function run ({ browser, site }: Suite): void {
  // branded: a logo and a theme stylesheet on top, still within the budget.
  for (const slug of ['demo', 'world', 'branded']) {
    t.test(`/c/${slug}: a first visit is at most ${BUDGET} bytes on the wire, one origin`, async t => {
      const context = await browser.newContext(PHONE)
      t.teardown(() => context.close())
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      const rows = await recordPageLoad(page, cdp, `${site.base}/c/${slug}`)

      const total = rows.reduce((sum, r) => sum + r.wireBytes, 0)
      const report = breakdown(rows, total)
      t.comment(report)
      process.stderr.write(`page budget /c/${slug}:\n${report}\n`)

      t.ok(rows.length > 0 && rows[0]?.status === 200, 'the page loaded')
      t.ok(rows.some(r => r.type === 'Stylesheet' && r.status === 200), 'its stylesheet loaded')
      t.same(rows.filter(r => new URL(r.url).origin !== site.base).map(r => r.url), [], 'no request to another origin')
      t.same(rows.filter(r => r.status >= 400).map(r => `${r.status} ${r.url}`), [], 'no failed request (a missing icon costs a round trip)')
      t.ok(total <= BUDGET, `${total} bytes on the wire, budget ${BUDGET}${total > BUDGET ? `:\n${report}` : ''}`)
    })
  }

  t.test('time to a usable form, slow 4G and a 4× slower CPU (printed, not asserted)', async t => {
    const context = await browser.newContext(PHONE)
    t.teardown(() => context.close())
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })

    const started = Date.now()
    await page.goto(`${site.base}/c/demo`, { waitUntil: 'commit' })
    // Usable: the field is laid out with the stylesheet applied (it is render-blocking) and takes typing.
    await page.waitForFunction(() => {
      const input = document.querySelector<HTMLInputElement>('#phone')
      const styled = [...document.styleSheets].some(sheet => sheet.href?.includes('/assets/') === true) &&
        getComputedStyle(document.body).marginTop === '0px'
      return styled && input !== null && !input.disabled && input.getBoundingClientRect().height > 0
    }, undefined, { polling: 20 })
    const usableMs = Date.now() - started
    await page.waitForLoadState('load')
    const timing = await page.evaluate(async () => {
      await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      const css = performance.getEntriesByType('resource').find(e => e.name.includes('.css'))
      return {
        html: nav?.responseEnd,
        css: css === undefined ? undefined : css.startTime + css.duration,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
        load: nav?.loadEventEnd
      }
    })
    const ms = (value: number | undefined) => value === undefined ? 'n/a' : `${Math.round(value)} ms`
    // The emulation delays each response by the RTT, but models no DNS, TCP or TLS set-up: a real first visit adds those.
    const line = `slow 4G (${SLOW_4G.latency} ms per request, ${Math.round(SLOW_4G.downloadThroughput * 8 / 1000)} kbit/s down) and CPU ${CPU_SLOWDOWN}× slower: ` +
      `usable form after ${usableMs} ms (navigation to a styled, typeable #phone, wall clock); ` +
      `HTML complete ${ms(timing.html)}, stylesheet complete ${ms(timing.css)}, first contentful paint ${ms(timing.fcp)}, load ${ms(timing.load)}`
    t.comment(line)
    process.stderr.write(`${line}\n`)
    t.ok(usableMs > 0, 'measured')
  })
}

/** Loads `url` in a fresh context and returns every request of the page load, as CDP saw it on the wire. */
async function recordPageLoad (page: Page, cdp: CDPSession, url: string): Promise<Row[]> {
  const wire = recordWire(cdp, { bodies: true })
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  await page.goto(url, { waitUntil: 'load' })
  await wire.quiet()
  return wire.rows()
}

/** One line per request, the total, and what brotli or gzip would make of the bodies that went uncompressed. */
function breakdown (rows: Row[], total: number): string {
  const lines = rows.map(r => {
    const path = new URL(r.url).pathname + new URL(r.url).search
    const body = r.wireBytes - r.headerBytes
    return `  ${String(r.wireBytes).padStart(6)} B  = ${String(r.headerBytes).padStart(5)} headers + ${String(body).padStart(5)} body (${r.encoding})  ${r.status} ${r.type} ${path}`
  })
  lines.push(`  ${String(total).padStart(6)} B  total on the wire for ${rows.length} request(s); budget ${BUDGET}`)
  const plain = rows.filter(r => r.encoding === 'identity' && r.body !== undefined && r.body.length > 0)
  if (plain.length > 0) {
    // Compressed answers also carry `content-encoding: br` and `vary: accept-encoding` (~45 bytes).
    const extra = 45
    const estimate = (compress: (b: Buffer) => Buffer) => rows.reduce((sum, r) =>
      sum + (plain.includes(r) && r.body !== undefined ? r.headerBytes + extra + compress(r.body).length : r.wireBytes), 0)
    const br = estimate(b => brotliCompressSync(b))
    const gz = estimate(b => gzipSync(b, { level: 9 }))
    lines.push(`  uncompressed: ${plain.map(r => new URL(r.url).pathname).join(', ')}; compressed it would be about ${br} B (brotli) or ${gz} B (gzip)`)
  }
  return lines.join('\n')
}
