// Embedding: the iframe mode (?embed=1) through a whole signup, its postMessage targets and framing headers,
// /embed.js and its stylesheet, and the form texts endpoint with CORS for the listed origins only.
import t from 'tap'
import { buildTestApp, formPost, usCampaign } from '../helper.ts'

const SHOP = 'https://shop.example.com'
const BLOG = 'https://blog.example.com:8443'
const campaigns = {
  embedded: { ...usCampaign, embedOrigins: [SHOP, BLOG] },
  redirecting: { ...usCampaign, embedOrigins: [SHOP], successRedirectUrl: 'https://example.com/welcome' },
  world: { ...usCampaign, allowedCountries: ['US', 'CA'], embedOrigins: [SHOP] },
  lonely: usCampaign,
  busy: { ...usCampaign, embedOrigins: [SHOP], protection: { perIpPerMinute: 1 } },
  bilingual: {
    ...usCampaign,
    embedOrigins: [SHOP],
    languages: ['en', 'es'],
    translations: { es: { frequency: 'Hasta 4 mensajes al mes', ctaMessage: "Joe's Coffee Club: responde YES. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.", confirmMessage: "¡Bienvenido a Joe's Coffee Club! Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar." } }
  },
  guarded: { ...usCampaign, embedOrigins: [SHOP], protection: { captcha: { provider: 'turnstile', siteKey: '0x4AAAAAAA' } } }
}

const frameScript = (html: string) => /<script src="(\/assets\/embed-frame\.js\?v=[0-9a-f]{10})"([^>]*)><\/script>/.exec(html)

t.test('?embed=1 renders the form without page chrome, with the frame script posting only to the listed origins', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject('/c/embedded?embed=1&src=blog')
  t.equal(res.statusCode, 200)
  t.match(res.body, /<body class="embed">/)
  t.match(res.body, /<input type="hidden" name="embed" value="1">/, 'embed mode rides along with the POST')
  t.match(res.body, /<input type="hidden" name="source" value="blog">/)
  const script = frameScript(res.body)
  t.ok(script, 'the frame script, from our origin and fingerprinted')
  t.match(script?.[2], ` data-origins="${SHOP} ${BLOG}" data-campaign="embedded"`)
  t.notMatch(res.body, /\*/, 'no wildcard target anywhere')
  t.notMatch(res.body, /<script>|\sstyle="|<style/, 'no inline script or style')

  const js = await app.inject(script?.[1] ?? '')
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /javascript/)
  t.match(js.headers['cache-control'], /immutable/)
  t.match(js.body, /postMessage\(/)
  t.notMatch(js.body, /postMessage\([^)]*'\*'/, 'never posts to *')

  const plain = await app.inject('/c/embedded')
  t.notMatch(plain.body, /class="embed"|embed-frame|name="embed"/, 'no embed parts on the hosted page')
})

t.test('embed mode is framed by the listed origins only; without embedders it cannot be framed at all', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  for (const url of ['/c/embedded?embed=1', '/c/embedded/thanks?embed=1&to=0123']) {
    const res = await app.inject(url)
    t.match(res.headers['content-security-policy'], `frame-ancestors ${SHOP} ${BLOG};`, url)
    t.equal(res.headers['x-frame-options'], undefined, url)
  }
  const lonely = await app.inject('/c/lonely?embed=1')
  t.match(lonely.headers['content-security-policy'], /frame-ancestors 'none'/)
  t.equal(lonely.headers['x-frame-options'], 'DENY')
  t.equal(frameScript(lonely.body), null, 'nobody to post to: no script')
})

t.test('a refusal in the frame stays in embed mode, with the error next to its field', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject(formPost('/c/embedded', { phone: '646 555', embed: '1' }))
  t.equal(res.statusCode, 422)
  t.match(res.body, /<body class="embed">/)
  t.match(res.body, /<input type="hidden" name="embed" value="1">/)
  t.match(res.body, /id="phone-error" role="alert"/)
  t.ok(frameScript(res.body))
})

t.test('refusals answered before or instead of the form (403, 415, 429) stay in the frame: no chrome, the height script, a way back', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const framed = (await app.inject('/c/busy?embed=1')).body
  t.match(framed, /<form method="post" action="\/c\/busy\?embed=1" novalidate>/, 'the action says embed too: a 429 is answered before the body is read')
  const spanish = (await app.inject('/c/bilingual?embed=1&lang=es')).body
  t.match(spanish, /action="\/c\/bilingual\?embed=1&amp;lang=es"/, 'and the language, for those answers\' wording')

  const inFrame = (res: { statusCode: number, body: string, headers: Record<string, unknown> }, status: number, slug: string, label: string) => {
    t.equal(res.statusCode, status, label)
    t.match(res.body, /<body class="embed">/, `${label}: no page chrome`)
    t.match(frameScript(res.body)?.[2], ` data-origins="${SHOP}`, `${label}: the frame script sends the height`)
    t.match(res.body, new RegExp(`<a href="/c/${slug}\\?embed=1(&amp;lang=\\w+)?">`), `${label}: back to the form, in the frame`)
    t.match(res.headers['content-security-policy'], `frame-ancestors ${SHOP}`, `${label}: may be framed`)
  }
  const post = (url: string, headers: Record<string, string> = {}, payload = 'phone=6465550130&consent=yes&embed=1') =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload })

  await post('/c/busy?embed=1')
  const tooMany = await post('/c/busy?embed=1')
  inFrame(tooMany, 429, 'busy', '429')
  t.match(tooMany.body, /Please wait a minute/)

  inFrame(await post('/c/embedded?embed=1', { 'content-type': 'text/plain' }, 'hello'), 415, 'embedded', '415')
  inFrame(await post('/c/embedded', { origin: 'https://evil.example' }), 403, 'embedded', '403 (embed mode from the hidden field)')
  const es = await post('/c/bilingual?embed=1&lang=es', { 'content-type': 'text/plain' }, 'hola')
  inFrame(es, 415, 'bilingual', '415 in Spanish')
  t.match(es.body, /<a href="\/c\/bilingual\?embed=1&amp;lang=es">Volver al formulario<\/a>/)

  const hosted = await post('/c/embedded', { origin: 'https://evil.example' }, 'phone=6465550130&consent=yes')
  t.equal(hosted.statusCode, 403)
  t.notMatch(hosted.body, /class="embed"|embed-frame/, 'not framed: the usual page')
  t.match(hosted.body, /<a href="\/c\/embedded">Back to the form<\/a>/)
  const elsewhere = await app.inject({ method: 'POST', url: '/api/v1/campaigns/embedded/signups?embed=1', headers: { 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(elsewhere.statusCode, 415)
  t.match(elsewhere.json(), { errors: [{ field: 'request' }] }, 'the API still answers JSON')
})

t.test('a signup in the frame lands on the embedded thank-you page, which tells the parent', async t => {
  const { app, standIn } = await buildTestApp(t, { campaigns })
  const res = await app.inject({ ...formPost('/c/embedded', { phone: '(646) 555-0123', consent: 'yes', embed: '1' }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' } })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/c/embedded/thanks?to=0123&embed=1')
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1, 'the opt-in call was made')

  const thanks = await app.inject(res.headers.location ?? '')
  t.match(thanks.body, /<body class="embed">/)
  t.match(thanks.body, /Check your phone/)
  t.match(frameScript(thanks.body)?.[2], / data-signed-up/)
  t.match(thanks.body, /href="\/c\/embedded\?embed=1">Check your number and try again/, 'trying again stays in the frame')
})

t.test('the success redirect leaves the frame: handed to the parent, and a target=_top link', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject(formPost('/c/redirecting', { phone: '(646) 555-0124', consent: 'yes', embed: '1' }))
  t.equal(res.headers.location, '/c/redirecting/thanks?to=0124&embed=1', 'not the marketer\'s page inside our frame')
  const thanks = await app.inject(res.headers.location ?? '')
  t.match(frameScript(thanks.body)?.[2], / data-signed-up data-redirect="https:\/\/example.com\/welcome"/)
  t.match(thanks.body, /<a href="https:\/\/example.com\/welcome" target="_top">Continue<\/a>/)

  const hosted = await app.inject(formPost('/c/redirecting', { phone: '(646) 555-0125', consent: 'yes' }))
  t.equal(hosted.headers.location, 'https://example.com/welcome', 'the hosted page still redirects straight away')
})

t.test('sandbox mode still says so in the frame', async t => {
  const { app } = await buildTestApp(t, { campaigns, sandbox: true })
  for (const url of ['/c/embedded?embed=1', '/c/embedded/thanks?embed=1']) {
    t.match((await app.inject(url)).body, /Sandbox mode:<\/strong> no text message is sent/, url)
  }
})

t.test('only embed=1 turns embed mode on', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  for (const value of ['0', 'true', '<script>', '']) {
    const res = await app.inject(`/c/embedded?embed=${encodeURIComponent(value)}`)
    t.equal(res.statusCode, 200)
    t.notMatch(res.body, /class="embed"/, value)
  }
})

t.test('/embed.js: JavaScript for other sites\' pages, short cache with ETag revalidation', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject('/embed.js')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(res.headers['cache-control'], 'public, max-age=300')
  t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', 'loadable by a <script> on another site')
  t.match(res.headers.etag, /^"[0-9a-f]{10}"$/)
  t.ok(res.body.length < 16_000, `${res.body.length} bytes`)
  t.match(res.body, /event\.origin !== base/, 'height messages are checked for our origin')
  t.notMatch(res.body, /innerHTML|eval\(/, 'no HTML from data, no eval')
  t.notMatch(res.body, /'(Country|Mobile number|Terms|Privacy|Leave this empty)'|Sent to the number|to confirm|could not (sign|reach)/,
    'no visitor-facing wording of its own: the labels come from …/form in the visitor\'s language')

  const again = await app.inject({ url: '/embed.js', headers: { 'if-none-match': String(res.headers.etag) } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  const gz = await app.inject({ url: '/embed.js', headers: { 'accept-encoding': 'br, gzip' } })
  t.ok(gz.headers['content-encoding'], 'compressed on the wire')
})

t.test('the form texts endpoint: what /embed.js needs, CORS for the listed origins only', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject({ url: '/api/v1/campaigns/world/form', headers: { origin: SHOP } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['access-control-allow-origin'], SHOP)
  t.equal(res.headers['cache-control'], 'no-store', 'it carries a form token')
  const body = res.json()
  t.match(body, {
    campaign: 'world',
    name: "Joe's Coffee Club",
    headline: "Get texts from Joe's Coffee Club",
    consentText: /^Yes, I want to receive recurring automated marketing text messages/,
    disclosure: /Msg & data rates may apply\. Reply HELP for help, STOP to cancel\. Consent is not a condition of purchase\./,
    termsUrl: 'https://example.com/terms',
    privacyUrl: 'https://example.com/privacy',
    country: 'US',
    countries: [{ code: 'US', name: 'United States', callingCode: '1' }, { code: 'CA', name: 'Canada', callingCode: '1' }],
    formToken: /^\S{20,}$/,
    minSubmitSeconds: 3,
    captcha: false,
    pageUrl: '/c/world',
    stylesheets: [/^\/embed\/form-[0-9a-f]{10}\.css$/]
  })

  const evil = await app.inject({ url: '/api/v1/campaigns/world/form', headers: { origin: 'https://evil.example' } })
  t.equal(evil.headers['access-control-allow-origin'], undefined, 'not for an unlisted origin')
  const lonely = await app.inject({ url: '/api/v1/campaigns/lonely/form', headers: { origin: SHOP } })
  t.equal(lonely.headers['access-control-allow-origin'], undefined, 'not for another campaign\'s embedder')
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/v1/campaigns/world/form', headers: { origin: SHOP, 'access-control-request-method': 'GET' } })
  t.equal(preflight.headers['access-control-allow-origin'], SHOP)

  const missing = await app.inject('/api/v1/campaigns/nope/form')
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { errors: [{ field: 'campaign' }] })
  t.equal((await app.inject('/api/v1/campaigns/guarded/form')).json().captcha, true, 'a CAPTCHA campaign tells the script to use the iframe')

  // The token it hands out is one the signup API accepts.
  const signup = await app.inject({
    method: 'POST',
    url: '/api/v1/campaigns/world/signups',
    headers: { 'content-type': 'application/json', origin: SHOP },
    payload: { phone: '(646) 555-0126', consent: true, formToken: body.formToken }
  })
  t.equal(signup.statusCode, 202, 'a token straight from the endpoint is young, so held but answered like a success')
})

t.test('the embed stylesheet is long-cached and loadable from other sites', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const [path] = (await app.inject('/api/v1/campaigns/embedded/form')).json().stylesheets as string[]
  const css = await app.inject(path ?? '')
  t.equal(css.statusCode, 200)
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8')
  t.match(css.headers['cache-control'], /max-age=31536000, immutable/)
  t.equal(css.headers['cross-origin-resource-policy'], 'cross-origin')
  t.match(css.body, /^\/\*/)
  t.notMatch(css.body, /(^|\})\s*(:root|body|html|button|input)\b/, 'every rule scoped to .optline')
  t.equal((await app.inject('/embed/form-0000000000.css')).statusCode, 404, 'an unknown name is a 404')
})

t.test('the form texts endpoint is in the OpenAPI description', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const doc = (await app.inject('/api/openapi.json')).json()
  const op = doc.paths['/api/v1/campaigns/{campaign}/form']?.get
  t.ok(op, 'documented')
  t.ok(op.responses['200'].content['application/json'].schema.properties.formToken)
})
