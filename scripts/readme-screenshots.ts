// Refreshes docs/screenshots/ (the README's pictures) from the browser suite's screenshots in test-results/screenshots/:
// run `npm run test:e2e` first, then `node scripts/readme-screenshots.ts`. Each picture is redrawn at half its pixel
// size (the suite shoots at 2× density) by Chromium, so no image tool is needed; tall pages are cut at `maxHeight`.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { CHROMIUM, SCREENSHOTS } from '../test-e2e/helpers.ts'

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url))

/** [suite's name, README's name, scale, tallest kept in output pixels]. */
const PICTURES: Array<[from: string, to: string, scale: number, maxHeight: number]> = [
  ['form-demo', 'form', 0.5, 900],
  ['error-demo', 'form-error', 0.5, 900],
  ['thanks-demo', 'thanks', 0.5, 700],
  ['es-form-world', 'form-spanish', 0.5, 900],
  ['form-branded-dark', 'branded-dark', 0.5, 900],
  ['print-sign', 'print-sign', 0.6, 720],
  ['admin-dashboard-light', 'dashboard', 0.5, 1100],
  ['embed-script-form', 'embed-script', 0.5, 1000],
  ['embed-iframe-es', 'embed-iframe-spanish', 0.5, 1000]
]

const missing = PICTURES.filter(([from]) => !existsSync(`${SCREENSHOTS}${from}.png`)).map(([from]) => from)
if (missing.length > 0) {
  console.error(`not in ${SCREENSHOTS}: ${missing.join(', ')}; run the browser suite first (npm run test:e2e)`)
  process.exit(1)
}
mkdirSync(OUT, { recursive: true })
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 })
  let total = 0
  for (const [from, to, scale, maxHeight] of PICTURES) {
    const png = readFileSync(`${SCREENSHOTS}${from}.png`)
    // The PNG header holds the size: width at byte 16, height at byte 20.
    const width = Math.round(png.readUInt32BE(16) * scale)
    const height = Math.min(maxHeight, Math.round(png.readUInt32BE(20) * scale))
    await page.setViewportSize({ width, height })
    await page.setContent(`<body style="margin:0;overflow:hidden"><img style="display:block;width:${width}px" src="data:image/png;base64,${png.toString('base64')}"></body>`)
    await page.locator('img').evaluate(img => (img as HTMLImageElement).decode())
    const path = `${OUT}${to}.png`
    await page.screenshot({ path, clip: { x: 0, y: 0, width, height } })
    total += statSync(path).size
    console.log(`${path}: ${width}×${height}, ${statSync(path).size.toLocaleString('en-US')} bytes`)
  }
  console.log(`${total.toLocaleString('en-US')} bytes in all`)
} finally {
  await browser.close()
}
