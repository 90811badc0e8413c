// The SQLite writer thread: owns a connection of its own and runs the writes the main thread posts (sqlite-writes.ts),
// one at a time, so their SQL and the fsync of each commit happen off the event loop that answers visitors.
import { parentPort, workerData } from 'node:worker_threads'
import { beginImmediateBlocking, openSqliteConnection } from './sqlite-connection.ts'
import { createSqliteWrites } from './sqlite-writes.ts'
import type { WriterData, WriterReply, WriterRequest } from './sqlite-writer.ts'

const port = parentPort
if (port === null) throw new Error('sqlite-writer-thread.ts runs as a worker thread only')
const { path, durability } = workerData as WriterData
// Busy timeout 0: beginImmediateBlocking waits for the lock in finer steps than SQLite's handler.
const db = openSqliteConnection(path, durability, 0)
const writes = createSqliteWrites(db, beginImmediateBlocking)
port.postMessage({ ready: true } satisfies WriterReply)

port.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    db.close()
    port.close()
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
})
