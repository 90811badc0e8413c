// What every command writes with: its streams and clock, one-message failures, and the secrets no message may carry.
// Light on purpose (no store, no schemas): main.ts loads it for every command, `help` included.
import type { Readable, Writable } from 'node:stream'

export interface CliIo {
  stdout: Writable
  stderr: Writable
  /** process.env after .env was read. */
  env: NodeJS.ProcessEnv
  /** ms since epoch (UTC). */
  now: () => number
  /** What a command may read (hash-password); a terminal when isTTY, then read with echo off. */
  stdin?: Readable & { isTTY?: boolean, setRawMode?: (raw: boolean) => unknown }
}

/** A failure worth one plain message (no stack): printed to stderr, exit status 1. */
export class CliError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CliError'
  }
}

export function line (stream: Writable, text = ''): void {
  stream.write(`${text}\n`)
}

/** Every secret the environment may hold, so that no message of ours can carry one (the token above all). */
export function secretsIn (env: NodeJS.ProcessEnv): string[] {
  const secrets = ['PROTEXTING_ACCESS_TOKEN', 'FORM_TOKEN_SECRET', 'TURNSTILE_SECRET_KEY', 'HCAPTCHA_SECRET_KEY', 'ADMIN_TOKEN', 'METRICS_TOKEN']
    .map(name => env[name]?.trim() ?? '')
  const password = /^postgres(?:ql)?:\/\/[^:@/]*:([^@/]+)@/i.exec(env.DATABASE_URL ?? '')?.[1]
  if (password !== undefined) secrets.push(password, decodeURIComponent(password))
  return secrets.filter(secret => secret.length >= 4)
}
