// The log destination: lines leave in batches (after BATCH_MS, or at once past BATCH_BYTES), in order, and none is
// lost when the process exits, whether it ends normally, calls process.exit(), or dies of an uncaught exception.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { BATCH_BYTES, BATCH_MS, batchedLogDestination } from '../src/log-destination.ts'

const MODULE = fileURLToPath(new URL('../src/log-destination.ts', import.meta.url))

function tempLog (t: Test): { fd: number, read: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'optline-log-'))
  const file = join(dir, 'out.log')
  const fd = openSync(file, 'w')
  // The fd stays open: at exit pino flushes what a test left buffered, and a closed fd number may by then belong to
  // another file or pipe. Removing the directory is enough.
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return { fd, read: () => readFileSync(file, 'utf8') }
}

async function until (check: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) return false
    await delay(5)
  }
  return true
}

t.test('a line is written within BATCH_MS, not one write per line', async t => {
  const log = tempLog(t)
  const logger = pino({ base: undefined }, batchedLogDestination(log.fd))
  logger.info('first')
  logger.info('second')
  t.equal(log.read(), '', 'nothing is written while the batch gathers')
  t.ok(await until(() => log.read().split('\n').length === 3), `both lines are out after the batch time (${BATCH_MS} ms)`)
  t.same(log.read().trim().split('\n').map(line => JSON.parse(line).msg), ['first', 'second'], 'in the order logged')
})

t.test('a full batch is written without waiting for the timer', async t => {
  const log = tempLog(t)
  // A batch time no test would wait for: only the size can make these lines leave.
  const logger = pino({ base: undefined }, batchedLogDestination(log.fd, 60_000))
  const filler = 'x'.repeat(200)
  const count = Math.ceil(BATCH_BYTES / 200) + 5
  for (let i = 0; i < count; i++) logger.info({ i, filler }, 'line')
  t.ok(await until(() => log.read().length >= BATCH_BYTES), `past ${BATCH_BYTES} bytes the lines are written`)
})

t.test('flush(done) has written every line by the time it calls back', async t => {
  const log = tempLog(t)
  const logger = pino({ base: undefined }, batchedLogDestination(log.fd, 60_000))
  for (let i = 0; i < 10; i++) logger.info({ i }, 'line')
  await new Promise<void>(resolve => logger.flush(() => resolve()))
  t.same(log.read().trim().split('\n').map(line => JSON.parse(line).i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
})

t.test('the last lines reach stdout however the process ends', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'optline-log-exit-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const endings: Record<string, string> = {
    'process.exit()': 'process.exit(3)',
    'an uncaught exception': 'throw new Error("boom")',
    'the event loop running dry': ''
  }
  for (const [name, ending] of Object.entries(endings)) {
    const script = join(dir, `${name.replace(/\W/g, '')}.mjs`)
    writeFileSync(script, [
      `import { pino } from ${JSON.stringify(import.meta.resolve('pino'))}`,
      `import { batchedLogDestination } from ${JSON.stringify(MODULE)}`,
      // A batch time far beyond the process's life: only the exit flush can write these.
      'const logger = pino({ base: undefined }, batchedLogDestination(1, 60_000))',
      'for (let i = 0; i < 100; i++) logger.info({ i }, "line")',
      'logger.fatal("last words")',
      ending
    ].join('\n'))
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8' })
    const lines = result.stdout.trim().split('\n').filter(line => line !== '')
    t.equal(lines.length, 101, `${name}: every line is written (stderr: ${result.stderr.slice(0, 300)})`)
    t.match(lines.at(-1), /"msg":"last words"/, `${name}: the last one last`)
  }
})
