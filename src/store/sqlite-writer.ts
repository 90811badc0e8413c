// The main thread's side of the SQLite writer thread: posts each write (sqlite-writes.ts) and resolves it with the
// thread's answer once its commit (and fsync) is done. A thread that dies fails what it held; the next write starts
// another.
import { Worker } from 'node:worker_threads'
import { type SqliteWrites, WRITE_NAMES, type WriteName } from './sqlite-writes.ts'

export interface WriterData {
  path: string
  durability: 'full' | 'normal' | undefined
}

export type WriterRequest =
  // The arguments as JSON: one string to copy rather than an accept batch's many small nested objects to clone.
  | { type: 'write', id: number, name: WriteName, json: string }
  | { type: 'close' }

export type WriterReply =
  | { ready: true }
  | { id: number, result: unknown }
  | { id: number, error: { message: string, errcode: number | undefined, type: 'TypeError' | 'Error' } }

/** The same writes as SqliteWrites, each answered asynchronously by the thread. */
export type AsyncWrites = { [K in WriteName]: (...args: Parameters<SqliteWrites[K]>) => Promise<ReturnType<SqliteWrites[K]>> }

export interface WriterThread {
  writes: AsyncWrites
  /** Starts the thread now rather than at the first write (its start-up would delay that write); resolves once it can write. */
  start (): Promise<void>
  /** Lets the thread close its connection and exit. Call once no write is in flight. */
  close (): Promise<void>
}

interface InFlight {
  resolve: (result: unknown) => void
  reject: (error: Error) => void
}

const THREAD_URL = new URL('./sqlite-writer-thread.ts', import.meta.url)

export function createWriterThread (data: WriterData): WriterThread {
  let worker: Worker | undefined
  const inFlight = new Map<number, InFlight>()
  let nextId = 1
  let ready: Promise<void> | undefined
  let closed = false

  function failAll (error: Error): void {
    for (const waiting of inFlight.values()) waiting.reject(error)
    inFlight.clear()
  }

  function running (): Worker {
    if (worker !== undefined) return worker
    const thread = new Worker(THREAD_URL, { workerData: data, name: 'sqlite-writer' })
    ready = new Promise((resolve, reject) => {
      thread.once('message', resolve)
      thread.once('error', reject)
    })
    // Whoever needs it awaits it; a failed start also fails the writes waiting on the thread.
    ready.catch(() => {})
    // An idle writer must not keep the process alive on its own; call() refs it while a write is out.
    ready.then(() => { if (inFlight.size === 0) thread.unref() }, () => {})
    thread.on('message', (reply: WriterReply) => {
      if ('ready' in reply) return
      const waiting = inFlight.get(reply.id)
      if (waiting === undefined) return
      inFlight.delete(reply.id)
      if (inFlight.size === 0) thread.unref()
      if ('result' in reply) {
        waiting.resolve(reply.result)
      } else {
        const { message, errcode, type } = reply.error
        // The same error class the inline store throws, so callers tell bad input (TypeError) from a failed write.
        waiting.reject(Object.assign(type === 'TypeError' ? new TypeError(message) : new Error(message), { errcode }))
      }
    })
    thread.on('error', error => failAll(error))
    thread.on('exit', code => {
      if (worker === thread) worker = undefined
      // It may have died between a COMMIT and its answer: saved or not, the caller cannot know.
      failAll(new Error(`store: the SQLite writer thread stopped (exit code ${code}); its write may not have been saved`))
    })
    worker = thread
    return thread
  }

  function call (name: WriteName, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // After close(), a write would start a thread nobody closes.
      if (closed) throw new Error(`store: ${name}() after close()`)
      // Serialised before anything is registered: a value JSON cannot carry fails this call alone.
      const json = JSON.stringify(args)
      const thread = running()
      const id = nextId++
      inFlight.set(id, { resolve, reject })
      thread.ref()
      thread.postMessage({ type: 'write', id, name, json } satisfies WriterRequest)
    })
  }

  const writes = Object.fromEntries(WRITE_NAMES.map(name => [name, (...args: unknown[]) => call(name, args)])) as AsyncWrites

  return {
    writes,

    async start () {
      running()
      await ready
    },

    async close () {
      closed = true
      const thread = worker
      if (thread === undefined) return
      worker = undefined
      const exited = new Promise(resolve => thread.once('exit', resolve))
      // Held open until the thread has closed its connection and gone.
      thread.ref()
      thread.postMessage({ type: 'close' } satisfies WriterRequest)
      await exited
    }
  }
}
