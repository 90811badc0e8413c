// Languages as a visitor and an embedder meet them: which language is chosen, and that the choice carries through
// the form post, the thank-you page, the refusals, the SMS sent and the consent record.
import t from 'tap'
import { buildTestApp, formPost, formTokenFor, testCampaigns, usCampaign } from '../helper.ts'

const SPANISH_CTA = "Joe's Coffee Club: responde YES para recibir hasta 4 mensajes/mes. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar."
const SPANISH_CONFIRM = "¡Te damos la bienvenida a Joe's Coffee Club! Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar."

const campaigns = {
  ...testCampaigns,
  // English first, Spanish offered: the page texts not given fall back to src/i18n/locales/es.ts.
  amigos: {
    ...usCampaign,
    groupIds: [21],
    allowedCountries: ['US', 'MX'],
    languages: ['en', 'es'],
    translations: { es: { frequency: 'Hasta 4 mensajes al mes', ctaMessage: SPANISH_CTA, confirmMessage: SPANISH_CONFIRM } }
  },
  // A Spanish-first campaign: its top-level texts are Spanish, English is the translation.
  hola: {
    ...usCampaign,
    ctaMessage: SPANISH_CTA,
    confirmMessage: SPANISH_CONFIRM,
    frequency: 'Hasta 4 mensajes al mes',
    language: 'es',
    languages: ['es', 'en'],
    translations: { en: { frequency: 'Up to 4 msgs/month', ctaMessage: usCampaign.ctaMessage, confirmMessage: usCampaign.confirmMessage } }
  }
}

const htmlLang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1]
const h1 = (html: string) => /<h1>([^<]*)<\/h1>/.exec(html)?.[1]

t.test('the language: ?lang= first, then Accept-Language, then the campaign\'s own; only offered ones', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const cases: Array<[string, string | undefined, string]> = [
    ['/c/amigos', undefined, 'en'],
    ['/c/amigos', 'es-MX,es;q=0.9,en;q=0.5', 'es'],
    ['/c/amigos', 'fr-FR, es;q=0.4', 'es'],
    ['/c/amigos', 'fr, de', 'en'],
    ['/c/amigos', '*', 'en'],
    ['/c/amigos?lang=es', undefined, 'es'],
    ['/c/amigos?lang=en', 'es', 'en'],
    ['/c/amigos?lang=ES-us', undefined, 'es'],
    ['/c/amigos?lang=fr', 'es', 'es'],
    ['/c/amigos?lang=fr', undefined, 'en'],
    ['/c/hola', undefined, 'es'],
    ['/c/hola', '*', 'es'],
    ['/c/hola', 'en-GB', 'en'],
    ['/c/summer?lang=es', 'es', 'en']
  ]
  for (const [url, acceptLanguage, expected] of cases) {
    const res = await app.inject({ url, headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } })
    const label = `${url} with Accept-Language ${acceptLanguage ?? '(none)'}`
    t.equal(res.statusCode, 200, label)
    t.equal(htmlLang(res.body), expected, `${label}: <html lang="${expected}">`)
    t.equal(res.headers['content-language'], expected, `${label}: Content-Language`)
  }
})

t.test('a Spanish page: every text in Spanish, countries named in Spanish, the disclosure complete', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const html = (await app.inject('/c/amigos?lang=es')).body
  t.equal(h1(html), 'Recibe mensajes de texto de Joe&#39;s Coffee Club')
  t.match(html, /<title>Joe&#39;s Coffee Club: alertas por mensaje de texto<\/title>/)
  t.match(html, /<label for="country">País<\/label>/)
  t.match(html, /<option value="MX">México \(\+52\)<\/option>/)
  t.match(html, /<label for="phone">Número de celular<\/label>/)
  t.match(html, /<p class="hint" id="phone-hint">Elige tu país y luego escribe tu número\.<\/p>/)
  t.match(html, /<label for="consent">Sí, quiero recibir mensajes de texto/)
  t.match(html, /<button type="submit">Registrarme<\/button>/)
  const disclosure = /<p class="disclosure" id="disclosure">(.*?)<\/p>/s.exec(html)?.[1] ?? ''
  for (const needed of ['Joe&#39;s Coffee Club', 'Hasta 4 mensajes al mes', 'Pueden aplicarse tarifas de mensajes y datos',
    'Responde HELP para obtener ayuda o STOP para cancelar', 'El consentimiento no es una condición de compra']) {
    t.ok(disclosure.includes(needed), `disclosure says ${needed}`)
  }
  t.match(disclosure, /<a href="https:\/\/example.com\/terms">Términos<\/a> &middot; <a href="https:\/\/example.com\/privacy">Privacidad<\/a>/)
  t.notMatch(html, /Mobile number|Sign up<|Country</, 'no English left')
})

t.test('several languages: an accessible switcher of plain links that keeps the source tag', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const html = (await app.inject('/c/amigos?src=poster-lobby')).body
  const nav = /<nav class="langs" aria-label="Language">(.*?)<\/nav>/.exec(html)?.[1] ?? ''
  t.match(nav, /<span lang="en" aria-current="true">English<\/span>/)
  t.match(nav, /<a href="\/c\/amigos\?lang=es&amp;src=poster-lobby" hreflang="es" lang="es">Español<\/a>/)
  const spanish = (await app.inject('/c/amigos?lang=es')).body
  t.match(spanish, /<nav class="langs" aria-label="Idioma"><a href="\/c\/amigos\?lang=en" hreflang="en" lang="en">English<\/a><span lang="es" aria-current="true">Español<\/span><\/nav>/)
  const single = (await app.inject({ url: '/c/summer', headers: { 'accept-language': 'es' } })).body
  t.notMatch(single, /class="langs"/, 'one language: no switcher')
  t.notMatch(single, /name="lang"/, 'one language: no hidden field')
})

t.test('the choice survives the form post (hidden field) and the 303 to a Spanish thank-you page', async t => {
  const { app, standIn } = await buildTestApp(t, { campaigns })
  const form = (await app.inject('/c/amigos?lang=es')).body
  t.match(form, /<input type="hidden" name="lang" value="es">/)
  // No Accept-Language on the post: the hidden field alone carries the choice.
  const res = await app.inject(formPost('/c/amigos', { lang: 'es', phone: '(646) 555-0123', consent: 'yes' }))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/c/amigos/thanks?to=0123&lang=es')
  const thanks = await app.inject(res.headers.location as string)
  t.equal(htmlLang(thanks.body), 'es')
  t.equal(h1(thanks.body), 'Revisa tu teléfono')
  t.match(thanks.body, /<title>Revisa tu teléfono · Joe&#39;s Coffee Club<\/title>/)
  t.match(thanks.body, /Enviado al número que termina en <strong>0123<\/strong>\./)
  t.match(thanks.body, /<li>Abre el mensaje de texto de Joe&#39;s Coffee Club en tu teléfono\.<\/li>/)
  t.match(thanks.body, /<li>Responde <strong>YES<\/strong> para confirmar\.<\/li>/)
  t.match(thanks.body, /<a href="\/c\/amigos\?lang=es">Revisa tu número e inténtalo de nuevo<\/a>\. Responde STOP en cualquier momento para cancelar\./)

  // The SMS frozen with the signup, and so sent, are the Spanish ones.
  await app.dispatcher.settled()
  t.same(standIn.calls[0]?.body, { PhoneNumber: '16465550123', GroupIds: [21], CTAMessage: SPANISH_CTA, ConfirmMessage: SPANISH_CONFIRM })
})

t.test('refusals in Spanish, next to their field, the typed value and the language kept', async t => {
  const { app, standIn } = await buildTestApp(t, { campaigns })
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ phone: '646 555' }, 'phone', /^Ese número es demasiado corto\. Revisa que hayas escrito todos los dígitos/],
    [{ phone: '+44 7400 123456', consent: 'yes' }, 'phone', /^Este registro solo acepta números de celular de estos países: Estados Unidos y México\./],
    [{ phone: '1-800-555-0199', consent: 'yes' }, 'phone', /y ese parece ser un número gratuito \(800\)\./],
    [{ country: 'FR', phone: '06 12 34 56 78', consent: 'yes' }, 'country', /^Elige tu país de la lista: Estados Unidos y México\.$/],
    [{ phone: '(646) 555-0123' }, 'consent', /^Marca la casilla para aceptar recibir mensajes de texto\.$/]
  ]
  for (const [fields, field, message] of cases) {
    const res = await app.inject(formPost('/c/amigos', { lang: 'es', ...fields }))
    t.equal(res.statusCode, 422)
    t.equal(htmlLang(res.body), 'es', 'the form comes back in Spanish')
    t.match(res.body, /<input type="hidden" name="lang" value="es">/, 'and keeps the language for the next try')
    const error = new RegExp(`<p class="error" id="${field}-error" role="alert">([^<]*)</p>`).exec(res.body)?.[1] ?? ''
    t.match(error, message, `${field}: ${error}`)
    t.match(res.body, new RegExp(`id="${field}"[^>]*aria-describedby="[^"]*${field}-error"`), 'tied to the field')
    if (fields.phone !== undefined) t.ok(res.body.includes(`value="${fields.phone}"`), 'the typed value is kept')
  }
  const expired = await app.inject(formPost('/c/amigos', { lang: 'es', formToken: 'forged', phone: '(646) 555-0123', consent: 'yes' }))
  t.match(expired.body, /<p class="error form-error" id="form-error" role="alert">Vuelve a enviar el formulario desde su página\.<\/p>/)
  t.equal(standIn.calls.length, 0, 'nothing reached ProTexting')
})

t.test('each language\'s consent wording is its own saved disclosure version; a signup records the one it saw', async t => {
  const { app, store } = await buildTestApp(t, { campaigns, dispatch: false })
  t.equal((await app.inject(formPost('/c/amigos', { phone: '(646) 555-0123', consent: 'yes' }))).statusCode, 303)
  t.equal((await app.inject(formPost('/c/amigos', { lang: 'es', phone: '(646) 555-0124', consent: 'yes' }))).statusCode, 303)
  const english = (await store.signupDetail(1))?.consent
  const spanish = (await store.signupDetail(2))?.consent
  t.match(english?.disclosureVersion, /^[0-9a-f]{16}$/)
  t.match(spanish?.disclosureVersion, /^[0-9a-f]{16}$/)
  t.not(english?.disclosureVersion, spanish?.disclosureVersion, 'two versions')
  // The text comes from the disclosures table, saved at start-up for every offered language.
  t.match(english?.disclosureText, /^Language: en\nCheckbox: Yes, I want to receive .*\nDisclosure: By signing up you agree .*Msg & data rates may apply/)
  t.match(spanish?.disclosureText, /^Language: es\nCheckbox: Sí, quiero recibir .*\nDisclosure: Al registrarte, aceptas .*Hasta 4 mensajes al mes\. Pueden aplicarse tarifas de mensajes y datos\./)
  t.match(spanish?.disclosureText, /\nTerms: https:\/\/example\.com\/terms\nPrivacy: https:\/\/example\.com\/privacy$/)
})

t.test('the JSON API: `lang` in the body, else Accept-Language; refusals and the answer in that language', async t => {
  const { app, standIn } = await buildTestApp(t, { campaigns })
  const post = (payload: Record<string, unknown>, headers: Record<string, string> = {}) => app.inject({
    method: 'POST',
    url: '/api/v1/campaigns/amigos/signups',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ formToken: formTokenFor('amigos'), ...payload })
  })
  const byBody = await post({ lang: 'es', phone: '646 555', consent: false })
  t.equal(byBody.statusCode, 422)
  t.equal(byBody.headers['content-language'], 'es')
  t.same(byBody.json().errors.map((e: { field: string }) => e.field), ['phone', 'consent'])
  t.match(byBody.json().errors[0].message, /^Ese número es demasiado corto\./)
  t.equal(byBody.json().errors[1].message, 'Marca la casilla para aceptar recibir mensajes de texto.')

  const byHeader = await post({ phone: '', consent: true }, { 'accept-language': 'es-US,es;q=0.9' })
  t.same(byHeader.json(), { errors: [{ field: 'phone', message: 'Escribe tu número de celular.', code: 'empty' }] })
  const bodyWins = await post({ lang: 'en', phone: '', consent: true }, { 'accept-language': 'es' })
  t.same(bodyWins.json(), { errors: [{ field: 'phone', message: 'Please enter your mobile number.', code: 'empty' }] })
  const unoffered = await post({ lang: 'fr', phone: '', consent: true })
  t.same(unoffered.json(), { errors: [{ field: 'phone', message: 'Please enter your mobile number.', code: 'empty' }] }, 'an unoffered lang is ignored')

  const accepted = await post({ lang: 'es', phone: '(646) 555-0125', consent: true })
  t.equal(accepted.statusCode, 202)
  t.same(accepted.json(), { status: 'accepted', message: 'Revisa tu teléfono: te enviamos un mensaje de texto. Responde YES para confirmar.', last4: '0125', lang: 'es' })
  await app.dispatcher.settled()
  t.match(standIn.calls[0]?.body, { PhoneNumber: '16465550125', CTAMessage: SPANISH_CTA, ConfirmMessage: SPANISH_CONFIRM })

  const missing = await app.inject({ method: 'POST', url: '/api/v1/campaigns/nope/signups', headers: { 'content-type': 'application/json', 'accept-language': 'es' }, payload: '{}' })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { errors: [{ field: 'campaign', message: /^Esta página de registro no existe\./ }] })
})

t.test('the embedders\' form texts come in the visitor\'s language, and name it', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const res = await app.inject({ url: '/api/v1/campaigns/amigos/form', headers: { 'accept-language': 'es-419' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-language'], 'es')
  t.match(res.json(), { lang: 'es', buttonText: 'Registrarme', disclosure: /^Al registrarte, aceptas/, countries: [{ code: 'US', name: 'Estados Unidos' }, { code: 'MX', name: 'México' }] })
  t.match((await app.inject('/api/v1/campaigns/amigos/form?lang=en')).json(), { lang: 'en', buttonText: 'Sign up' })
})

t.test('the form texts carry the form\'s own wording in that language, so /embed.js shows no English of its own', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const spanish = (await app.inject('/api/v1/campaigns/amigos/form?lang=es')).json()
  t.same(spanish.labels, {
    country: 'País',
    mobileNumber: 'Número de celular',
    honeypot: 'Deja este campo vacío',
    terms: 'Términos',
    privacy: 'Privacidad',
    sentTo: ['Enviado al número que termina en ', '.'],
    openText: "Abre el mensaje de texto de Joe's Coffee Club en tu teléfono.",
    replyYes: ['Responde ', ' para confirmar.'],
    stopAnyTime: 'Responde STOP en cualquier momento para cancelar.',
    unavailable: 'No pudimos registrarte en este momento. Inténtalo de nuevo en unos minutos.',
    unreachable: 'No pudimos conectar con el servicio de registro. Revisa tu conexión e inténtalo de nuevo.'
  })
  const english = (await app.inject('/api/v1/campaigns/amigos/form')).json()
  t.match(english.labels, { country: 'Country', mobileNumber: 'Mobile number', terms: 'Terms', openText: "Open the text from Joe's Coffee Club on your phone.", replyYes: ['Reply ', ' to confirm.'] })
  // A language the campaign does not offer is not an error: the visitor's browser decides, then the campaign.
  const french = await app.inject({ url: '/api/v1/campaigns/amigos/form?lang=fr', headers: { 'accept-language': 'es-MX,es;q=0.9' } })
  t.equal(french.statusCode, 200)
  t.match(french.json(), { lang: 'es', labels: { country: 'País' } })
  const oneLanguage = (await app.inject('/api/v1/campaigns/summer/form?lang=es')).json()
  t.match(oneLanguage, { lang: 'en', labels: { mobileNumber: 'Mobile number' } }, 'an English-only campaign stays English')
  for (const odd of ['%3Cscript%3E', 'x'.repeat(100), 'es&lang=en']) {
    t.equal((await app.inject(`/api/v1/campaigns/amigos/form?lang=${odd}`)).statusCode, 200, `?lang=${odd.slice(0, 20)}: ignored, not an error`)
  }
})

t.test('404 and error pages speak the browser\'s language too', async t => {
  const { app } = await buildTestApp(t, { campaigns })
  const missing = await app.inject({ url: '/c/nope', headers: { 'accept-language': 'es' } })
  t.equal(missing.statusCode, 404)
  t.equal(htmlLang(missing.body), 'es')
  t.equal(h1(missing.body), 'Esta página de registro no existe')
  t.match(missing.body, /Si escaneaste un código/)
  const english = await app.inject('/no/such/page')
  t.equal(h1(english.body), 'Page not found')
  const wrongType = await app.inject({ method: 'POST', url: '/c/amigos?lang=es', headers: { 'content-type': 'text/plain' }, payload: 'hola' })
  t.equal(wrongType.statusCode, 415)
  t.equal(htmlLang(wrongType.body), 'es')
  t.match(wrongType.body, /<p>Esta dirección no acepta ese tipo de contenido\.<\/p>/)
})
