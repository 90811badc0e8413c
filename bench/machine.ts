// What the numbers were measured on: CPU, memory, OS, Node and the versions of everything in the path.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { createRequire } from 'node:module'
import pg from 'pg'
import { ADMIN_URL } from './lib/postgres.ts'

export interface Machine {
  cpu: string
  cores: number
  ramGiB: number
  os: string
  node: string
  postgres: string | undefined
  packages: Record<string, string>
  /** The commit measured, and whether src/ had uncommitted changes at the time. */
  revision: string
}

const require = createRequire(import.meta.url)

function versionOf (name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version
  } catch {
    return '?'
  }
}

function osName (): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]
    return `${pretty ?? 'Linux'}, kernel ${release()}`
  } catch {
    return `kernel ${release()}`
  }
}

function revision (): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', cwd: new URL('..', import.meta.url) }).trim()
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length
    return `${git('rev-parse', '--short', 'HEAD')}${dirty > 0 ? ` + uncommitted changes to ${dirty} file${dirty === 1 ? '' : 's'} in src/` : ''}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

async function postgresVersion (): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version')
    return rows[0]?.server_version
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
}

export async function describeMachine (): Promise<Machine> {
  return {
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    ramGiB: totalmem() / 2 ** 30,
    os: osName(),
    node: process.version,
    postgres: await postgresVersion(),
    packages: Object.fromEntries(['fastify', 'pg', 'libphonenumber-js', 'pino', 'autocannon', 'undici'].map(name => [name, versionOf(name)])),
    revision: revision()
  }
}
