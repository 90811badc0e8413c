// A campaign's languages in the campaigns file: defaults, per-language texts and SMS, carrier rules per language,
// and every mistake reported with its path.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { parseCampaigns, CampaignsFileError } from '../../src/campaigns/load.ts'
import { localeOf } from '../../src/campaigns/campaign-locale.ts'

const valid = {
  name: "Joe's Coffee Club",
  groupIds: [12],
  country: 'US',
  ctaMessage: '{name}: reply YES for offers, up to 4 msgs/month. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
  confirmMessage: "You're in, {name}! Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
  termsUrl: 'https://example.com/terms',
  privacyUrl: 'https://example.com/privacy'
}
const spanish = {
  ctaMessage: '{name}: responde YES para recibir ofertas. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.',
  confirmMessage: '¡Ya estás dentro, {name}! Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.'
}
const bilingual = { ...valid, languages: ['en', 'es'], translations: { es: spanish } }
const file = (campaigns: Record<string, unknown>) => stringify({ campaigns })

function problems (t: Test, campaign: Record<string, unknown>): string[] {
  try {
    parseCampaigns(file({ a: campaign }))
  } catch (err) {
    t.type(err, CampaignsFileError)
    return (err as CampaignsFileError).issues
  }
  t.fail('expected the file to be refused')
  return []
}

t.test('by default a campaign speaks English only', async t => {
  const a = parseCampaigns(file({ a: valid })).campaigns.get('a')!
  t.equal(a.language, 'en')
  t.same(a.languages, ['en'])
  t.same(Object.keys(a.locales), ['en'])
  t.equal(localeOf(a, 'es'), a.locales.en, 'an unoffered language gets the campaign\'s own')
  t.equal(localeOf(a, undefined).disclosureVersion, a.locales.en?.disclosureVersion)
})

t.test('a second language: its SMS from the file, its page texts from its language file unless set', async t => {
  const { campaigns, warnings } = parseCampaigns(file({ a: { ...bilingual, translations: { es: { ...spanish, headline: '¡Hola desde {name}!' } } } }))
  const a = campaigns.get('a')!
  t.same(a.languages, ['en', 'es'])
  const es = localeOf(a, 'es')
  t.equal(es.lang, 'es')
  t.equal(es.page.headline, "¡Hola desde Joe's Coffee Club!")
  t.equal(es.page.buttonText, 'Registrarme')
  t.equal(es.page.disclosure, "Al registrarte, aceptas recibir mensajes de texto de marketing automatizados y recurrentes de Joe's Coffee Club " +
    'en el número proporcionado. La frecuencia de los mensajes varía. Pueden aplicarse tarifas de mensajes y datos. ' +
    'Responde HELP para obtener ayuda o STOP para cancelar. El consentimiento no es una condición de compra.')
  t.match(es.ctaMessage, /^Joe's Coffee Club: responde YES/)
  t.not(es.disclosureVersion, localeOf(a, 'en').disclosureVersion, 'each language is its own disclosure version')
  t.match(es.disclosureText, /^Language: es\n/)
  t.same(warnings, [])
})

t.test('a campaign whose own language is Spanish', async t => {
  const a = parseCampaigns(file({ a: { ...valid, ...spanish, language: 'es' } })).campaigns.get('a')!
  t.same(a.languages, ['es'])
  t.equal(localeOf(a, undefined).page.consentText, "Sí, quiero recibir mensajes de texto de marketing automatizados y recurrentes de Joe's Coffee Club en este número.")
  t.equal(localeOf(a, undefined).frequency, 'La frecuencia de los mensajes varía')
})

t.test('language mistakes are listed by path', async t => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...valid, language: 'fr' }, /^campaigns\.a\.language: must be a language optline has: en, es$/],
    [{ ...bilingual, languages: ['en', 'xx'] }, /^campaigns\.a\.languages\[1\]: must be a language optline has: en, es$/],
    [{ ...bilingual, languages: ['en', 'es', 'es'] }, /^campaigns\.a\.languages: must be a list of distinct language codes/],
    [{ ...bilingual, languages: ['es'] }, /^campaigns\.a\.languages: must include the campaign's language \(en\)/],
    [{ ...valid, languages: ['en', 'es'] }, /^campaigns\.a\.translations\.es\.ctaMessage: is required: visitors who sign up in Español \(es\) get this SMS in es$/],
    [{ ...valid, languages: ['en', 'es'], translations: { es: { ctaMessage: spanish.ctaMessage } } }, /^campaigns\.a\.translations\.es\.confirmMessage: is required/],
    [{ ...bilingual, frequency: 'Up to 4 msgs/month' }, /^campaigns\.a\.translations\.es\.frequency: is required when frequency is set \("Up to 4 msgs\/month"\)/],
    [{ ...bilingual, translations: { es: spanish, fr: spanish } }, /^campaigns\.a\.translations\.fr: fr is not a language optline has \(en, es\)$/],
    [{ ...bilingual, translations: { es: spanish, en: spanish } }, /^campaigns\.a\.translations\.en: en is the campaign's own language: put these texts at the top level$/],
    [{ ...valid, translations: { es: spanish } }, /^campaigns\.a\.translations\.es: the campaign does not offer es: add it to languages, or remove these texts$/],
    [{ ...bilingual, translations: { es: { ...spanish, colour: 'rojo' } } }, /^campaigns\.a\.translations\.es\.colour: is not a known setting$/],
    [{ ...bilingual, translations: { es: { ...spanish, buttonText: '' } } }, /^campaigns\.a\.translations\.es\.buttonText: must be text of 1 to 40 characters$/],
    [{ ...bilingual, translations: { es: { ...spanish, intro: 'Hola {firstName}' } } }, /^campaigns\.a\.translations\.es\.intro: unknown variable \{firstName\}/],
    [{ ...bilingual, translations: 'es' }, /^campaigns\.a\.translations: must map language codes \(es\) to that language's texts$/]
  ]
  for (const [campaign, expected] of cases) {
    const issues = problems(t, campaign)
    t.ok(issues.some(issue => expected.test(issue)), `${expected}\n  got: ${issues.join('\n  ')}`)
  }
})

t.test('the carrier rules apply to each language\'s SMS and disclosure, in that language', async t => {
  const noRates = problems(t, { ...bilingual, translations: { es: { ...spanish, ctaMessage: '{name}: responde YES. Responde HELP para ayuda, STOP para cancelar.' } } })
  t.same(noRates, ['campaigns.a.translations.es.ctaMessage: must say "Pueden aplicarse tarifas de mensajes y datos" (or "Msg & data rates may apply") (carrier rule); fix the text or set allowNoncompliantMessages: true'])

  // The Spanish keywords are not what carriers act on: HELP and STOP stay.
  const spanishKeywords = problems(t, { ...bilingual, translations: { es: { ...spanish, confirmMessage: '¡Listo, {name}! Pueden aplicarse tarifas de mensajes y datos. Envía AYUDA para ayuda, PARA para cancelar.' } } })
  t.ok(spanishKeywords.some(i => i.startsWith('campaigns.a.translations.es.confirmMessage: must tell how to get help (the word HELP')))
  t.ok(spanishKeywords.some(i => i.startsWith('campaigns.a.translations.es.confirmMessage: must tell how to stop (the word STOP')))

  const customDisclosure = problems(t, { ...bilingual, translations: { es: { ...spanish, disclosure: 'Te enviaremos mensajes.' } } })
  t.ok(customDisclosure.some(i => i.startsWith('campaigns.a.translations.es.disclosure: must name the program')))

  // Other accepted wordings of the rates notice, in Spanish or English.
  for (const rates of ['Se pueden aplicar cargos por msj y datos', 'Tarifas estándar de mensajes y datos pueden aplicarse', 'Msg & data rates may apply']) {
    const ok = { ...bilingual, translations: { es: { ...spanish, ctaMessage: `{name}: responde YES. ${rates}. Responde HELP para ayuda, STOP para cancelar.` } } }
    t.ok(parseCampaigns(file({ a: ok })).campaigns.has('a'), rates)
  }
})

t.test('warnings: a Spanish CTA over one segment, and an English text left untranslated', async t => {
  const long = '{name}: responde YES para recibir cada promoción de la semana y noticias. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.'
  const { warnings } = parseCampaigns(file({ a: { ...bilingual, intro: 'Free coffee on your birthday.', translations: { es: { ...spanish, ctaMessage: long } } } }))
  t.match(warnings, [
    /^campaigns\.a\.translations\.es\.ctaMessage: 3 SMS segments \(\d+ UCS-2 characters; UCS-2 because of "ó"\)/,
    /^campaigns\.a\.translations\.es: intro not translated: the es page shows the default wording there$/
  ])
})
