// Log lines reach pino's transport thread in batches: one hand-over per LOG_BATCH_MS (or 16 KB) instead of one per line.
//
// The transport thread (pino/file, writing stdout) sleeps until a write wakes it. Woken for every line, the one line
// per request cost more than writing it: at 2,000 signups/s the thread used about 40 us of CPU per line, and the
// event loop paid a wake-up call for each (measured ad hoc). Lines kept here for a few milliseconds leave together.
//
// Nothing is lost on the way out, and nothing changes order: every hand-over is a synchronous write into the
// transport's own buffer, made by a timer that always fires (it waits for nothing else), by flush() and flushSync()
// (pino calls it after a fatal line), and at process exit by a listener put first in line, before the transport's own
// exit flush. A line logged after that, by a later 'exit' listener, goes straight through. A kill -9 loses at most
// the last batch, as it could lose the transport's unwritten buffer before.
import type { DestinationStream } from 'pino'

/** How long (ms) a line waits for others before the batch is handed over. */
export const LOG_BATCH_MS = 10
/** A batch this long (characters) is handed over at once. */
export const LOG_BATCH_CHARS = 16_384

/** What pino's transport stream offers: write, and the flushes pino and its exit handling call. */
export interface TransportStream extends DestinationStream {
  flush?: (done: (error?: Error) => void) => void
  flushSync?: () => void
  /** pino sends the transport its settings (levels, message key) as a 'message' event when it starts. */
  emit?: (event: string, ...args: unknown[]) => boolean
}

/** The stream to give pino instead of `target`: the same lines, handed to `target` in batches. */
export function batchLines (target: TransportStream, batchMs = LOG_BATCH_MS): TransportStream {
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  let exiting = false

  function handOver (): void {
    clearTimeout(timer)
    timer = undefined
    if (pending === '') return
    const batch = pending
    pending = ''
    target.write(batch)
  }

  // Prepended: Node runs 'exit' listeners in order, and the transport's flush must find these lines already handed over.
  process.prependListener('exit', () => {
    exiting = true
    handOver()
  })

  return {
    write (line: string) {
      pending += line
      if (exiting || pending.length >= LOG_BATCH_CHARS) handOver()
      // Unref'd: a waiting batch never keeps the process alive; the exit listener hands it over.
      else if (timer === undefined) timer = setTimeout(handOver, batchMs).unref()
    },
    flush (done) {
      handOver()
      if (target.flush === undefined) done()
      else target.flush(done)
    },
    flushSync () {
      handOver()
      target.flushSync?.()
    },
    emit (event, ...args) {
      return target.emit?.(event, ...args) ?? false
    }
  }
}
