// optline's command line: `npx optline <command>` (bin/optline.js) or `npm run cli -- <command>`. Picks the command,
// turns failures into a message and an exit status (1 failed, 2 bad usage), and never lets a secret into a message.
import { existsSync } from 'node:fs'
import { scrubSecrets } from '../upstream/redact.ts'
import { type CliIo, CliError, line, secretsIn } from './output.ts'
import { printable, printableLines } from './table.ts'
import { COMMAND_USAGE, type CommandName, USAGE, UsageError } from './usage.ts'

type Run = (args: string[], io: CliIo) => Promise<number>

// Loaded on demand: `help` or `check` need neither pg nor the phone metadata, and scripts call the CLI often.
const COMMANDS: Record<Exclude<CommandName, 'help'>, () => Promise<Run>> = {
  check: async () => (await import('./check.ts')).runCheck,
  stats: async () => (await import('./stats.ts')).runStats,
  held: async () => (await import('./held.ts')).runHeld,
  release: async () => (await import('./release.ts')).runRelease,
  export: async () => (await import('./export.ts')).runExport,
  'delete-number': async () => (await import('./delete-number.ts')).runDeleteNumber,
  qr: async () => (await import('./qr.ts')).runQr,
  'hash-password': async () => (await import('./hash-password.ts')).runHashPassword
}

function isCommand (name: string): name is CommandName {
  return Object.hasOwn(COMMAND_USAGE, name)
}

export async function main (argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv
  try {
    if (name === undefined) throw new UsageError('a command is needed')
    if (name === 'help' || name === '--help' || name === '-h') return help(args, io)
    if (!isCommand(name)) throw new UsageError(`unknown command '${printable(name)}'`)
    if (args.includes('--help') || args.includes('-h')) {
      line(io.stdout, COMMAND_USAGE[name])
      return 0
    }
    const run = await COMMANDS[name as Exclude<CommandName, 'help'>]()
    return await run(args, io)
  } catch (error) {
    return failed(error, io)
  }
}

function help (args: string[], io: CliIo): number {
  const [topic, extra] = args
  if (extra !== undefined) throw new UsageError(`help takes one command, got '${printable(extra)}' too`, 'help')
  if (topic === undefined) {
    line(io.stdout, USAGE)
    return 0
  }
  if (!isCommand(topic)) throw new UsageError(`unknown command '${printable(topic)}'`)
  line(io.stdout, COMMAND_USAGE[topic])
  return 0
}

function failed (error: unknown, io: CliIo): number {
  const scrub = (text: string) => printableLines(scrubSecrets(text, secretsIn(io.env)))
  if (error instanceof UsageError) {
    line(io.stderr, `optline: ${scrub(error.message)}`)
    line(io.stderr)
    line(io.stderr, error.command === undefined ? USAGE : `Usage: ${COMMAND_USAGE[error.command as CommandName] ?? USAGE}`)
    return 2
  }
  // By name: importing EnvError and CampaignsFileError would load the schemas for every command, `help` included.
  if (error instanceof CliError || (error instanceof Error && (error.name === 'EnvError' || error.name === 'CampaignsFileError'))) {
    line(io.stderr, `optline: ${scrub(error.message)}`)
    return 1
  }
  // Anything else (the database unreachable, a disk full): its message only, never a stack with values in it.
  const message = error instanceof Error ? error.message : String(error)
  line(io.stderr, `optline: failed: ${scrub(message)}`)
  return 1
}

/** The program: the server's .env first (as server.ts reads it), then the command; sets the exit status. */
export async function runCli (): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env')
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => Date.now(),
    stdin: process.stdin
  })
}

// `node src/cli/main.ts …` (npm run cli); bin/optline.js imports this file and calls runCli() itself.
if (import.meta.main) await runCli()
