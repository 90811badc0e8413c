// Crash durability: a child accepting signups is killed with SIGKILL mid-burst; every id it was told is on disk.
import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openStore } from '../../src/store/open.ts'

const child = fileURLToPath(new URL('./fixtures/accept-until-killed.ts', import.meta.url))

t.test('every acknowledged signup survives kill -9', async t => {
  const path = join(t.testdir(), 'crash.db')
  const acknowledged: number[] = []
  const proc = spawn(process.execPath, [child, path], { stdio: ['ignore', 'pipe', 'inherit'] })
  let buffered = ''
  const exited = new Promise<NodeJS.Signals | null>(resolve => proc.on('exit', (_code, signal) => resolve(signal)))
  proc.stdout.setEncoding('utf8')
  proc.stdout.on('data', (chunk: string) => {
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? '' // a line cut by the kill was never fully acknowledged
    for (const line of lines) acknowledged.push(Number(line))
    if (acknowledged.length >= 500) proc.kill('SIGKILL')
  })
  t.equal(await exited, 'SIGKILL', 'the child was killed, not finished')
  t.ok(acknowledged.length >= 500, `${acknowledged.length} ids acknowledged before the kill`)

  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  const missing: number[] = []
  for (const id of acknowledged) {
    if ((await store.signupDetail(id))?.status !== 'pending') missing.push(id)
  }
  t.same(missing, [], 'no acknowledged signup lost')
  const counts = await store.counts()
  t.ok(counts.pending >= acknowledged.length, `${counts.pending} stored ≥ ${acknowledged.length} acknowledged`)
})
