// Where the JSON log lines go when no person is watching: stdout, written from the event loop in batches.
//
// One line per request is the busiest output the server has. Handed one by one to pino's file transport (a worker
// thread), each line woke that thread: at 2,000 signups/s the logging cost 0.15-0.2 CPU cores, most of it waking
// threads, not writing (measured ad hoc against LOG_LEVEL=warn). Here lines wait in sonic-boom's buffer (pino's own
// destination) until 4 KB have gathered or BATCH_MS have passed since the first of them, then leave in one write
// done by libuv's thread pool: at most one wake-up per batch.
//
// Nothing logged is lost on the way out: pino registers sonic-boom to be flushed synchronously at process exit
// (also on a crash: an uncaught exception's last line is written), and logger.flush(cb) waits for the buffer.
// A kill -9 loses at most the last BATCH_MS of lines, as an unwritten thread-stream buffer did before.
import { pino } from 'pino'

/** A line waits at most this long (ms) for company before it is written. */
export const BATCH_MS = 25
/** Bytes that are written at once, without waiting for BATCH_MS. */
export const BATCH_BYTES = 4096

export interface LogDestination {
  write (line: string): void
  /** Writes what is buffered; `done` once it is out. */
  flush (done?: (error?: Error) => void): void
  flushSync (): void
}

export function batchedLogDestination (fd = 1, batchMs = BATCH_MS): LogDestination {
  const sonic = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES })
  let timer: NodeJS.Timeout | undefined

  function flushNow (): void {
    timer = undefined
    sonic.flush()
  }

  return {
    write (line) {
      sonic.write(line)
      // Unref'd: a pending batch never keeps the process alive; exit flushes it.
      if (timer === undefined) timer = setTimeout(flushNow, batchMs).unref()
    },
    flush (done) {
      clearTimeout(timer)
      timer = undefined
      sonic.flush(done)
    },
    flushSync () {
      clearTimeout(timer)
      timer = undefined
      sonic.flushSync()
    }
  }
}
