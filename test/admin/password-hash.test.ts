// The admin password hash: made and checked with scrypt, its text self-describing and checked with clear errors.
import t from 'tap'
import { hashPassword, parsePasswordHash, verifyPassword } from '../../src/admin/password-hash.ts'
import { createAdminAuth } from '../../src/admin/auth.ts'

const CHEAP = { ln: 10, r: 8, p: 1 }

t.test('a hash verifies its password and nothing else; two hashes of one password differ (salt)', async t => {
  const text = await hashPassword('correct horse battery staple', CHEAP)
  t.match(text, /^scrypt:ln=10,r=8,p=1:[\w-]{22}:[\w-]{43}$/)
  t.not(text, await hashPassword('correct horse battery staple', CHEAP))
  const parsed = parsePasswordHash(text)
  t.equal(await verifyPassword('correct horse battery staple', parsed), true)
  t.equal(await verifyPassword('correct horse battery stapler', parsed), false)
  t.equal(await verifyPassword('', parsed), false)
  t.equal(await verifyPassword('x'.repeat(2000), parsed), false)
  t.equal(await verifyPassword('cafe\u0301 au lait is my password', parsePasswordHash(await hashPassword('caf\u00e9 au lait is my password', CHEAP))), true,
    'Unicode is normalised (NFC): the same password typed on another keyboard still matches')
})

t.test('the default cost is the one optline recommends, and hashes made with it verify', async t => {
  const text = await hashPassword('correct horse battery staple')
  t.match(text, /^scrypt:ln=15,r=8,p=3:/)
  t.equal(await verifyPassword('correct horse battery staple', parsePasswordHash(text)), true)
})

t.test('a malformed or absurd hash is refused with what is wrong', async t => {
  t.throws(() => parsePasswordHash('$2b$10$abcdefghijklmnopqrstuv'), /optline hash-password/)
  t.throws(() => parsePasswordHash('scrypt:ln=25,r=8,p=1:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), /ln=25; it must be from 10 to 20/)
  t.throws(() => parsePasswordHash('scrypt:ln=15,r=0,p=1:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), /r=0/)
})

t.test('admin auth: the token in constant time, Bearer for scripts, sessions and CSRF tokens', async t => {
  const auth = createAdminAuth({ token: 'a'.repeat(32) })
  t.equal(await auth.check('a'.repeat(32)), 'ok')
  t.equal(await auth.check('a'.repeat(31)), 'wrong')
  t.equal(await auth.check(''), 'wrong')
  t.equal(auth.bearer(`Bearer ${'a'.repeat(32)}`), true)
  t.equal(auth.bearer(`Basic ${'a'.repeat(32)}`), false)
  t.equal(auth.bearer(undefined), false)
  const now = Date.UTC(2026, 0, 1)
  const { value, session } = auth.newSession(now)
  t.same(auth.readSession(value, now + 1000), session)
  t.equal(auth.readSession(value, now + 8 * 3_600_000), undefined, 'expired after eight hours')
  t.equal(auth.readSession('v1.short.1', now), undefined)
  const csrf = auth.csrfToken(session)
  t.equal(auth.checkCsrf(session, csrf), true)
  t.equal(auth.checkCsrf(auth.newSession(now).session, csrf), false, 'bound to its session')
  t.equal(auth.checkCsrf(session, undefined), false)
  t.not(createAdminAuth({ token: 'b'.repeat(32) }).cookieSecret, auth.cookieSecret, 'a new token ends every session')
  t.throws(() => createAdminAuth({}), /ADMIN_TOKEN or ADMIN_PASSWORD_HASH/)
})
