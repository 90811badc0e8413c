// The SQLite checkpointer thread: copies committed pages from the WAL into the database file, on a connection of its
// own, so that no signup's commit waits for it. Started and stopped by the writer thread (sqlite-writer-thread.ts),
// whose connection no longer checkpoints itself.
//
// Why: by default the connection that commits runs the checkpoint when the WAL passes 1000 pages, inside that
// commit, copying the pages and fsyncing the database file while the signups of the next batch wait. Timed per
// commit at 2000 signups/s (ad hoc, side by side), the writer's p99 went from about 2.8 ms to 1.5 ms with the
// checkpoints moved here. A PASSIVE checkpoint here runs beside the commits (WAL lets the writer append meanwhile)
// and never waits for a lock. The WAL file starts over only once every frame is copied, which a steady stream of
// commits never allows, so when the WAL is long and two passes in a row copied it all, the writer is asked to copy
// the few frames it committed since, between two transactions (sqlite-writer-thread.ts, letWalStartOver).
import { parentPort, workerData } from 'node:worker_threads'
import { openSqliteConnection } from './sqlite-connection.ts'
import type { WriterData } from './sqlite-writer.ts'

export interface CheckpointerData extends WriterData {
  everyMs: number
  /** The WAL length (pages) from which the writer is asked to let it start over. */
  restartAtPages: number
  /** One Int32, set to 1 here to ask the writer thread to let the WAL start over (sqlite-writer-thread.ts says why). */
  restartWanted: SharedArrayBuffer
}

export type CheckpointerRequest = { type: 'close' }

const port = parentPort
if (port === null) throw new Error('sqlite-checkpointer-thread.ts runs as a worker thread only')
const data = workerData as CheckpointerData
const { path, durability, everyMs, restartAtPages } = data
const restartWanted = new Int32Array(data.restartWanted)
// Busy timeout 0: a PASSIVE checkpoint never waits anyway, and a busy one is simply tried again at the next tick.
const db = openSqliteConnection(path, durability, 0)
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')

const timer = setInterval(() => {
  try {
    // A second pass straight after one that copied everything copies only what was committed during the first:
    // when it too catches up, the writer has little left to copy (a slow first pass, after a long reader or on a
    // starved CPU, would otherwise leave it all that was committed meanwhile, between two of its batches).
    if (copiedAll(checkpoint.get()) && copiedAll(checkpoint.get())) Atomics.store(restartWanted, 0, 1)
  } catch {
    // A transient I/O error, or the database closing: the next tick tries again.
  }
}, everyMs)

/** True when a PASSIVE checkpoint copied the whole WAL, and the WAL is long enough to want starting over. */
function copiedAll (result: unknown): boolean {
  // Busy (another checkpoint is running) is an answer, not an error: busy 1, log and checkpointed -1.
  const { busy, log, checkpointed } = result as { busy: number, log: number, checkpointed: number }
  return busy === 0 && log >= restartAtPages && checkpointed === log
}

port.on('message', (request: CheckpointerRequest) => {
  if (request.type !== 'close') return
  clearInterval(timer)
  db.close()
  port.close()
})
