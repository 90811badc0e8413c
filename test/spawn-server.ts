// Runs `node src/server.ts` as a child process, the way `npm start` does, and reads its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startFlags } from '../scripts/start-command.ts'

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url))
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' }

export interface RunningServer {
  child: ChildProcess
  lines: string[]
  /** Resolves with the base URL (http://127.0.0.1:PORT) once the server says it is ready. */
  ready: Promise<string>
  /** Resolves with the exit code (null after a signal), however early the process ended. */
  exited: Promise<number | null>
  stderr: () => string
}

/** `script`: another entry point that starts optline (the bench's variants); src/server.ts by default. */
export function startServer (env: Record<string, string>, cwd?: string, script = SERVER): RunningServer {
  const child = spawn(process.execPath, [...startFlags(), script], { env: { ...BASE_ENV, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += String(chunk) })
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', line => {
      lines.push(line)
      const match = /"campaigns":\["(http:\/\/[^/]+)\//.exec(line)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    child.once('exit', code => reject(new Error(`exited ${code}: ${stderr}${lines.join('\n')}`)))
  })
  ready.catch(() => {}) // tests that expect an exit never await it
  return { child, lines, ready, exited, stderr: () => stderr }
}
