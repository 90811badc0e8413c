// SQLite migration 7: signups rebuilt with AUTOINCREMENT, so that a deleted signup's id is never handed out again.
// That store-level promise is in the store suite (store-suite-consents.ts); this is the upgrade of an existing file.
import t from 'tap'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SQLITE_MIGRATIONS } from '../../src/store/migrations-sqlite.ts'
import { openStore } from '../../src/store/open.ts'
import { DAY, newSignup, T0, TOKEN } from './suite-helpers.ts'

/** What migration 7 must leave as it was: every row of the three tables, signups' columns and its indexes. */
function snapshot (db: DatabaseSync) {
  return {
    signups: db.prepare('SELECT * FROM signups ORDER BY id').all(),
    consents: db.prepare('SELECT * FROM signup_consents ORDER BY signup_id').all(),
    attempts: db.prepare('SELECT * FROM signup_attempts ORDER BY id').all(),
    columns: db.prepare('PRAGMA table_xinfo(signups)').all(),
    // The text as written: a partial index serves a query only if its WHERE matches the query's word for word.
    indexes: db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signups' ORDER BY name").all()
  }
}

t.test('migration 7 keeps every signup, id, consent, attempt and index, and ids continue above the largest', async t => {
  const path = join(t.testdir(), 'optline.db')
  const setup = new DatabaseSync(path)
  setup.exec([...SQLITE_MIGRATIONS.slice(0, 6), 'PRAGMA user_version = 6'].join(';\n'))
  // Ids with gaps, every kind of row an older build leaves: sent, held then released, held, being sent, duplicate.
  setup.exec(`
    INSERT INTO signups (id, campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason, released_at,
      attempts, next_attempt_at, lease_until, claimed_by, created_at, delivered_at, contact_id, last_error) VALUES
      (3, 'summer', '16465550101', '1646555', '+16465550101', '{"PhoneNumber":"16465550101"}', '${TOKEN}', 'delivered', NULL, NULL,
        2, NULL, NULL, NULL, ${T0}, ${T0 + 5000}, 77, 'timeout'),
      (7, 'summer', '16465550102', '1646555', '+16465550102', '{"PhoneNumber":"16465550102"}', '${TOKEN}', 'pending', 'honeypot', ${T0 + 60},
        0, ${T0 + 60}, NULL, NULL, ${T0 + 1}, NULL, NULL, NULL),
      (12, 'winter', '447700900123', '44770090', '+447700900123', '{}', '${TOKEN}', 'held', 'prefix_velocity', NULL,
        0, NULL, NULL, NULL, ${T0 + 2}, NULL, NULL, NULL),
      (40, 'winter', '16465550104', NULL, '+16465550104', '{}', '${TOKEN}', 'sending', NULL, NULL,
        1, ${T0 + 3}, ${T0 + 30_000}, 'w1', ${T0 + 3}, NULL, NULL, 'HTTP 503'),
      (42, 'summer', '16465550101', '1646555', '+16465550101', '{}', '${TOKEN}', 'duplicate', NULL, NULL,
        0, NULL, NULL, NULL, ${T0 + 4}, NULL, NULL, NULL);
    INSERT INTO signup_consents (signup_id, disclosure_version, consent_given, client_ip, user_agent, page_url, referrer, source,
      utm_source, utm_medium, utm_campaign, utm_term, utm_content)
      SELECT id, 'v-old', 1, '198.51.100.' || id, 'UA ' || id, 'https://optin.example.com/c/' || campaign, NULL, 'poster',
        CASE WHEN id > 10 THEN 'tv' END, NULL, NULL, NULL, NULL FROM signups;
    INSERT INTO signup_attempts (id, signup_id, started_at, finished_at, outcome, http_status, detail, maybe_processed) VALUES
      (1, 3, ${T0 + 10}, ${T0 + 20}, 'timeout', NULL, 'no answer', 1),
      (2, 40, ${T0 + 30}, ${T0 + 40}, 'server_error', 503, '{}', 0),
      (5, 3, ${T0 + 50}, ${T0 + 60}, 'created', 201, '{"Id":77}', 0);
  `)
  const before = snapshot(setup)
  setup.close()
  t.equal(before.indexes.length, 8, 'every signups index of migrations 1-6 is in the picture')

  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  const peek = new DatabaseSync(path, { readOnly: true })
  t.teardown(() => peek.close())
  t.equal((peek.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 7)
  t.same(snapshot(peek), before, 'rows, ids, columns and index definitions as they were')
  t.match(String(peek.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'signups'").get()?.sql),
    /id INTEGER PRIMARY KEY AUTOINCREMENT/)
  t.same(peek.prepare('SELECT name, seq FROM sqlite_sequence').all(), [{ name: 'signups', seq: 42 }],
    'the copy left the largest id in sqlite_sequence, under the renamed table\'s name')
  t.same(peek.prepare('PRAGMA foreign_key_check').all(), [])
  t.same(peek.prepare('PRAGMA foreign_key_list(signup_attempts)').all().map(r => r.table), ['signups'])
  t.match(await store.signupDetail(3), { status: 'delivered', contactId: 77, attemptLog: [{ outcome: 'timeout' }, { outcome: 'created' }], consent: { clientIp: '198.51.100.3' } })

  const phoneNumber = '16465550150'
  const first = await store.accept(newSignup({ phoneNumber }), DAY)
  t.equal(first.id, 43, 'the next id continues above the largest')
  await store.deleteNumber(`+${phoneNumber}`, T0 + DAY, 'the newest signup, deleted')
  t.equal((await store.accept(newSignup(), DAY)).id, 44, 'and the deleted newest id is not handed out again')
})

t.test('foreign keys are still enforced on the rebuilt table', async t => {
  const path = join(t.testdir(), 'optline.db')
  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  const db = new DatabaseSync(path)
  t.teardown(() => db.close())
  db.exec('PRAGMA foreign_keys = ON')
  t.throws(() => db.prepare("INSERT INTO signup_consents (signup_id, disclosure_version, consent_given) VALUES (99, 'v', 1)").run(),
    /FOREIGN KEY/, 'a consent row without its signup is refused')
})
