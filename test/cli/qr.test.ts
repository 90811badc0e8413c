// `optline qr`: the code a marketer prints, pointing at PUBLIC_URL with the source tag, as SVG or exact-size PNG.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import QRCode from 'qrcode'
import { runCli } from './helpers.ts'
import { readPng, svgGrid, pngGrid, expectedGrid } from '../qr/read-qr.ts'

t.test('SVG to stdout, encoding PUBLIC_URL/c/<campaign>?src=<tag>', async t => {
  const cwd = t.testdir()
  const res = await runCli(['qr', 'demo', '--src', 'poster-lobby'], { cwd, env: { PUBLIC_URL: 'https://join.example.com' } })
  t.equal(res.code, 0, res.stderr)
  t.match(res.stdout, /^<svg /)
  t.same(svgGrid(res.stdout).dark, expectedGrid('https://join.example.com/c/demo?src=poster-lobby'))
})

t.test('PNG of the requested size to a file; --base instead of PUBLIC_URL', async t => {
  const cwd = t.testdir()
  const out = join(cwd, 'demo.png')
  const res = await runCli(['qr', 'demo', '--out', out, '--size', '600', '--base', 'https://qr.example.org'], { cwd })
  t.equal(res.code, 0, res.stderr)
  t.match(res.stderr, /demo\.png: QR code \(png, 600 px\) for https:\/\/qr\.example\.org\/c\/demo/)
  const png = readPng(await readFile(out))
  t.equal(png.width, 600)
  t.same(pngGrid(png, QRCode.create('https://qr.example.org/c/demo', { errorCorrectionLevel: 'Q' }).modules.size).dark, expectedGrid('https://qr.example.org/c/demo'))
})

t.test('--lang: the code opens the page in that language; one the campaign does not offer is refused', async t => {
  const cwd = t.testdir()
  const env = { PUBLIC_URL: 'https://join.example.com' }
  // The bundled example's `world` offers en and es; `demo` only en.
  const spanish = await runCli(['qr', 'world', '--src', 'flyer', '--lang', 'es'], { cwd, env })
  t.equal(spanish.code, 0, spanish.stderr)
  t.same(svgGrid(spanish.stdout).dark, expectedGrid('https://join.example.com/c/world?src=flyer&lang=es'))
  const out = join(cwd, 'es.png')
  const png = await runCli(['qr', 'world', '--lang', 'es-MX', '--out', out], { cwd, env })
  t.equal(png.code, 0, png.stderr)
  t.match(png.stderr, /for https:\/\/join\.example\.com\/c\/world\?lang=es$/m)
  const french = await runCli(['qr', 'world', '--lang', 'fr'], { cwd, env })
  t.equal(french.code, 1)
  t.match(french.stderr, /--lang 'fr': campaign 'world' offers en, es only/)
  const single = await runCli(['qr', 'demo', '--lang', 'en'], { cwd, env })
  t.equal(single.code, 0, 'a one-language campaign takes its own language')
  t.same(svgGrid(single.stdout).dark, expectedGrid('https://join.example.com/c/demo'), 'and its link stays short')
  t.equal((await runCli(['qr', 'demo', '--lang', 'es'], { cwd, env })).code, 1)
})

t.test('mistakes are named: no public address, unknown campaign, bad tag or size', async t => {
  const cwd = t.testdir()
  const env = { PUBLIC_URL: 'https://join.example.com' }
  const noBase = await runCli(['qr', 'demo'], { cwd })
  t.equal(noBase.code, 2)
  t.match(noBase.stderr, /set PUBLIC_URL/)
  const unknown = await runCli(['qr', 'nope'], { cwd, env })
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /no campaign 'nope'/)
  t.equal((await runCli(['qr', 'demo', '--src', '<script>'], { cwd, env })).code, 2)
  t.equal((await runCli(['qr', 'demo', '--format', 'png'], { cwd, env })).code, 2, 'a PNG needs --out')
  const size = await runCli(['qr', 'demo', '--out', join(cwd, 'x.png'), '--size', '50'], { cwd, env })
  t.equal(size.code, 2)
  t.match(size.stderr, /size must be a whole number of pixels from 128 to 4096/)
})
