// `optline stats`, `held` and `release` against a SQLite file filled through openStore: counts per campaign, held
// signups with masked numbers, and a release the store then shows as pending.
import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { attemptOf, CONSENT, DAY, MINUTE, newSignup, nextNumber, T0, TOKEN } from '../store/suite-helpers.ts'
import { runCli, sqliteFile } from './helpers.ts'

const campaign = (name: string) => ({
  name,
  groupIds: [12],
  country: 'US',
  ctaMessage: '{name}: reply YES for offers. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
  confirmMessage: '{name}: you are in. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
  termsUrl: 'https://example.com/terms',
  privacyUrl: 'https://example.com/privacy'
})

interface Seeded { held: { summerBot: number, summerFast: number, autumn: number }, numbers: string[] }

/** summer: pending, delivered, duplicate, 2 held; winter: pending; autumn (not in the campaigns file): held. */
async function seed (store: InstrumentedStore): Promise<Seeded> {
  const sent = nextNumber()
  const numbers = [nextNumber(), sent, nextNumber(), nextNumber(), nextNumber(), nextNumber()]
  const delivered = await store.accept(newSignup({ phoneNumber: sent }), DAY)
  await store.claim(TOKEN, 10, T0, MINUTE, 'w1')
  await store.finishAttempt(attemptOf(delivered.id), { status: 'delivered', contactId: 1 })
  await store.accept(newSignup({ phoneNumber: numbers[0] }), DAY)
  await store.accept(newSignup({ phoneNumber: sent, createdAt: T0 + MINUTE }), DAY)
  const summerBot = (await store.accept(newSignup({ phoneNumber: numbers[2], hold: 'honeypot', createdAt: T0 + 2 * MINUTE }), DAY)).id
  // A source tag with a terminal escape in it: shown defanged, never sent to the terminal as is.
  const summerFast = (await store.accept(newSignup({ phoneNumber: numbers[3], hold: 'too_fast', createdAt: T0 + 3 * MINUTE, consent: { ...CONSENT, source: 'tv\u001b[31mRED' } }), DAY)).id
  await store.accept(newSignup({ phoneNumber: numbers[4], campaign: 'winter' }), DAY)
  const autumn = (await store.accept(newSignup({ phoneNumber: numbers[5], campaign: 'autumn', hold: 'prefix_velocity', createdAt: T0 + 4 * MINUTE, consent: { ...CONSENT, clientIp: undefined, source: undefined } }), DAY)).id
  return { held: { summerBot, summerFast, autumn }, numbers }
}

async function setUp (t: Test) {
  const db = await sqliteFile(t, seed)
  const file = join(db.dir, 'campaigns.yaml')
  writeFileSync(file, stringify({ campaigns: { summer: campaign('Summer Deals'), winter: campaign('Winter Deals') } }))
  return { ...db, env: { ...db.env, CAMPAIGNS_FILE: file }, seeded: db.filled }
}

t.test('stats: counts by status per campaign of the file, the others, the total, and the held count', async t => {
  const { dir, env } = await setUp(t)
  const { code, stdout, stderr } = await runCli(['stats'], { cwd: dir, env })
  t.equal(code, 0, stderr)
  const lines = stdout.split('\n')
  t.match(lines[0], /^campaign\s+pending\s+sending\s+delivered\s+rejected\s+duplicate\s+held\s+total$/)
  t.match(lines[1], /^summer\s+1\s+0\s+1\s+0\s+1\s+2\s+5$/)
  t.match(lines[2], /^winter\s+1\s+0\s+0\s+0\s+0\s+0\s+1$/)
  t.match(lines[3], /^\(other campaigns\)\s+0\s+0\s+0\s+0\s+0\s+1\s+1$/)
  t.match(lines[4], /^all\s+2\s+0\s+1\s+0\s+1\s+3\s+7$/)
  t.match(stdout, /3 held signups \(suspected abuse, never sent unless released\): optline held\n/)

  const one = await runCli(['stats', '--campaign', 'winter'], { cwd: dir, env })
  t.match(one.stdout, /^campaign .*\nwinter\s+1\s+0\s+0\s+0\s+0\s+0\s+1\n$/)
})

t.test('stats with a campaigns file that does not load: a note, and the database\'s totals', async t => {
  const { dir, env } = await setUp(t)
  const { code, stdout, stderr } = await runCli(['stats'], { cwd: dir, env: { ...env, CAMPAIGNS_FILE: join(dir, 'missing.yaml') } })
  t.equal(code, 0)
  t.match(stderr, /missing\.yaml does not load/)
  t.match(stdout, /^campaign .*\nall\s+2\s+0\s+1\s+0\s+1\s+3\s+7\n/)
})

t.test('held: newest first, numbers masked to the last 4 digits, visitor text defanged', async t => {
  const { dir, env, seeded } = await setUp(t)
  const { code, stdout, stderr } = await runCli(['held'], { cwd: dir, env })
  t.equal(code, 0, stderr)
  const lines = stdout.split('\n')
  t.match(lines[0], /^id\s+time \(UTC\)\s+campaign\s+number\s+reason\s+IP\s+source$/)
  t.match(lines[1], new RegExp(`^\\s*${seeded.held.autumn}\\s+2026-01-15 12:04:00\\s+autumn\\s+\\*{7}${seeded.numbers[5]?.slice(-4)}\\s+prefix_velocity\\s+-\\s+-$`))
  t.match(lines[2], new RegExp(`^\\s*${seeded.held.summerFast}\\s+2026-01-15 12:03:00\\s+summer\\s+\\*{7}${seeded.numbers[3]?.slice(-4)}\\s+too_fast\\s+203\\.0\\.113\\.7\\s+tv\\?\\[31mRED$`))
  t.match(lines[3], new RegExp(`^\\s*${seeded.held.summerBot}\\s+.*\\s+honeypot\\s+203\\.0\\.113\\.7\\s+tv$`))
  t.match(stdout, /\n3 held\. Release a real one with: optline release <id>\n$/)
  t.notOk(stdout.includes('\u001b'), 'no escape sequence reaches the terminal')
  for (const number of seeded.numbers) t.notOk(stdout.includes(number.slice(-7)), 'no full number')

  const summer = await runCli(['held', '--campaign', 'summer', '--limit', '1'], { cwd: dir, env })
  t.match(summer.stdout, new RegExp(`\\n\\s*${seeded.held.summerFast}\\s`))
  t.notMatch(summer.stdout, new RegExp(`\\n\\s*${seeded.held.summerBot}\\s`))
  t.match(summer.stdout, /1 held \(the 1 newest in campaign summer; --limit for more\)/)
  t.equal((await runCli(['held', '--campaign', 'winter'], { cwd: dir, env })).stdout, 'No held signups in campaign winter.\n')
})

t.test('release: a held signup becomes pending (the store says so); anything else is refused with why', async t => {
  const { dir, path, env, seeded } = await setUp(t)
  const id = seeded.held.summerBot
  const released = await runCli(['release', String(id)], { cwd: dir, env })
  t.equal(released.code, 0, released.stderr)
  t.match(released.stdout, new RegExp(`^Released signup ${id} \\(summer, \\*{7}${seeded.numbers[2]?.slice(-4)}, held for honeypot\\): it is pending now\\. A running optline server sends it at its dispatcher's next poll, within a second\\.\\n$`))

  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  t.match(await store.signupDetail(id), { status: 'pending', holdReason: 'honeypot', releasedAt: Number })
  t.same((await store.listHeld({ limit: 10 })).map(h => h.id), [seeded.held.autumn, seeded.held.summerFast])

  const again = await runCli(['release', String(id)], { cwd: dir, env })
  t.equal(again.code, 1)
  t.match(again.stderr, new RegExp(`^Signup ${id} is not held: it was released at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC; it is pending\\. Nothing changed\\.\\n$`))
  const unknown = await runCli(['release', '9999'], { cwd: dir, env })
  t.same([unknown.code, unknown.stderr], [1, 'No signup 9999.\n'])
  const bad = await runCli(['release', '12abc'], { cwd: dir, env })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^optline: <id> must be a whole number from 1 to \d+, got '12abc'\n\nUsage: optline release <id>/)
})

t.test('a database that is not there is not created: exit 1 with where to look', async t => {
  const dir = t.testdir()
  const { code, stderr } = await runCli(['stats'], { cwd: dir })
  t.equal(code, 1)
  t.match(stderr, /^optline: no database at data\/optline\.db: run optline in the server's working directory, or set DATABASE_URL/)
})
