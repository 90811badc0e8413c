// The campaigns file: defaults a marketer can rely on, and every mistake reported with its path.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { parseCampaigns, loadCampaignsFile, CampaignsFileError } from '../../src/campaigns/load.ts'
import { localeOf } from '../../src/campaigns/campaign-locale.ts'
import { BUNDLED_CAMPAIGNS_FILE } from '../../src/config/env.ts'

const valid = {
  name: "Joe's Coffee Club",
  groupIds: [12, 15],
  country: 'US',
  ctaMessage: '{name}: reply YES for offers, up to 4 msgs/month. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
  confirmMessage: "You're in, {name}! Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
  termsUrl: 'https://example.com/terms',
  privacyUrl: 'https://example.com/privacy'
}
const file = (campaigns: Record<string, unknown>) => stringify({ campaigns })

function problems (t: Test, source: string): string[] {
  try {
    parseCampaigns(source)
  } catch (err) {
    t.type(err, CampaignsFileError)
    return (err as CampaignsFileError).issues
  }
  t.fail('expected the file to be refused')
  return []
}

t.test('the bundled example loads, with a demo campaign', async t => {
  const { campaigns } = await loadCampaignsFile(BUNDLED_CAMPAIGNS_FILE)
  t.ok(campaigns.get('demo'))
  t.ok((campaigns.get('world')?.allowedCountries.length ?? 0) > 1)
})

t.test('a minimal campaign gets careful defaults', async t => {
  const { campaigns, warnings } = parseCampaigns(file({ summer: valid }))
  const summer = campaigns.get('summer')!
  t.same(summer.allowedCountries, ['US'])
  t.equal(summer.sendCtaMessage, 'auto')
  t.equal(localeOf(summer, undefined).ctaMessage.startsWith("Joe's Coffee Club: reply YES"), true, 'renders {name}')
  t.match(localeOf(summer, undefined).page.disclosure, /Joe's Coffee Club/)
  t.match(localeOf(summer, undefined).page.disclosure, /Msg & data rates may apply/)
  t.match(localeOf(summer, undefined).page.disclosure, /HELP/)
  t.match(localeOf(summer, undefined).page.disclosure, /STOP/)
  t.match(localeOf(summer, undefined).page.disclosure, /Consent is not a condition of purchase/)
  t.match(localeOf(summer, undefined).disclosureVersion, /^[0-9a-f]{16}$/)
  t.same(warnings, [])
})

t.test('the disclosure version changes when the wording does', async t => {
  const a = parseCampaigns(file({ a: valid })).campaigns.get('a')!
  const b = parseCampaigns(file({ a: { ...valid, frequency: 'Up to 2 msgs/week' } })).campaigns.get('a')!
  t.not(localeOf(a, undefined).disclosureVersion, localeOf(b, undefined).disclosureVersion)
})

t.test('every problem is listed by path', async t => {
  const issues = problems(t, file({
    summer: { ...valid, groupIds: [12, -3], country: 'usa', termsUrl: 'terms.html', colour: 'red' },
    'Bad Slug': valid,
    winter: { name: 'Winter' }
  }))
  t.ok(issues.includes('campaigns.summer.groupIds[1]: must be a positive integer'), issues.join('\n'))
  t.ok(issues.includes('campaigns.summer.country: must be a two-letter ISO country code in capitals, e.g. US'))
  t.ok(issues.includes('campaigns.summer.termsUrl: must be the full http(s):// address of the SMS terms'))
  t.ok(issues.includes('campaigns.summer.colour: is not a known setting'))
  t.ok(issues.some(i => i.startsWith('campaigns.Bad Slug: the slug must be')))
  for (const key of ['groupIds', 'country', 'ctaMessage', 'confirmMessage', 'termsUrl', 'privacyUrl']) {
    t.ok(issues.includes(`campaigns.winter.${key}: is required`), `winter.${key} reported`)
  }
})

t.test('addresses must parse, and embedders are origins as browsers send them, https unless on this machine', async t => {
  const issues = problems(t, file({
    a: { ...valid, successRedirectUrl: 'https://a:99999/x' },
    b: { ...valid, embedOrigins: ['https://shop.example.com:443', 'http://blog.example.com', 'http://localhost:8080', 'https://ok.example.com'] }
  }))
  t.same(issues, [
    'campaigns.a.successRedirectUrl: must be a valid http(s):// address; "https://a:99999/x" is not',
    'campaigns.b.embedOrigins[0]: write it as https://shop.example.com (browsers send it that way, so nothing else ever matches)',
    'campaigns.b.embedOrigins[1]: must be https:// (http:// only for localhost)'
  ])
})

t.test('the error message names the file and counts the problems', async t => {
  t.throws(() => parseCampaigns(file({ a: { ...valid, groupIds: [] } }), 'campaigns.yaml'),
    { message: /^campaigns\.yaml has 1 problem:\n {2}- campaigns\.a\.groupIds: must be a list of 1 to 100 ProTexting group ids$/ })
})

t.test('YAML syntax errors and a wrong top level are refused', async t => {
  t.match(problems(t, 'campaigns:\n  a: [1, 2\n')[0], /^YAML: /)
  t.same(problems(t, 'campaign:\n  a: {}\n'), ['campaigns: is required', 'campaign: is not a known setting'])
  t.same(problems(t, 'campaigns: {}\n'), ['campaigns: must list at least one campaign'])
})

t.test('countries must be real and include the default', async t => {
  const issues = problems(t, file({ a: { ...valid, country: 'XX', allowedCountries: ['CA', 'GB'] } }))
  t.ok(issues.includes('campaigns.a.country: XX is not a country with phone numbers we know'))
  t.ok(issues.includes("campaigns.a.allowedCountries: must include the campaign's country (XX)"))
})

t.test('templates may only use documented variables', async t => {
  const issues = problems(t, file({ a: { ...valid, intro: 'Hi {firstName}!' } }))
  t.match(issues[0], /^campaigns\.a\.intro: unknown variable \{firstName\}; use \{name\}/)
})

t.test('messages that break carrier rules stop the server', async t => {
  const issues = problems(t, file({ a: { ...valid, ctaMessage: 'Reply YES for deals!' } }))
  t.same(issues.filter(i => i.startsWith('campaigns.a.ctaMessage')).length, 4)
  t.ok(issues.some(i => i.includes('must say "Msg & data rates may apply"')))
  t.ok(issues.some(i => i.includes('the word STOP')))
  t.ok(issues.some(i => i.includes('the word HELP')))
  t.ok(issues.some(i => i.includes('must name the program')))
})

t.test('an explicit override turns carrier-rule failures into warnings', async t => {
  const { campaigns, warnings } = parseCampaigns(file({ a: { ...valid, confirmMessage: 'Thanks!', allowNoncompliantMessages: true } }))
  t.ok(campaigns.has('a'))
  t.ok(warnings.some(w => w.startsWith('campaigns.a.confirmMessage: must say') && w.endsWith('allowed by allowNoncompliantMessages')))
})

t.test('a custom disclosure is checked like a message', async t => {
  const issues = problems(t, file({ a: { ...valid, disclosure: 'We will text you.' } }))
  t.ok(issues.some(i => i.startsWith('campaigns.a.disclosure: must')))
})

t.test('a CTA over one segment is a warning with the reason', async t => {
  const long = valid.ctaMessage + ' Also: our café’s new roasts are in, come by any day this week and try them.'
  const { warnings } = parseCampaigns(file({ a: { ...valid, ctaMessage: long } }))
  t.match(warnings[0], /^campaigns\.a\.ctaMessage: 3 SMS segments \(\d+ UCS-2 characters; UCS-2 because of "’"\)/)
})
