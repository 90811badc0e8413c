// Runs the CLI as an operator does, as a child process (this Node + src/cli/main.ts), in a directory of its own with
// only the environment a test gives it; plus a SQLite file filled through openStore, and a small CSV reader.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
export const SHIM = fileURLToPath(new URL('../../bin/optline.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

// The server's variables: the child gets none of the test runner's, only what the test sets.
const SETTINGS = ['PORT', 'HOST', 'CAMPAIGNS_FILE', 'PROTEXTING_ACCESS_TOKEN', 'PROTEXTING_API_URL', 'DATABASE_URL',
  'DATABASE_DURABILITY', 'TRUST_PROXY', 'LOG_LEVEL', 'FORM_TOKEN_SECRET', 'TURNSTILE_SECRET_KEY', 'HCAPTCHA_SECRET_KEY',
  'UPSTREAM_TIMEOUT_MS', 'PUBLIC_URL', 'METRICS_TOKEN']

export function runCli (args: string[], options: { env?: Record<string, string>, cwd: string, script?: string }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of SETTINGS) delete env[name]
  return new Promise(resolve => {
    execFile(process.execPath, [options.script ?? MAIN, ...args], { cwd: options.cwd, env: { ...env, ...options.env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : (typeof error.code === 'number' ? error.code : null), stdout, stderr }))
  })
}

/** A SQLite file in the test's directory, migrated; `fill` writes what the test needs (its result comes back as
 * `filled`), then the store is closed, so the CLI is the only one with the file open. */
export async function sqliteFile<T = undefined> (t: Test, fill?: (store: InstrumentedStore) => Promise<T>) {
  const dir = t.testdir()
  const path = join(dir, 'optline.db')
  const store = await openStore({ url: path })
  let filled: T | undefined
  try {
    filled = await fill?.(store)
  } finally {
    await store.close()
  }
  return { dir, path, env: { DATABASE_URL: path } as Record<string, string>, filled: filled as T }
}

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks; records end with CRLF. */
export function parseCsv (text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') {
        quoted = false
      } else {
        cell += char
      }
    } else if (char === '"') {
      quoted = true
    } else if (char === ',') {
      record.push(cell)
      cell = ''
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(cell)
      records.push(record)
      record = []
      cell = ''
      i++
    } else {
      cell += char
    }
  }
  if (cell !== '' || record.length > 0) throw new Error('CSV does not end with CRLF')
  return records
}
