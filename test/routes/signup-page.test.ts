// The hosted page as a visitor meets it: the form, a signup, every refusal next to its field.
import t from 'tap'
import { buildTestApp, formPost, TEST_TOKEN } from '../helper.ts'

t.test('the form page has everything a visitor and a carrier need', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/c/summer')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  const html = res.body
  t.match(html, /<h1>Get texts from Joe&#39;s Coffee Club<\/h1>/)
  t.match(html, /<label for="phone">Mobile number<\/label>/)
  t.match(html, /<input id="phone" name="phone" type="tel" autocomplete="tel" inputmode="tel"/)
  t.match(html, /<input id="consent" name="consent" type="checkbox" value="yes" required aria-describedby="disclosure">/, 'consent box unticked')
  t.notMatch(html, /<select/, 'one country: no country list')
  const disclosure = /<p class="disclosure" id="disclosure">(.*?)<\/p>/s.exec(html)?.[1] ?? ''
  for (const needed of ['Joe&#39;s Coffee Club', 'Up to 4 msgs/month', 'Msg &amp; data rates may apply', 'Reply HELP for help, STOP to cancel', 'Consent is not a condition of purchase']) {
    t.ok(disclosure.includes(needed), `disclosure says ${needed}`)
  }
  t.match(disclosure, /<a href="https:\/\/example.com\/terms">Terms<\/a>/)
  t.match(disclosure, /<a href="https:\/\/example.com\/privacy">Privacy<\/a>/)
  t.notMatch(html, /Sandbox mode/, 'no sandbox banner when live')
  t.notMatch(html, /<(script|link|img)[^>]+(src|href)="(https?:)?\/\//, 'no request to another origin')
  t.match(html, /<link rel="stylesheet" href="\/assets\/optline\.css\?v=[0-9a-f]{10}">/)
})

t.test('the stylesheet is served with a year of cache', async t => {
  const { app } = await buildTestApp(t)
  const page = await app.inject('/c/summer')
  const href = /href="(\/assets\/optline\.css\?v=[0-9a-f]+)"/.exec(page.body)?.[1] ?? ''
  const css = await app.inject(href)
  t.equal(css.statusCode, 200)
  t.match(css.headers['cache-control'], /max-age=31536000/)
  t.match(css.headers['cache-control'], /immutable/)
})

t.test('a campaign with several countries offers a native country list', async t => {
  const { app } = await buildTestApp(t)
  const html = (await app.inject('/c/world')).body
  t.match(html, /<label for="country">Country<\/label>\n<select id="country" name="country" autocomplete="country">/)
  t.match(html, /<option value="US" selected>United States \(\+1\)<\/option>/)
  t.match(html, /<option value="GB">United Kingdom \(\+44\)<\/option>/)
  t.match(html, /<option value="MX">Mexico \(\+52\)<\/option>/)
})

t.test('sandbox mode says so on every page', async t => {
  const { app } = await buildTestApp(t, { sandbox: true })
  for (const url of ['/c/summer', '/c/summer/thanks', '/c/unknown', '/nothing-here']) {
    t.match((await app.inject(url)).body, /Sandbox mode:<\/strong> no text message is sent/, url)
  }
})

t.test('a signup reaches ProTexting exactly as documented and lands on the thank-you page', async t => {
  const { app, standIn } = await buildTestApp(t)
  const res = await app.inject(formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes' }))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/c/summer/thanks?to=0123')

  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 1)
  const call = standIn.calls[0]!
  t.equal(call.path, '/v1/contacts-opt-in/create')
  t.equal(call.token, 'valid')
  t.equal(call.headers['content-type'], 'application/json')
  t.equal(call.headers.accept, 'application/json')
  t.same(call.body, {
    PhoneNumber: '16465550123',
    GroupIds: [12, 15],
    CTAMessage: "Joe's Coffee Club: reply YES for up to 4 msgs/month. Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
    ConfirmMessage: "Welcome to Joe's Coffee Club! Msg & data rates may apply. Reply HELP for help, STOP to cancel."
  }, 'no SendCTAMessage: an opted-in contact gets no second CTA')
  t.equal(call.status, 201)

  const thanks = await app.inject(res.headers.location as string)
  t.equal(thanks.statusCode, 200)
  t.match(thanks.body, /<h1>Check your phone<\/h1>/)
  t.match(thanks.body, /Reply <strong>YES<\/strong> to confirm/)
  t.match(thanks.body, /ending in <strong>0123<\/strong>/)
})

t.test('the thank-you page shows four digits at most, whatever the URL says', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/c/summer/thanks?to=<b>6465550123</b>')
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /ending in/)
  t.notMatch(res.body, /6465550123/)
})

t.test('sendCtaMessage: always and a redirect after success', async t => {
  const { app, standIn } = await buildTestApp(t)
  const res = await app.inject(formPost('/c/always', { phone: '+1 646 555 0123', consent: 'yes' }))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, 'https://example.com/welcome')
  await app.dispatcher.settled()
  t.equal((standIn.calls[0]?.body as { SendCTAMessage?: number }).SendCTAMessage, 1)
})

t.test('a visitor on a multi-country campaign signs up with the country they chose', async t => {
  const { app, standIn } = await buildTestApp(t)
  const res = await app.inject(formPost('/c/world', { country: 'GB', phone: '07400 123456', consent: 'yes' }))
  t.equal(res.statusCode, 303)
  await app.dispatcher.settled()
  t.match(standIn.calls[0]?.body, { PhoneNumber: '447400123456', GroupIds: [7] })
})

const refusals: Array<[string, string, Record<string, string>, string, RegExp]> = [
  ['missing consent', 'summer', { phone: '(646) 555-0123' }, 'consent', /Please tick the box to agree to receive text messages\./],
  ['empty number', 'summer', { phone: '', consent: 'yes' }, 'phone', /Please enter your mobile number\./],
  ['letters', 'summer', { phone: 'call me maybe', consent: 'yes' }, 'phone', /doesn&#39;t look like a phone number/],
  ['too short', 'summer', { phone: '646 55', consent: 'yes' }, 'phone', /too short/],
  ['too long', 'summer', { phone: '646 555 0123 4567 89', consent: 'yes' }, 'phone', /too long/],
  ['not a valid number', 'summer', { phone: '(646) 123-4567', consent: 'yes' }, 'phone', /isn&#39;t a valid phone number/],
  ['toll free', 'summer', { phone: '1-800-555-0199', consent: 'yes' }, 'phone', /toll-free/],
  ['country not allowed', 'summer', { phone: '+44 7400 123456', consent: 'yes' }, 'phone', /one country only: United States/],
  ['UK landline', 'world', { country: 'GB', phone: '020 7946 0018', consent: 'yes' }, 'phone', /landline/],
  ['UK premium rate', 'world', { country: 'GB', phone: '0909 879 0000', consent: 'yes' }, 'phone', /premium-rate/],
  ['country not in the list', 'world', { country: 'FR', phone: '06 12 34 56 78', consent: 'yes' }, 'country', /choose your country from the list/]
]

for (const [name, slug, fields, field, message] of refusals) {
  t.test(`refused: ${name}`, async t => {
    const { app, standIn } = await buildTestApp(t)
    const res = await app.inject(formPost(`/c/${slug}`, fields))
    t.equal(res.statusCode, 422)
    const error = new RegExp(`<p class="error" id="${field}-error" role="alert">([^<]*)</p>`).exec(res.body)
    t.ok(error, 'the error sits next to its field, announced')
    t.match(error?.[1] ?? '', message)
    t.match(res.body, new RegExp(`id="${field}"[^>]*aria-describedby="[^"]*${field}-error"`), 'tied to the field')
    t.match(res.body, new RegExp(`id="${field}"[^>]*aria-invalid="true"[^>]*autofocus`), 'focus goes to the field')
    if (fields.phone !== undefined && fields.phone !== '') {
      t.ok(res.body.includes(`value="${fields.phone}"`), 'the typed value is kept')
    }
    t.equal(standIn.calls.length, 0, 'nothing reached ProTexting')
  })
}

t.test('consent missing and a bad number are both reported at once', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(formPost('/c/summer', { phone: '12' }))
  t.equal(res.statusCode, 422)
  t.match(res.body, /id="phone-error"/)
  t.match(res.body, /id="consent-error"/)
  t.match(res.body, /id="phone"[^>]*autofocus/, 'focus on the first field to fix')
})

t.test('whatever the visitor typed comes back escaped', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(formPost('/c/summer', { phone: '"><script>alert(1)</script>', consent: 'yes' }))
  t.equal(res.statusCode, 422)
  t.notMatch(res.body, /<script>alert/)
  t.match(res.body, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/)
})

t.test('an unknown campaign is a helpful 404', async t => {
  const { app, standIn } = await buildTestApp(t)
  for (const req of [{ url: '/c/nope' }, formPost('/c/nope', { phone: '6465550123', consent: 'yes' }), { url: '/c/nope/thanks' }]) {
    const res = await app.inject(req)
    t.equal(res.statusCode, 404)
    t.match(res.body, /<h1>This signup page does not exist<\/h1>/)
    t.match(res.body, /mistyped/)
  }
  t.equal(standIn.calls.length, 0)
})

t.test('the token never reaches the visitor', async t => {
  const { app } = await buildTestApp(t)
  for (const res of [await app.inject('/c/summer'), await app.inject(formPost('/c/summer', { phone: '6465550123', consent: 'yes' }))]) {
    t.notOk(res.body.includes(TEST_TOKEN))
    t.notOk(JSON.stringify(res.headers).includes(TEST_TOKEN))
  }
})

t.test('pages and the stylesheet are compressed for browsers that ask', async t => {
  const { app } = await buildTestApp(t)
  const page = await app.inject({ url: '/c/world', headers: { 'accept-encoding': 'br, gzip' } })
  t.equal(page.headers['content-encoding'], 'br')
  const href = /href="(\/assets\/optline\.css\?v=[0-9a-f]+)"/.exec((await app.inject('/c/world')).body)?.[1] ?? ''
  const css = await app.inject({ url: href, headers: { 'accept-encoding': 'gzip' } })
  t.equal(css.headers['content-encoding'], 'gzip')
  t.ok(css.rawPayload.length < 1500, `the stylesheet shrinks (${css.rawPayload.length} bytes)`)
})
