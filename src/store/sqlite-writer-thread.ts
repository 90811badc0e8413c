// The SQLite writer thread: owns a connection of its own and runs the writes the main thread posts (sqlite-writes.ts),
// one at a time, so their SQL and the fsync of each commit happen off the event loop that answers visitors.
import { parentPort, Worker, workerData } from 'node:worker_threads'
import { beginImmediateBlocking, openSqliteConnection, WAL_KEPT_BYTES } from './sqlite-connection.ts'
import { createSqliteWrites } from './sqlite-writes.ts'
import type { WriterData, WriterReply, WriterRequest } from './sqlite-writer.ts'
import type { CheckpointerData, CheckpointerRequest } from './sqlite-checkpointer-thread.ts'

const port = parentPort
if (port === null) throw new Error('sqlite-writer-thread.ts runs as a worker thread only')
const { path, durability } = workerData as WriterData
// Busy timeout 0: beginImmediateBlocking waits for the lock in finer steps than SQLite's handler.
const db = openSqliteConnection(path, durability, 0)
const writes = createSqliteWrites(db, beginImmediateBlocking)

/**
 * SQLite's default: the committing connection checkpoints once the WAL holds this many pages. Also the length from
 * which the checkpointer asks this thread to let the WAL start over (letWalStartOver).
 */
const AUTOCHECKPOINT_PAGES = 1000
/** How often the checkpointer copies what was committed meanwhile (over a thousand pages at 2000 signups/s). */
const CHECKPOINT_EVERY_MS = 250

// Checkpoints leave this connection's commits for a thread of their own (sqlite-checkpointer-thread.ts says why).
db.exec('PRAGMA wal_autocheckpoint = 0')
// SQLite never shrinks the WAL file by itself: one that grew while something held the checkpoints back (a consent
// export reading for minutes during a burst) would keep that size on disk for as long as the server runs. With a
// limit, the first commit after the file starts over cuts it back to this size.
db.exec(`PRAGMA journal_size_limit = ${WAL_KEPT_BYTES}`)
// Set to 1 by the checkpointer when it has copied the whole WAL as it stood and the file is long: this thread then
// finishes the job between two transactions (finishCheckpoint below).
const restartWanted = new Int32Array(new SharedArrayBuffer(4))
const finishCheckpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
const checkpointer = new Worker(new URL('./sqlite-checkpointer-thread.ts', import.meta.url), {
  workerData: {
    path, durability, everyMs: CHECKPOINT_EVERY_MS, restartAtPages: AUTOCHECKPOINT_PAGES, restartWanted: restartWanted.buffer
  } satisfies CheckpointerData,
  // Named so that per-thread tools (top -H, /proc/<pid>/task/*/comm) tell it from the writer.
  name: 'sqlite-checkpointer'
})
const checkpointerGone = new Promise<void>(resolve => checkpointer.once('exit', () => {
  // Should it ever die, this connection checkpoints again, as SQLite does by default: the WAL never grows unbounded.
  if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
  resolve()
}))
// An error ends that thread: the exit handler above has this connection checkpoint again; nothing else to do.
checkpointer.on('error', () => {})

port.postMessage({ ready: true } satisfies WriterReply)

port.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    // The checkpointer closes its connection first, then this one (the last connection to close checkpoints what is
    // left). A message to a checkpointer already gone is dropped, and its exit has already resolved the promise.
    checkpointer.postMessage({ type: 'close' } satisfies CheckpointerRequest)
    checkpointerGone.then(() => {
      db.close()
      port.close()
    })
    return
  }
  let reply: WriterReply
  try {
    const write = writes[request.name] as (...args: unknown[]) => unknown
    // JSON has no undefined: an absent optional value arrives as null (sqlite-writes.ts treats both alike).
    reply = { id: request.id, result: write(...(JSON.parse(request.json) as unknown[])) }
  } catch (error) {
    const { message, errcode } = error as { message?: unknown, errcode?: unknown }
    reply = { id: request.id, error: { message: String(message ?? error), errcode: typeof errcode === 'number' ? errcode : undefined, type: error instanceof TypeError ? 'TypeError' : 'Error' } }
  }
  port.postMessage(reply)
  if (Atomics.exchange(restartWanted, 0, 0) === 1) letWalStartOver()
})

/**
 * SQLite starts the WAL file over (writing from its beginning again) only when a transaction begins with every frame
 * already copied into the database. Under a steady stream of signups that never happens by itself: this thread
 * commits again while the checkpointer copies, so the WAL grew by every commit (1.3 GB beside a 79 MB database
 * after 13 s of closed-loop load, about 100,000 signups), and each frame appended past the end of the file made
 * the kernel zero a fresh page first (a third of this thread's CPU in perf). Here, between two of this process's
 * transactions, this checkpoint copies what was committed since the checkpointer's last pass (little: it asks only
 * after two passes in a row caught up), so the next BEGIN starts over. A PASSIVE checkpoint never waits: with a
 * reader in the way it copies up to that reader's snapshot, and the checkpointer asks again at a later pass.
 */
function letWalStartOver (): void {
  try {
    finishCheckpoint.get()
  } catch {
    // An I/O error, or a transaction left open by a failed ROLLBACK (SQLITE_LOCKED): the commits that follow fail or
    // succeed on their own; the checkpointer asks again.
  }
}
