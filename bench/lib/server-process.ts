// Starts an HTTP server under test as its own process (like `npm start`), times it to /readyz 200, stops it.
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { cpuSecondsOf, memoryOf, type Memory } from './proc.ts'
import { startFlags } from '../../scripts/start-command.ts'

export interface ServerProcess {
  pid: number
  /** http://127.0.0.1:PORT */
  url: string
  /** From spawn() to the first 200 from /readyz, ms. */
  startupMs: number
  /** performance.now() of this (the bench's) process at spawn(): a server's age is measured from here. */
  spawnedAt: number
  logFile: string
  memory: () => Memory | undefined
  cpuSeconds: () => number | undefined
  /** SIGTERM (graceful shutdown), SIGKILL if it takes longer than `graceMs`; resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>
}

export interface StartOptions {
  script: string
  env: Record<string, string>
  cwd: string
  /** The child's stdout and stderr go straight to this file, so the bench process never reads its logs. */
  logFile: string
  timeoutMs?: number
}

/** A port nobody listens on right now (the kernel's choice), for a child that must be told its port. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise(resolve => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('freePort: no TCP address')
  return address.port
}

async function answersReady (url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

export async function startServerProcess (options: StartOptions): Promise<ServerProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const log = openSync(options.logFile, 'a')
  const started = performance.now()
  // With npm start's Node flags: the bare route too, so both sides of a comparison run on the same runtime settings.
  const child = spawn(process.execPath, [...startFlags(), options.script], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', ...options.env, PORT: String(port) },
    stdio: ['ignore', log, log]
  })
  closeSync(log)
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not spawn ${options.script}`)
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>(resolve => child.once('exit', code => { exitCode = code; resolve(code) }))

  const deadline = started + (options.timeoutMs ?? 30_000)
  let startupMs = Number.NaN
  while (performance.now() < deadline && child.exitCode === null && child.signalCode === null) {
    if (await answersReady(url)) {
      startupMs = performance.now() - started
      break
    }
    await delay(10)
  }
  async function stop (graceMs = 15_000): Promise<number | null> {
    if (exitCode !== undefined) return exitCode
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  if (Number.isNaN(startupMs)) {
    await stop(1000)
    throw new Error(`${options.script} did not answer /readyz 200 (exit ${exitCode}); see ${options.logFile}`)
  }
  return { pid, url, startupMs, spawnedAt: started, logFile: options.logFile, memory: () => memoryOf(pid), cpuSeconds: () => cpuSecondsOf(pid), stop }
}
