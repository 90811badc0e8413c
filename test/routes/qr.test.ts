// QR images and the printable sign as a marketer and a scanner meet them; the app is built here without app.ts.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import QRCode from 'qrcode'
import { stringify } from 'yaml'
import { parseCampaigns } from '../../src/campaigns/load.ts'
import views from '../../src/plugins/views.ts'
import securityHeaders from '../../src/plugins/security-headers.ts'
import qrRoutes from '../../src/routes/qr.ts'
import { buildTestApp, testCampaigns, usCampaign } from '../helper.ts'
import { declaredErrorCorrection, expectedGrid, pngGrid, readPng, svgGrid } from '../qr/read-qr.ts'

const HOST = 'signup.example.com'
const campaignsConfig = {
  ...testCampaigns,
  // A campaign that is not marketing: its disclosure has no "not a condition of purchase".
  alerts: { ...usCampaign, marketing: false },
  // A marketer's own disclosure without the frequency: the sign adds it.
  custom: { ...usCampaign, disclosure: "Joe's Coffee Club texts. Msg & data rates may apply. Reply HELP for help, STOP to cancel." },
  // English and Spanish: a sign per language, each code opening its page.
  amigos: {
    ...usCampaign,
    languages: ['en', 'es'],
    translations: {
      es: {
        frequency: 'Hasta 4 mensajes al mes',
        ctaMessage: "Joe's Coffee Club: responde YES para recibir hasta 4 mensajes/mes. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.",
        confirmMessage: "¡Te damos la bienvenida a Joe's Coffee Club! Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar."
      }
    }
  }
}

async function buildQrApp (t: Test, trustProxy = false) {
  const { campaigns } = parseCampaigns(stringify({ campaigns: campaignsConfig }))
  const app = Fastify({ trustProxy })
  await app.register(securityHeaders, { campaigns })
  await app.register(views, { sandbox: false })
  await app.register(qrRoutes, { campaigns })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

const get = (url: string, headers: Record<string, string> = {}) => ({ method: 'GET' as const, url, headers: { host: HOST, ...headers } })

t.test('qr.svg is an SVG that scans to the short link with its source tag', async t => {
  const app = await buildQrApp(t)
  const res = await app.inject(get('/c/summer/qr.svg?src=poster-lobby'))
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'image/svg+xml; charset=utf-8')
  t.equal(res.headers['cache-control'], 'public, max-age=86400')
  t.match(res.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"[^>]*>.*<\/svg>\s*$/s)
  t.notMatch(res.body, /<script|on\w+=/i, 'nothing active in the image')
  const grid = svgGrid(res.body)
  t.same(grid.dark, expectedGrid(`http://${HOST}/c/summer?src=poster-lobby`), 'decodes to the link with src')
  t.equal(grid.quietZone, 4)
  t.equal(declaredErrorCorrection(grid), 'Q')
})

t.test('an invalid source tag is dropped from the code, not encoded', async t => {
  const app = await buildQrApp(t)
  for (const src of ['<script>alert(1)</script>', 'a b', 'x'.repeat(65)]) {
    const res = await app.inject(get(`/c/summer/qr.svg?src=${encodeURIComponent(src)}`))
    t.equal(res.statusCode, 200)
    t.same(svgGrid(res.body).dark, expectedGrid(`http://${HOST}/c/summer`), `${src.slice(0, 20)}: plain short link`)
  }
  const none = await app.inject(get('/c/summer/qr.svg'))
  t.same(svgGrid(none.body).dark, expectedGrid(`http://${HOST}/c/summer`))
})

t.test('behind a trusted proxy the code carries the public https address', async t => {
  const app = await buildQrApp(t, true)
  const res = await app.inject(get('/c/summer/qr.svg', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'join.example.org' }))
  t.same(svgGrid(res.body).dark, expectedGrid('https://join.example.org/c/summer'))
  t.match(res.headers.vary, /x-forwarded-host/, 'a shared cache keys the image by the forwarded host')
})

t.test('qr.png is a PNG of the size asked (default 1024) that scans to the link', async t => {
  const app = await buildQrApp(t)
  const link = `http://${HOST}/c/summer?src=flyer`
  const reference = expectedGrid(link)
  for (const [query, width] of [['', 1024], ['&size=300', 300], ['&size=128', 128]] as const) {
    const res = await app.inject(get(`/c/summer/qr.png?src=flyer${query}`))
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'image/png')
    t.equal(res.headers['cache-control'], 'public, max-age=86400')
    t.same(res.rawPayload.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'PNG signature')
    const image = readPng(res.rawPayload)
    t.same([image.width, image.height], [width, width])
    const grid = pngGrid(image, Math.sqrt(reference.length))
    t.same(grid.dark, reference, `${width} px decodes to the link`)
    t.ok(grid.quietZone >= 4, 'quiet zone of at least 4 modules')
  }
  const largest = readPng((await app.inject(get('/c/summer/qr.png?size=4096'))).rawPayload)
  t.same([largest.width, largest.height], [4096, 4096])
})

t.test('a bad size is refused with a clear 400', async t => {
  const app = await buildQrApp(t)
  for (const size of ['127', '4097', 'big', '1e3', '512.5', '-1']) {
    const res = await app.inject(get(`/c/summer/qr.png?size=${size}`))
    t.equal(res.statusCode, 400, `size=${size}`)
    t.same(res.json(), { errors: [{ field: 'size', message: 'size must be a whole number of pixels from 128 to 4096 (default 1024).' }] })
    t.equal(res.headers['cache-control'], 'no-store')
  }
  t.equal((await app.inject(get('/c/summer/qr.png?size=300&size=400'))).statusCode, 400, 'two sizes')
})

t.test('an absurd Host header is refused, not drawn', async t => {
  const app = await buildQrApp(t)
  const res = await app.inject(get('/c/summer/qr.svg', { host: `${'a'.repeat(600)}.example` }))
  t.equal(res.statusCode, 400)
  t.match(res.json(), { errors: [{ field: 'request' }] })
})

t.test('an unknown campaign is the usual 404 page', async t => {
  const app = await buildQrApp(t)
  for (const path of ['qr.svg', 'qr.png', 'print', 'qr.png?size=1']) {
    const res = await app.inject(get(`/c/nope/${path}`))
    t.equal(res.statusCode, 404, path)
    t.match(res.headers['content-type'], /^text\/html/)
    t.match(res.body, /This signup page does not exist/)
  }
})

/** The text of an HTML fragment: tags dropped, entities of our escaper undone. */
function text (html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replaceAll('&#39;', "'").replaceAll('&amp;', '&').replaceAll('&quot;', '"').replace(/\s+/g, ' ')
}

t.test('the printable sign carries the code, the short link and the whole disclosure', async t => {
  const app = await buildQrApp(t)
  const res = await app.inject(get('/c/summer/print?src=poster-lobby'))
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  const html = res.body
  t.match(html, /<h1>Get texts from Joe&#39;s Coffee Club<\/h1>/)
  t.match(html, /<p class="short-url">http:\/\/signup\.example\.com\/c\/summer<\/p>/, 'the short link in large text')
  const svg = /<div class="qr-code" role="img" aria-label="QR code for http:\/\/signup\.example\.com\/c\/summer\?src=poster-lobby">(<svg.*?<\/svg>)/s.exec(html)?.[1] ?? ''
  t.same(svgGrid(svg).dark, expectedGrid(`http://${HOST}/c/summer?src=poster-lobby`), 'the inline code scans to the tagged link')
  const finePrint = text(/<div class="fine-print">(.*?)<\/div>/s.exec(html)?.[1] ?? '')
  for (const needed of [
    "Joe's Coffee Club",
    'text messages',
    'Up to 4 msgs/month',
    'Msg & data rates may apply',
    'Reply HELP for help, STOP to cancel',
    'Consent is not a condition of purchase',
    'Terms: https://example.com/terms',
    'Privacy: https://example.com/privacy'
  ]) t.ok(finePrint.includes(needed), `the sign says ${needed}`)
  t.notMatch(html, /<a [^>]*href="https:\/\/example\.com/, 'policy addresses are printed, not only linked')
  t.match(html, /<a href="\/c\/summer\/qr\.svg\?src=poster-lobby" download>SVG<\/a>/)
  t.match(html, /<a href="\/c\/summer\/qr\.png\?src=poster-lobby" download>PNG<\/a>/)
})

t.test('the sign follows the campaign: no purchase line when not marketing, the frequency when missing', async t => {
  const app = await buildQrApp(t)
  const alerts = text((await app.inject(get('/c/alerts/print'))).body)
  t.notMatch(alerts, /not a condition of purchase/)
  t.match(alerts, /Msg & data rates may apply/)
  const custom = text((await app.inject(get('/c/custom/print'))).body)
  t.match(custom, /Joe's Coffee Club texts\. Msg & data rates may apply\. Reply HELP for help, STOP to cancel\. Up to 4 msgs\/month\./)
  const summer = text((await app.inject(get('/c/summer/print'))).body)
  t.equal(summer.split('Up to 4 msgs/month').length, 2, 'the frequency once when the disclosure has it')
})

t.test('a sign in Spanish: the Spanish page texts and disclosure, a code that opens the Spanish page', async t => {
  const app = await buildQrApp(t)
  const res = await app.inject(get('/c/amigos/print?src=poster-lobby&lang=es'))
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-language'], 'es')
  const html = res.body
  t.match(html, /<html lang="es">/)
  t.match(html, /<title>Cartel para imprimir · Joe&#39;s Coffee Club: alertas por mensaje de texto<\/title>/)
  t.match(html, /<h1>Recibe mensajes de texto de Joe&#39;s Coffee Club<\/h1>/)
  const encoded = `http://${HOST}/c/amigos?src=poster-lobby&lang=es`
  const svg = /<div class="qr-code" role="img" aria-label="Código QR de ([^"]*)">(<svg.*?<\/svg>)/s.exec(html)
  t.equal(svg?.[1], encoded.replaceAll('&', '&amp;'))
  t.same(svgGrid(svg?.[2] ?? '').dark, expectedGrid(encoded), 'the code scans to the Spanish page, source tag kept')
  t.match(html, /<figcaption>Escanéalo con la cámara de tu teléfono o visita<\/figcaption>/)
  t.match(html, /<p class="short-url">http:\/\/signup\.example\.com\/c\/amigos<\/p>/, 'the typed link stays short')
  const finePrint = text(/<div class="fine-print">(.*?)<\/div>/s.exec(html)?.[1] ?? '')
  for (const needed of ["Joe's Coffee Club", 'Hasta 4 mensajes al mes', 'Pueden aplicarse tarifas de mensajes y datos', 'Responde HELP', 'STOP para cancelar',
    'El consentimiento no es una condición de compra', 'Términos: https://example.com/terms', 'Privacidad: https://example.com/privacy']) {
    t.ok(finePrint.includes(needed), `the Spanish sign says ${needed}`)
  }
  t.notMatch(finePrint, /Msg & data rates|Reply HELP|Terms:/, 'no English in the fine print')
  t.match(html, /<a href="\/c\/amigos\/qr\.svg\?src=poster-lobby&amp;lang=es" download>SVG<\/a>/, 'the files are the same code')
  t.match(html, /Este cartel en: <a href="\/c\/amigos\/print\?src=poster-lobby&amp;lang=en" hreflang="en" lang="en">English<\/a>/)
  const png = await app.inject(get('/c/amigos/qr.png?src=poster-lobby&lang=es&size=512'))
  t.equal(png.statusCode, 200)
  t.same(pngGrid(readPng(png.rawPayload), QRCode.create(encoded, { errorCorrectionLevel: 'Q' }).modules.size).dark, expectedGrid(encoded))
})

t.test('without ?lang= the sign is in the campaign\'s own language and its code lets the visitor\'s browser choose', async t => {
  const app = await buildQrApp(t)
  const res = await app.inject(get('/c/amigos/print', { 'accept-language': 'es' }))
  t.match(res.body, /<html lang="en">/, 'the browser of whoever prints does not decide')
  t.match(res.body, /aria-label="QR code for http:\/\/signup\.example\.com\/c\/amigos"/)
  t.match(res.body, /This sign in: <a href="\/c\/amigos\/print\?lang=es" hreflang="es" lang="es">Español<\/a>/)
  t.match((await app.inject(get('/c/amigos/print?lang=EN'))).body, /aria-label="QR code for http:\/\/signup\.example\.com\/c\/amigos\?lang=en"/, 'an explicit English sign says so in its code')
  const single = await app.inject(get('/c/summer/print?lang=en'))
  t.match(single.body, /aria-label="QR code for http:\/\/signup\.example\.com\/c\/summer"/, 'one language: nothing to choose, the link stays short')
  t.notMatch(single.body, /This sign in:/)
})

t.test('a language the campaign does not offer is refused with the ones it does, not printed in another', async t => {
  const app = await buildQrApp(t)
  for (const lang of ['fr', 'es', '<b>', 'x'.repeat(50)]) {
    const slug = lang === 'es' ? 'summer' : 'amigos'
    const res = await app.inject(get(`/c/${slug}/print?lang=${encodeURIComponent(lang)}`))
    t.equal(res.statusCode, 400, `${slug} ?lang=${lang.slice(0, 10)}`)
    t.match(res.headers['content-type'], /^text\/html/)
    t.match(res.body, /<h1>No sign in that language<\/h1>/)
    t.match(res.body, slug === 'amigos' ? /in English \(en\), Español \(es\) only/ : /in English \(en\) only/)
    t.notMatch(res.body, /<b>/, 'the value is not echoed')
    for (const image of ['qr.svg', 'qr.png']) {
      const refused = await app.inject(get(`/c/${slug}/${image}?lang=${encodeURIComponent(lang)}`))
      t.equal(refused.statusCode, 400, image)
      t.match(refused.json(), { errors: [{ field: 'lang', message: /^lang must be one of this campaign's languages: en/ }] })
    }
  }
  const twice = await app.inject(get('/c/amigos/print?lang=es&lang=en'))
  t.equal(twice.statusCode, 400, 'two languages at once: refused, not a 500')
})

t.test('the printable page has no inline script or style, and its stylesheet is ours and cached', async t => {
  const app = await buildQrApp(t)
  const res = await app.inject(get('/c/summer/print?src=%3Cscript%3Epwned()%3C%2Fscript%3E'))
  t.equal(res.statusCode, 200)
  const html = res.body
  t.notMatch(html, /<script/i)
  t.notMatch(html, /<style/i)
  t.notMatch(html, /\sstyle=/i)
  t.notMatch(html, /\son[a-z]+=/i, 'no event handler attributes')
  t.notMatch(html, /pwned|%3Cscript/i, 'the invalid tag is nowhere on the page')
  const csp = res.headers['content-security-policy'] as string
  t.match(csp, /style-src 'self'(;|$)/)
  t.match(csp, /script-src 'self'(;|$)/)
  const href = /<link rel="stylesheet" href="(\/assets\/print\.css\?v=[0-9a-f]{10})">/.exec(html)?.[1] ?? ''
  t.not(href, '', 'print.css linked with a content hash')
  const css = await app.inject(get(href))
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /^text\/css/)
  t.match(css.body, /@media print/)
  t.match(css.headers['cache-control'], /immutable/)
})

t.test('the app serves the QR routes', async t => {
  const { app } = await buildTestApp(t)
  const svg = await app.inject('/c/summer/qr.svg?src=poster-lobby')
  t.equal(svg.statusCode, 200)
  t.match(svg.headers['content-type'], /image\/svg\+xml/)
  t.equal((await app.inject('/c/summer/print')).statusCode, 200)
})

t.test('PUBLIC_URL fixes the encoded address, whatever Host the request claims', async t => {
  const fastify = Fastify()
  await fastify.register(views, { sandbox: false })
  await fastify.register(qrRoutes, { campaigns: parseCampaigns(stringify({ campaigns: testCampaigns })).campaigns, publicUrl: 'https://join.example.com' })
  t.teardown(() => fastify.close())
  const res = await fastify.inject({ url: '/c/summer/qr.svg', headers: { host: 'evil.example' } })
  t.same(svgGrid(res.body).dark, expectedGrid('https://join.example.com/c/summer'))
})
