// npm start, the Docker image and everything that spawns the server (tests, bench) run Node with the same flags.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { startFlags } from '../scripts/start-command.ts'

t.test('the Dockerfile runs what npm start runs, flags included', async t => {
  const flags = startFlags()
  t.ok(flags.includes('--v8-pool-size=1'), 'one V8 helper thread (docs/deploy.md, "Node flags")')
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1]
  t.ok(cmd, 'the Dockerfile has an exec-form CMD')
  t.same(JSON.parse(cmd ?? '[]'), ['node', ...flags, 'src/server.ts'])
})
