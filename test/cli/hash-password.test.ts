// `optline hash-password`: the first line of stdin → a hash the server accepts as ADMIN_PASSWORD_HASH; short or
// mismatched passwords are refused and nothing is printed.
import t from 'tap'
import { PassThrough, Readable } from 'node:stream'
import { main } from '../../src/cli/main.ts'
import { loadEnv } from '../../src/config/env.ts'
import { parsePasswordHash, verifyPassword } from '../../src/admin/password-hash.ts'

async function run (input: string) {
  let stdout = ''
  let stderr = ''
  const out = new PassThrough().on('data', chunk => { stdout += String(chunk) })
  const err = new PassThrough().on('data', chunk => { stderr += String(chunk) })
  const code = await main(['hash-password'], { stdout: out, stderr: err, env: {}, now: () => 0, stdin: Readable.from([input]) })
  return { code, stdout, stderr }
}

t.test('prints a hash of the first line of stdin that the server accepts', async t => {
  const { code, stdout, stderr } = await run('correct horse battery staple\nsecond line is ignored\n')
  t.equal(code, 0)
  const hash = stdout.trim()
  t.match(hash, /^scrypt:ln=15,r=8,p=3:/)
  t.notMatch(stdout + stderr, /horse/, 'the password is never printed')
  t.match(stderr, /ADMIN_PASSWORD_HASH/)
  t.equal(loadEnv({ ADMIN_PASSWORD_HASH: hash }).admin.passwordHash, hash)
  t.equal(await verifyPassword('correct horse battery staple', parsePasswordHash(hash)), true)
})

t.test('a short password is refused and nothing goes to stdout', async t => {
  const { code, stdout, stderr } = await run('short\n')
  t.equal(code, 1)
  t.equal(stdout, '')
  t.match(stderr, /at least 12 characters/)
})

t.test('the environment: a bad ADMIN_TOKEN or hash stops the server with what is wrong', async t => {
  t.throws(() => loadEnv({ ADMIN_TOKEN: 'too short' }), /ADMIN_TOKEN: must be at least 32 characters/)
  t.throws(() => loadEnv({ ADMIN_PASSWORD_HASH: 'hunter2' }), /ADMIN_PASSWORD_HASH: must be a hash made by `optline hash-password`/)
  t.same(loadEnv({}).admin, { token: undefined, passwordHash: undefined }, 'both unset: the dashboard is off')
})
