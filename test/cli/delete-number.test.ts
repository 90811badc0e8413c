// `optline delete-number`: one number's records gone from every campaign and from the export, the deletion recorded
// (hashed number, campaigns, count, note), the output masked; a missing or revealing note is bad usage.
import t from 'tap'
import { createHash } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { attemptOf, DAY, MINUTE, newSignup, T0, TOKEN } from '../store/suite-helpers.ts'
import { runCli, sqliteFile } from './helpers.ts'

const NUMBER = '16462300123' // typed as (646) 230-0123
const OTHER = '16462300456'
const LANDLINE = '442079460018' // stored by an older rule; refused by today's form

async function seed (store: InstrumentedStore): Promise<void> {
  const { id } = await store.accept(newSignup({ phoneNumber: NUMBER }), DAY)
  await store.claim(TOKEN, 10, T0, MINUTE, 'w1')
  await store.finishAttempt(attemptOf(id), { status: 'delivered', contactId: 9 })
  await store.accept(newSignup({ phoneNumber: NUMBER, campaign: 'winter', hold: 'honeypot' }), DAY)
  await store.accept(newSignup({ phoneNumber: OTHER }), DAY)
  await store.accept(newSignup({ phoneNumber: LANDLINE, e164: `+${LANDLINE}` }), DAY)
}

t.test('deletes the number everywhere, records the deletion, and says so without the number', async t => {
  const { dir, path, env } = await sqliteFile(t, seed)
  const { code, stdout, stderr } = await runCli(['delete-number', '(646) 230-0123', '--note', 'ticket 7, request of 2026-01-20'], { cwd: dir, env })
  t.equal(code, 0, stderr)
  t.equal(stderr, '')
  t.match(stdout, /^Deleted 2 signups of \*{7}0123 \(campaigns: summer, winter\), each with its consent record and attempt log\.\n/)
  t.match(stdout, /\nThe request is recorded as a deletion at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC with the note and the number's SHA-256 \(not the number\)\.\n/)
  t.match(stdout, /\nProTexting keeps its own copy of a contact it was sent: delete it there too\.\n$/)
  t.notOk(stdout.includes('2300123'), 'the number is not printed')

  const exported = await runCli(['export', '--format', 'jsonl'], { cwd: dir, env })
  t.same(exported.stdout.trimEnd().split('\n').map(l => (JSON.parse(l) as { e164: string }).e164), [`+${OTHER}`, `+${LANDLINE}`], 'gone from the export')

  const db = new DatabaseSync(path, { readOnly: true })
  t.teardown(() => db.close())
  t.same(db.prepare('SELECT count(*) AS n FROM signup_attempts').get()?.n, 0, 'its attempt log went too')
  t.same(db.prepare("SELECT count(*) AS n FROM signups WHERE phone_number = ? OR e164 = ? OR request LIKE '%2300123%'").get(NUMBER, `+${NUMBER}`)?.n, 0)
  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  t.match(await store.listDeletions({ limit: 10 }), [{
    e164Sha256: createHash('sha256').update(`+${NUMBER}`).digest('hex'),
    campaigns: ['summer', 'winter'],
    signups: 2,
    deletedAt: Number,
    note: 'ticket 7, request of 2026-01-20'
  }])
})

t.test('a number with no records: nothing deleted, the request still recorded', async t => {
  const { dir, path, env } = await sqliteFile(t, seed)
  const { code, stdout } = await runCli(['delete-number', '+1 646 230 0999', '--note', 'ticket 8'], { cwd: dir, env })
  t.equal(code, 0)
  t.match(stdout, /^No records of \*{7}0999 were found; nothing to delete\.\nThe request is recorded as a deletion/)
  t.notMatch(stdout, /ProTexting/)
  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  t.match(await store.listDeletions({ limit: 10 }), [{ signups: 0, campaigns: [], note: 'ticket 8' }])
})

t.test('a stored number today\'s form refuses: deleted as given, with a note on stderr; national numbers by --country', async t => {
  const { dir, env } = await sqliteFile(t, seed)
  const landline = await runCli(['delete-number', '+44 20 7946 0018', '--note', 'ticket 9'], { cwd: dir, env })
  t.equal(landline.code, 0, landline.stderr)
  t.match(landline.stderr, /^Note: \*{8}0018 is not a number a signup would be accepted with today \(We can only send texts to mobile phones/)
  t.match(landline.stdout, /^Deleted 1 signup of \*{8}0018 \(campaign: summer\)/)
  const national = await runCli(['delete-number', '020 7946 0018', '--country', 'gb', '--note', 'ticket 10'], { cwd: dir, env })
  t.equal(national.code, 2, 'a national number the form refuses has no stored form to fall back on')
  t.match(national.stderr, /^optline: <phone>: We can only send texts to mobile phones, and that looks like a landline number/)
})

t.test('bad usage exits 2 and deletes nothing', async t => {
  const { dir, path, env } = await sqliteFile(t, seed)
  for (const [args, message] of [
    [['(646) 230-0123'], 'delete-number needs --note "why" (a ticket or the request\'s date): it is kept with the deletion record'],
    [['(646) 230-0123', '--note', '  '], 'delete-number needs --note'],
    [['--note', 'x'], 'delete-number needs <phone>'],
    [['(646) 230-0123', '(646) 230-0456', '--note', 'x'], "delete-number does not take '(646) 230-0456'"],
    [['(646) 230-0123', '--note', 'x', '--country', 'ZZ'], "--country must be a two-letter country code such as US, got 'ZZ'"],
    [['hello', '--note', 'x'], '<phone>: '],
    [['(646) 230-0123', '--note', 'asked by 646-230-0123 by phone'], 'the note must not contain the number: it is kept after the number is gone']
  ] as const) {
    const { code, stderr } = await runCli(['delete-number', ...args], { cwd: dir, env })
    t.equal(code, 2, args.join(' '))
    t.match(stderr, `optline: ${message}`)
    t.match(stderr, '\n\nUsage: optline delete-number <phone> --note "why" [--country US]\n')
  }
  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  t.same(await store.listDeletions({ limit: 10 }), [])
  t.match(await store.counts(), { delivered: 1, held: 1, pending: 2 })
})
