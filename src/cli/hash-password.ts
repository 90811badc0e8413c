// `optline hash-password`: a new admin password → the scrypt hash to set as ADMIN_PASSWORD_HASH. Asked twice without
// echo at a terminal, read from stdin otherwise; the password never reaches stdout, an argument or the shell history.
import { DEFAULT_COST, hashPassword, MIN_PASSWORD_LENGTH } from '../admin/password-hash.ts'
import { type CliIo, CliError, line } from './output.ts'
import { parseCommand } from './usage.ts'

type Input = NonNullable<CliIo['stdin']>

export async function runHashPassword (args: string[], io: CliIo): Promise<number> {
  parseCommand('hash-password', args, {})
  const stdin = io.stdin
  if (stdin === undefined) throw new CliError('hash-password needs the password on stdin')
  let password: string
  if (stdin.isTTY === true && typeof stdin.setRawMode === 'function') {
    password = await askHidden(stdin, io, 'New admin password: ')
    check(password)
    if (await askHidden(stdin, io, 'The same again: ') !== password) throw new CliError('the two passwords differ; nothing was printed')
  } else {
    password = firstLine(await readAll(stdin))
    check(password)
  }
  line(io.stdout, await hashPassword(password, DEFAULT_COST))
  line(io.stderr, 'Set that line as ADMIN_PASSWORD_HASH (environment or .env) on every instance, then restart; /admin then asks for this password.')
  return 0
}

function check (password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw new CliError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters; nothing was printed`)
  if (password.trim() !== password) throw new CliError('the password starts or ends with a space: on purpose? Leave them out; nothing was printed')
}

/** The first line without its line ending (`echo pw |` adds one, `printf %s pw |` does not). */
function firstLine (text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? ''
}

async function readAll (stdin: Input): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += String(chunk)
    // Only the first line is used; a password file should not have to end for us to stop.
    if (text.includes('\n') || text.length > 4096) break
  }
  return text
}

/** One line from a terminal in raw mode: nothing echoed, backspace honoured, Ctrl-C and Ctrl-D give up. */
function askHidden (stdin: Input, io: CliIo, prompt: string): Promise<string> {
  io.stderr.write(prompt)
  stdin.setRawMode?.(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let chars: string[] = []
    const finish = (error?: Error) => {
      stdin.off('data', onData)
      stdin.setRawMode?.(false)
      stdin.pause()
      io.stderr.write('\n')
      if (error === undefined) resolve(chars.join(''))
      else reject(error)
    }
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish()
        if (char === '\u0003' || char === '\u0004') return finish(new CliError('cancelled; nothing was printed'))
        if (char === '\u007f' || char === '\b') chars = chars.slice(0, -1)
        else chars.push(char)
      }
    }
    stdin.on('data', onData)
  })
}
