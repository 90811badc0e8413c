// The CLI's usage texts, and its bad-usage error (exit status 2) with parseArgs wrapped to raise it.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'

/** Bad usage: the message says what is wrong; the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  readonly command: string | undefined
  constructor (message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

export const COMMAND_USAGE = {
  check: `optline check [--file campaigns.yaml]
  Validates the campaigns file (CAMPAIGNS_FILE unless --file) like the server does at start-up: every problem by
  its path, exit status 1. When it is valid, prints each campaign's rendered CTA and confirmation messages and its
  disclosure, each with its SMS segment count and encoding, then the warnings.`,
  stats: `optline stats [--campaign X]
  Signups by status (pending, sending, delivered, rejected, duplicate, held) per campaign of the campaigns file,
  plus any other campaign found in the database, and in total.`,
  held: `optline held [--campaign X] [--limit N]
  Lists held signups (suspected abuse: never sent unless released), newest first, at most N (default 50): id,
  time (UTC), campaign, number (last 4 digits only), hold reason, IP address, source.`,
  release: `optline release <id>
  Releases one held signup: it becomes pending, and a running optline server's dispatcher sends it at its next
  poll (within a second). No duplicate check is made: if the number's owner signed up meanwhile, the release sends
  a second CTA.`,
  export: `optline export [--campaign X] [--from DATE] [--to DATE] [--format csv|jsonl] [--out FILE]
  Streams consent records, oldest first, every status, each with the disclosure text its visitor was shown, to
  stdout or FILE (written with owner-only permissions, in place once complete); the count goes to stderr.
  DATE is UTC: --from 2026-01-01 starts at that day's midnight, --to 2026-12-31 includes that whole day. A time
  with its zone (2026-01-31T08:00:00Z) is used as given, --to excluding it.
  CSV: a header row, RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @ not followed by a
  plain number) is prefixed with ' . JSON lines (jsonl): one object per record, values as stored.
  Full phone numbers: the export is the marketer's consent proof, the one place they go out in full.`,
  'delete-number': `optline delete-number <phone> --note "why" [--country US]
  Deletes every record of one number, in every campaign, on the number owner's request: signups, consent records
  and attempt logs. Asks nothing (it is for scripts). The deletion itself is recorded: the number's SHA-256, the
  campaigns, the count, the time and the note (a ticket or the request's date, never the number). <phone> is read
  like the signup form reads it, --country for a national number (default US); +<digits> as stored also works.
  ProTexting keeps its own copy of a contact it was sent: delete that one in ProTexting.`,
  qr: `optline qr <campaign> [--src TAG] [--lang CODE] [--format svg|png] [--size PIXELS] [--out FILE] [--base URL]
  The campaign's QR code (error correction Q, 4-module quiet zone) for posters, receipts and TV: SVG to stdout or
  FILE, PNG (--format png or an --out ending in .png; --size 128 to 4096, default 1024) to FILE. It encodes
  PUBLIC_URL/c/<campaign> (--base overrides PUBLIC_URL), with ?src=TAG to count the signups this print brings, and
  lang=CODE (one of the campaign's languages) so a sign in that language opens the page in it.`,
  'hash-password': `optline hash-password
  Reads a new password for the /admin dashboard and prints its scrypt hash, to be set as ADMIN_PASSWORD_HASH. At a
  terminal it asks twice without echoing; otherwise it reads the first line of stdin
  (printf '%s' "$PASSWORD" | optline hash-password). At least 12 characters. The password itself is never printed.`,
  help: `optline help [command]
  This text, or one command's.`
} as const

export type CommandName = keyof typeof COMMAND_USAGE

export const USAGE = `optline: the operator's command line for optline. It reads the server's settings from the environment
(DATABASE_URL, CAMPAIGNS_FILE, …), and from .env in the working directory for what the environment leaves unset.

Usage: optline <command> [options]       or, in the project: npm run cli -- <command> [options]

Commands:
  check [--file campaigns.yaml]      validate the campaigns file; print each message with its SMS segments
  stats [--campaign X]               signups by status, per campaign
  held [--campaign X] [--limit N]    held signups (suspected abuse), newest first
  release <id>                       release one held signup: a running server sends it within a second
  export [--campaign X] [--from DATE] [--to DATE] [--format csv|jsonl] [--out FILE]
                                     consent records, oldest first; the count goes to stderr
  qr <campaign> [--src TAG] [--lang CODE] [--format svg|png] [--size N] [--out FILE]
                                     the campaign's QR code (PUBLIC_URL/c/<campaign>?src=TAG)
  delete-number <phone> --note "why" [--country US]
                                     delete one number's records on request; the deletion is recorded
  hash-password                      read a password for /admin, print the ADMIN_PASSWORD_HASH to set
  help [command]                     this text, or one command's (also: <command> --help)

Phone numbers are shown with their last 4 digits only, except by export, which writes them in full: it is the
marketer's consent proof; keep the file where such records belong. The access token is never printed.
Exit status: 0 done, 1 failed (the message says why), 2 bad usage.`

/**
 * parseArgs, strict, with its errors turned into UsageError naming the command. `positionals` names the arguments
 * the command takes, in order; all are required, extra ones are refused. (--help never gets here: main answers it.)
 */
export function parseCommand<O extends ParseArgsOptionsConfig> (command: CommandName, args: string[], options: O, positionals: string[] = []) {
  let parsed
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    // parseArgs words its errors well ("Unknown option '--x'"); only its advice about '--' is dropped.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command)
  }
  if (parsed.positionals.length < positionals.length) {
    throw new UsageError(`${command} needs ${positionals.slice(parsed.positionals.length).map(p => `<${p}>`).join(' ')}`, command)
  }
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(`${command} does not take '${parsed.positionals[positionals.length] ?? ''}'`, command)
  }
  return parsed
}

/** A whole number in [min, max], or a UsageError naming the option. */
export function parseWholeNumber (command: CommandName, name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got '${text}'`, command)
  }
  return value
}
