// `optline check`: a valid file shows every rendered message with its SMS cost and the warnings; a bad one exits 1
// with every problem by path, as the server would refuse to start.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { runCli } from './helpers.ts'

const valid = {
  name: 'Summer Deals',
  groupIds: [12],
  country: 'US',
  ctaMessage: '{name}: reply YES for offers, up to 4 msgs/month. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
  confirmMessage: "You're in, {name}! Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
  termsUrl: 'https://example.com/terms',
  privacyUrl: 'https://example.com/privacy'
}

function campaignsFile (dir: string, campaigns: Record<string, unknown>): string {
  const path = join(dir, 'campaigns.yaml')
  writeFileSync(path, stringify({ campaigns }))
  return path
}

t.test('a valid file: each campaign\'s messages, their segments and encoding, then the warnings', async t => {
  const dir = t.testdir()
  // A curly apostrophe forces UCS-2, and this long a CTA then takes 3 segments: a warning, not a refusal.
  const costly = { ...valid, ctaMessage: `${valid.ctaMessage} It’s the best deal of the summer, every week, all season long, promise.` }
  const file = campaignsFile(dir, { summer: valid, costly })
  const { code, stdout, stderr } = await runCli(['check', '--file', file], { cwd: dir })
  t.equal(code, 0, stderr)
  t.match(stdout, `${file}: 2 campaigns, valid.`)
  t.match(stdout, /summer: Summer Deals \(\/c\/summer\)\n {2}en, English \(the campaign's language\) · disclosure version [0-9a-f]{16}\n/)
  t.match(stdout, /CTA message \(SMS\): 1 segment, GSM-7, 120 septets\n {6}Summer Deals: reply YES for offers/)
  t.match(stdout, /Confirmation message \(SMS\): 1 segment, GSM-7, \d+ septets\n {6}You're in, Summer Deals!/)
  t.match(stdout, /Disclosure \(on the page\): 2 segments, GSM-7, \d+ septets\n {6}By signing up you agree/)
  t.match(stdout, /costly: .*\n.*\n {4}CTA message \(SMS\): 3 segments, UCS-2, \d+ UTF-16 units \(because of "’"\)/)
  t.match(stdout, /Warnings \(1\):\n {2}- campaigns\.costly\.ctaMessage: 3 SMS segments/)
  t.equal(stderr, '')
})

t.test('every language a campaign offers: its disclosure version, messages and their cost', async t => {
  const dir = t.testdir()
  const file = campaignsFile(dir, {
    amigos: {
      ...valid,
      languages: ['en', 'es'],
      translations: {
        es: {
          ctaMessage: '{name}: responde YES para recibir promociones. Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.',
          confirmMessage: '¡Listo, {name}! Pueden aplicarse tarifas de mensajes y datos. Responde HELP para ayuda, STOP para cancelar.'
        }
      }
    }
  })
  const { code, stdout, stderr } = await runCli(['check', '--file', file], { cwd: dir })
  t.equal(code, 0, stderr)
  const en = /\n {2}en, English \(the campaign's language\) · disclosure version ([0-9a-f]{16})\n/.exec(stdout)?.[1]
  const es = /\n {2}es, Español · disclosure version ([0-9a-f]{16})\n/.exec(stdout)?.[1]
  t.ok(en !== undefined && es !== undefined && en !== es, 'one disclosure version per language')
  t.match(stdout, /es, Español .*\n {4}CTA message \(SMS\): 1 segment, GSM-7, \d+ septets\n {6}Summer Deals: responde YES para recibir promociones\./)
  t.match(stdout, /\n {4}Confirmation message \(SMS\): 1 segment, GSM-7, \d+ septets\n {6}¡Listo, Summer Deals!/)
  // "ú", "í", "ó" are outside GSM-7: the whole text would go UCS-2 (70 characters a segment).
  t.match(stdout, /\n {4}Disclosure \(on the page\): \d segments, UCS-2, \d+ UTF-16 units \(because of [^)]*"ó"[^)]*\)\n {6}Al registrarte, aceptas/)
})

t.test('without --file: CAMPAIGNS_FILE, else the bundled example, as the server does', async t => {
  const dir = t.testdir()
  const bundled = await runCli(['check'], { cwd: dir })
  t.equal(bundled.code, 0, bundled.stderr)
  t.match(bundled.stdout, /campaigns\.example\.yaml: 3 campaigns, valid\./)
  const file = campaignsFile(dir, { only: valid })
  const configured = await runCli(['check'], { cwd: dir, env: { CAMPAIGNS_FILE: file } })
  t.match(configured.stdout, `${file}: 1 campaign, valid.`)
})

t.test('a bad file: exit 1, every problem by its path, nothing on stdout', async t => {
  const dir = t.testdir()
  const file = campaignsFile(dir, {
    summer: { ...valid, groupIds: [12, -3], country: 'usa', colour: 'red' },
    winter: { ...valid, ctaMessage: 'Reply YES for winter offers.' }
  })
  const { code, stdout, stderr } = await runCli(['check', '--file', file], { cwd: dir })
  t.equal(code, 1)
  t.equal(stdout, '')
  t.match(stderr, `${file} has `)
  t.match(stderr, /\n {2}- campaigns\.summer\.groupIds\[1\]: /)
  t.match(stderr, /\n {2}- campaigns\.summer\.country: /)
  t.match(stderr, /\n {2}- campaigns\.summer\.colour: is not a known setting/)
  t.match(stderr, /\n {2}- campaigns\.winter\.ctaMessage: must name the program \("Summer Deals"\) \(carrier rule\)/)
  t.match(stderr, /\n {2}- campaigns\.winter\.ctaMessage: must tell how to stop/)

  const missing = await runCli(['check', '--file', join(dir, 'nope.yaml')], { cwd: dir })
  t.equal(missing.code, 1)
  t.match(missing.stderr, /nope\.yaml has 1 problem:\n {2}- cannot be read/)
})

t.test('a bad environment stops check as it stops the server: exit 1 naming the variable', async t => {
  const dir = t.testdir()
  const { code, stderr } = await runCli(['check'], { cwd: dir, env: { PORT: 'eighty' } })
  t.equal(code, 1)
  t.match(stderr, /The environment has 1 problem:\n {2}- PORT: must be a port number/)
})
