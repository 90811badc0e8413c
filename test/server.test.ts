// `npm start` as a newcomer runs it: sandbox by default, said loudly; bad settings stop it with the path.
import t from 'tap'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { startServer } from './spawn-server.ts'

t.test('without a token it serves the demo in sandbox mode and says so first', async t => {
  const server = startServer({ DATABASE_URL: ':memory:' })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const base = await server.ready
  const first = server.lines.slice(0, 2).map(line => JSON.parse(line) as { level: number, msg: string })
  t.match(first[0], { level: 40, msg: /^SANDBOX MODE: .*NO SMS IS SENT/ })
  t.match(first[1], { msg: /Set PROTEXTING_ACCESS_TOKEN/ })

  const page = await fetch(`${base}/c/demo`)
  t.equal(page.status, 200)
  const html = await page.text()
  t.match(html, /Sandbox mode:<\/strong> no text message is sent/)
  const formToken = /name="formToken" value="([^"]+)"/.exec(html)?.[1] ?? ''

  const signup = await fetch(`${base}/c/demo`, {
    method: 'POST',
    body: new URLSearchParams({ phone: '(646) 555-0123', consent: 'yes', formToken }),
    redirect: 'manual'
  })
  t.equal(signup.status, 303)
  t.equal(signup.headers.get('location'), '/c/demo/thanks?to=0123')
  t.equal((await fetch(`${base}/readyz`)).status, 200)

  server.child.kill('SIGTERM')
  const code = await server.exited
  t.equal(code, 0, 'shuts down cleanly on SIGTERM')
  t.notOk(server.lines.join('\n').includes('6465550123'), 'the whole number is never logged')
})

t.test('a bad campaigns file stops the server with every problem by path', async t => {
  const dir = t.testdir()
  const file = `${dir}/campaigns.yaml`
  await writeFile(file, 'campaigns:\n  summer:\n    name: Joe\n    groupIds: [12, 0]\n')
  const server = startServer({ CAMPAIGNS_FILE: file })
  const code = await server.exited
  t.equal(code, 1)
  const output = server.lines.join('\n')
  t.match(output, /campaigns\.summer\.groupIds\[1\]: must be a positive integer/)
  t.match(output, /campaigns\.summer\.country: is required/)
})

t.test('a bad environment variable stops the server and names it', async t => {
  const server = startServer({ PORT: 'eighty' })
  const code = await server.exited
  t.equal(code, 1)
  t.match(server.stderr(), /PORT: must be a port number/)
})

t.test('.env in the working directory is read', async t => {
  const dir = t.testdir({ '.env': 'CAMPAIGNS_FILE=from-dot-env.yaml\n' })
  const server = startServer({}, dir)
  const code = await server.exited
  t.equal(code, 1)
  t.match(server.lines.join('\n'), /from-dot-env\.yaml.*cannot be read/)
})

t.test('SIGHUP reloads the campaigns file; a bad file is refused and the old one stays', async t => {
  const dir = t.testdir()
  const file = `${dir}/campaigns.yaml`
  const { readFile } = await import('node:fs/promises')
  const example = await readFile(new URL('../config/campaigns.example.yaml', import.meta.url), 'utf8')
  await writeFile(file, example)
  // The example's logo path is relative to the file: it travels with it.
  await mkdir(`${dir}/branding`)
  await copyFile(new URL('../config/branding/joes-coffee.svg', import.meta.url), `${dir}/branding/joes-coffee.svg`)
  const server = startServer({ DATABASE_URL: ':memory:', CAMPAIGNS_FILE: file })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const base = await server.ready
  t.equal((await fetch(`${base}/c/autumn`)).status, 404)

  await writeFile(file, example.replace('  world:', '  autumn:'))
  server.child.kill('SIGHUP')
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await check()); i++) await new Promise(resolve => setTimeout(resolve, 50))
  }
  await until(async () => (await fetch(`${base}/c/autumn`)).status === 200)
  t.equal((await fetch(`${base}/c/autumn`)).status, 200, 'the new campaign is served')
  t.equal((await fetch(`${base}/c/world`)).status, 404, 'the removed one is gone')

  await writeFile(file, 'campaigns:\n  broken: { name: x }\n')
  server.child.kill('SIGHUP')
  await until(async () => server.lines.some(line => line.includes('NOT reloaded')))
  t.ok(server.lines.some(line => line.includes('NOT reloaded') && line.includes('campaigns.broken.groupIds: is required')))
  t.equal((await fetch(`${base}/c/autumn`)).status, 200, 'the previous set stays in force')
})
