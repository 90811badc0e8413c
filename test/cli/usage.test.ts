// The CLI's surface: help, bad usage (exit 2 with a specific message), the bin shim, and no secret in any output.
import t from 'tap'
import { runCli, SHIM, sqliteFile } from './helpers.ts'

t.test('help, --help and -h print the usage, exit 0; a command\'s --help prints its own', async t => {
  const dir = t.testdir()
  for (const args of [['help'], ['--help'], ['-h']]) {
    const { code, stdout, stderr } = await runCli(args, { cwd: dir })
    t.same([code, stderr], [0, ''], args.join(' '))
    t.match(stdout, /^optline: the operator's command line for optline\./)
    t.match(stdout, /\n {2}delete-number <phone> --note "why" \[--country US\]\n/)
    t.match(stdout, /except by export, which writes them in full: it is the\nmarketer's consent proof/)
    t.match(stdout, /The access token is never printed\./)
  }
  for (const args of [['help', 'export'], ['export', '--help'], ['export', '-h', '--format', 'nonsense']]) {
    const { code, stdout } = await runCli(args, { cwd: dir })
    t.equal(code, 0, args.join(' '))
    t.match(stdout, /^optline export \[--campaign X\] \[--from DATE\] \[--to DATE\] \[--format csv\|jsonl\] \[--out FILE\]\n/)
    t.match(stdout, /Full phone numbers: the export is the marketer's consent proof/)
  }
})

t.test('bad usage: exit 2, a specific message, then the usage, on stderr', async t => {
  const dir = t.testdir()
  for (const [args, message, usage] of [
    [[], 'a command is needed', 'Usage: optline <command>'],
    [['frobnicate'], "unknown command 'frobnicate'", 'Usage: optline <command>'],
    [['help', 'frobnicate'], "unknown command 'frobnicate'", 'Usage: optline <command>'],
    [['help', 'check', 'stats'], "help takes one command, got 'stats' too", 'Usage: optline help [command]'],
    [['stats', '--campain', 'x'], "Unknown option '--campain'", 'Usage: optline stats'],
    [['stats', 'summer'], "stats does not take 'summer'", 'Usage: optline stats'],
    [['held', '--limit', '0'], "--limit must be a whole number from 1 to 10000, got '0'", 'Usage: optline held'],
    [['held', '--limit'], "Option '--limit <value>' argument missing", 'Usage: optline held'],
    [['release'], 'release needs <id>', 'Usage: optline release <id>'],
    [['check', '--file'], "Option '--file <value>' argument missing", 'Usage: optline check']
  ] as const) {
    const { code, stdout, stderr } = await runCli([...args], { cwd: dir })
    t.equal(code, 2, args.join(' '))
    t.equal(stdout, '')
    t.match(stderr, `optline: ${message}\n\n`)
    t.match(stderr, usage)
  }
})

t.test('bin/optline.js runs the CLI with this Node', async t => {
  const dir = t.testdir()
  const { code, stdout } = await runCli(['help', 'release'], { cwd: dir, script: SHIM })
  t.equal(code, 0)
  t.match(stdout, /^optline release <id>\n/)
  const bad = await runCli(['nope'], { cwd: dir, script: SHIM })
  t.equal(bad.code, 2)
})

t.test('no output of any command carries the access token or another secret', async t => {
  const { dir, env } = await sqliteFile(t)
  const secrets = { PROTEXTING_ACCESS_TOKEN: 'canary-token-4f9a1c', FORM_TOKEN_SECRET: 'canary-form-secret-0123456789abcdef0123' }
  const outputs: string[] = []
  for (const args of [['help'], ['check'], ['stats'], ['held'], ['export'], ['export', '--format', 'jsonl'], ['release', '1'],
    ['delete-number', '+16462300123', '--note', 'ticket 1'], ['frobnicate']]) {
    const { stdout, stderr } = await runCli(args, { cwd: dir, env: { ...env, ...secrets } })
    outputs.push(stdout, stderr)
  }
  // A token the environment check refuses, and a database password in a URL that cannot be reached.
  const badToken = await runCli(['stats'], { cwd: dir, env: { ...env, PROTEXTING_ACCESS_TOKEN: 'canary-token-4f9a1c with space' } })
  t.equal(badToken.code, 1)
  t.match(badToken.stderr, /PROTEXTING_ACCESS_TOKEN: must be the access token alone, without spaces/)
  const unreachable = await runCli(['stats'], { cwd: dir, env: { DATABASE_URL: 'postgres://optline:canary-db-password@127.0.0.1:1/optline' } })
  t.equal(unreachable.code, 1)
  t.match(unreachable.stderr, /^optline: failed: /)
  outputs.push(badToken.stdout, badToken.stderr, unreachable.stdout, unreachable.stderr)
  const all = outputs.join('\n')
  for (const secret of ['canary-token-4f9a1c', 'canary-form-secret', 'canary-db-password']) t.notOk(all.includes(secret), `${secret} never printed`)
})
