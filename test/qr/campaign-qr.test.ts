// The QR functions the routes and the CLI share: the link, the bounds, and images that scan back to the link.
import t from 'tap'
import { MAX_URL_BYTES, PNG_WIDTH, QUIET_ZONE, campaignUrl, parsePngWidth, qrPng, qrSvg } from '../../src/qr/campaign-qr.ts'
import { declaredErrorCorrection, expectedGrid, pngGrid, readPng, svgGrid } from './read-qr.ts'

const LINK = 'https://signup.example.com/c/summer?src=poster-lobby'

t.test('the link is the short link, with a source tag only when it is a valid one', async t => {
  t.equal(campaignUrl('https://signup.example.com', 'summer'), 'https://signup.example.com/c/summer')
  t.equal(campaignUrl('https://signup.example.com/', 'summer', 'poster-lobby'), LINK)
  t.equal(campaignUrl('https://example.com/optline//', 'summer', 'ig.story_2~a'), 'https://example.com/optline/c/summer?src=ig.story_2~a')
  for (const bad of ['<script>', '', 'two words', '-leading-dash', 'x'.repeat(65), ['a', 'b'], 42, 'a&src=b']) {
    t.equal(campaignUrl('https://signup.example.com', 'summer', bad), 'https://signup.example.com/c/summer', `drops ${JSON.stringify(bad)}`)
  }
})

t.test('PNG widths: default 1024, whole numbers from 128 to 4096', async t => {
  t.same(parsePngWidth(undefined), { width: PNG_WIDTH.default })
  t.same(parsePngWidth(''), { width: 1024 })
  t.same(parsePngWidth('128'), { width: 128 })
  t.same(parsePngWidth('4096'), { width: 4096 })
  t.same(parsePngWidth(600), { width: 600 })
  for (const bad of ['127', '4097', 'abc', '1e3', '300.5', '-300', ' 300', '0x200', ['300', '400'], 99999999]) {
    const result = parsePngWidth(bad)
    t.ok('error' in result && /from 128 to 4096/.test(result.error), `refuses ${JSON.stringify(bad)}`)
  }
  await t.rejects(qrPng(LINK, { width: 64 }), RangeError)
  await t.rejects(qrPng(LINK, { width: 1000.5 }), RangeError)
})

t.test('the SVG draws exactly the code for the link, at error correction Q, with a 4-module quiet zone', async t => {
  const svg = await qrSvg(LINK)
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1" shape-rendering="crispEdges">/)
  t.match(svg, /<path fill="#ffffff" d="M0 0h(\d+)v\1H0z"\/>/, 'a white background under the whole code')
  t.match(svg, /<\/svg>\s*$/)
  const grid = svgGrid(svg)
  t.equal(grid.quietZone, QUIET_ZONE)
  t.same(grid.dark, expectedGrid(LINK, 'Q'))
  t.equal(declaredErrorCorrection(grid), 'Q')
  t.equal(declaredErrorCorrection(svgGrid(await qrSvg(LINK, { errorCorrection: 'M' }))), 'M')
})

t.test('the PNG is exactly the width asked, whole pixels per module, and the same code', async t => {
  for (const width of [128, 236, 300, 1024]) {
    const image = readPng(await qrPng(LINK, { width }))
    t.same([image.width, image.height, image.bitDepth, image.colourType], [width, width, 1, 0], `${width} px, 1-bit grayscale`)
    const reference = expectedGrid(LINK, 'Q')
    const grid = pngGrid(image, Math.sqrt(reference.length))
    t.ok(Number.isInteger(grid.pixelsPerModule), `${grid.pixelsPerModule} whole pixels per module`)
    t.ok(grid.quietZone >= QUIET_ZONE, `quiet zone of ${grid.quietZone.toFixed(2)} modules`)
    t.same(grid.dark, reference)
    t.equal(declaredErrorCorrection(grid), 'Q')
  }
  const defaultPng = readPng(await qrPng(LINK))
  t.equal(defaultPng.width, 1024)
})

t.test('a link too long to encode sensibly is refused', async t => {
  const long = `https://${'a'.repeat(MAX_URL_BYTES)}.example/c/summer`
  await t.rejects(qrSvg(long), RangeError)
  await t.rejects(qrPng(long), RangeError)
  // The longest accepted link still fits the smallest PNG.
  const longest = 'https://x.example/c/' + 'a'.repeat(MAX_URL_BYTES - 20)
  t.equal(Buffer.byteLength(longest), MAX_URL_BYTES)
  t.equal(readPng(await qrPng(longest, { width: PNG_WIDTH.min })).width, PNG_WIDTH.min)
})
