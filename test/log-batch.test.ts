// Log lines reach the transport in batches (after LOG_BATCH_MS, or at once past LOG_BATCH_CHARS), in order, and
// none is lost when the process ends, whether normally, by process.exit() or by an uncaught exception.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { LOG_BATCH_CHARS, LOG_BATCH_MS, batchLines, type TransportStream } from '../src/log-batch.ts'

const MODULE = fileURLToPath(new URL('../src/log-batch.ts', import.meta.url))

/** A transport stand-in that records each write it gets and whether pino's flushes reached it. */
function recordingTarget (): TransportStream & { writes: string[], flushed: number, events: string[] } {
  const target = {
    writes: [] as string[],
    flushed: 0,
    events: [] as string[],
    write (chunk: string) { target.writes.push(chunk) },
    flush (done: (error?: Error) => void) { target.flushed++; done() },
    emit (event: string) { target.events.push(event); return true }
  }
  return target
}

const messages = (writes: string[]) => writes.join('').trim().split('\n').map(line => JSON.parse(line).msg)

t.test('lines logged together reach the transport in one write, in order', async t => {
  const target = recordingTarget()
  const logger = pino({ base: undefined }, batchLines(target))
  logger.info('first')
  logger.info('second')
  logger.info('third')
  t.same(target.writes, [], 'nothing is handed over while the batch gathers')
  await delay(LOG_BATCH_MS * 3)
  t.equal(target.writes.length, 1, `one write after ${LOG_BATCH_MS} ms`)
  t.same(messages(target.writes), ['first', 'second', 'third'])
  t.same(target.events, ['message'], 'pino\'s settings message still reaches the transport')
})

t.test('a long batch is handed over at once', async t => {
  const target = recordingTarget()
  // A batch time no test would wait for: only the size can make these lines leave.
  const logger = pino({ base: undefined }, batchLines(target, 60_000))
  const filler = 'x'.repeat(500)
  for (let i = 0; i * 500 < LOG_BATCH_CHARS; i++) logger.info({ i, filler }, 'line')
  t.equal(target.writes.length, 1, `past ${LOG_BATCH_CHARS} characters the batch leaves without waiting`)
})

t.test('flush() hands the batch over, then flushes the transport', async t => {
  const target = recordingTarget()
  const logger = pino({ base: undefined }, batchLines(target, 60_000))
  for (let i = 0; i < 5; i++) logger.info({ i }, 'line')
  await new Promise<void>(resolve => logger.flush(() => resolve()))
  t.equal(target.flushed, 1)
  t.same(messages(target.writes), ['line', 'line', 'line', 'line', 'line'])
})

t.test('a fatal line is handed over at once (pino flushes its stream after one)', async t => {
  const target = recordingTarget()
  const logger = pino({ base: undefined }, batchLines(target, 60_000))
  logger.info('before')
  logger.fatal('down')
  t.same(messages(target.writes), ['before', 'down'], 'both lines, without waiting for the batch')
})

t.test('the last lines reach stdout through the real transport however the process ends', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'optline-log-batch-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const endings: Record<string, string> = {
    'process.exit()': 'process.exit(3)',
    // A line from an 'exit' listener, after the batcher's own hand-over, still goes out (as it does through the
    // transport alone when the listener was added before the transport was ready: its own flush then runs last).
    'a line logged while exiting': 'process.on("exit", () => logger.error("last words")); setTimeout(() => process.exit(4), 300)',
    'an uncaught exception': 'throw new Error("boom")',
    'the event loop running dry': ''
  }
  for (const [name, ending] of Object.entries(endings)) {
    const script = join(dir, `${name.replace(/\W/g, '')}.mjs`)
    writeFileSync(script, [
      `import { pino } from ${JSON.stringify(import.meta.resolve('pino'))}`,
      `import { batchLines } from ${JSON.stringify(MODULE)}`,
      // The transport first, then the batcher: its exit hand-over must still come before the transport's flush.
      // A batch time far beyond the process's life: only the exit hand-over can deliver these lines.
      'const transport = pino.transport({ target: "pino/file", options: { destination: 1 } })',
      'const logger = pino({ base: undefined }, batchLines(transport, 60_000))',
      'for (let i = 0; i < 300; i++) logger.info({ i }, "line")',
      // Not fatal: pino flushes its stream synchronously after a fatal line, which would hide a missing exit hand-over.
      ending.includes('"exit"') ? '' : 'logger.error("last words")',
      ending
    ].join('\n'))
    for (let run = 0; run < 3; run++) {
      const result = spawnSync(process.execPath, [script], { encoding: 'utf8' })
      const lines = result.stdout.trim().split('\n').filter(line => line !== '')
      const order = lines.slice(0, -1).map(line => JSON.parse(line).i)
      t.equal(lines.length, 301, `${name}, run ${run + 1}: every line is written (stderr: ${result.stderr.slice(0, 200)})`)
      t.same(order, Array.from({ length: 300 }, (_, i) => i), `${name}, run ${run + 1}: in order`)
      t.match(lines.at(-1), /"msg":"last words"/, `${name}, run ${run + 1}: the last one last`)
    }
  }
})
