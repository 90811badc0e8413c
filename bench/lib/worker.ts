// Bench helpers that run in their own process (load generators, the stand-in): a tiny request/answer protocol
// over Node's IPC channel. startWorker() is the parent's side, serve() the child's.
import { fork } from 'node:child_process'

interface Request { id: number, command: string, input: unknown }
interface Answer { id: number, result?: unknown, error?: string }

export interface Worker {
  pid: number
  /** Runs `command` in the worker; rejects with the worker's error, or when `timeoutMs` passes. */
  call: <T>(command: string, input?: unknown, timeoutMs?: number) => Promise<T>
  /** Disconnects (the worker then exits); SIGKILL if it is still there after a second. */
  close: () => Promise<void>
}

export function startWorker (script: string): Worker {
  const child = fork(script, [], { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
  const pending = new Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void }>()
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  let next = 0
  child.on('message', (message: Answer) => {
    const waiting = pending.get(message.id)
    pending.delete(message.id)
    if (message.error !== undefined) waiting?.reject(new Error(`${script}: ${message.error}`))
    else waiting?.resolve(message.result)
  })
  child.once('exit', code => {
    for (const waiting of pending.values()) waiting.reject(new Error(`${script} exited (${code})`))
    pending.clear()
  })
  return {
    pid: child.pid ?? -1,
    call<T> (command: string, input?: unknown, timeoutMs = 120_000) {
      const id = ++next
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${script}: ${command} took longer than ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, {
          resolve: value => { clearTimeout(timer); resolve(value as T) },
          reject: error => { clearTimeout(timer); reject(error) }
        })
        child.send({ id, command, input } satisfies Request)
      })
    },
    async close () {
      if (child.connected) child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** The worker's side: answers each command with its handler's result; exits when the parent disconnects. */
export function serve (handlers: Record<string, (input: unknown) => unknown>): void {
  process.on('message', async (message: Request) => {
    let answer: Answer
    try {
      const handler = handlers[message.command]
      if (handler === undefined) throw new Error(`unknown command ${message.command}`)
      answer = { id: message.id, result: await handler(message.input) }
    } catch (error) {
      answer = { id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }
    }
    process.send?.(answer)
  })
  process.once('disconnect', () => process.exit(0))
}
