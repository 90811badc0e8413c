// `optline release <id>`: one held signup becomes pending; a running server's dispatcher sends it at its next poll.
import { maskPhone } from '../upstream/redact.ts'
import { settings, withStore } from './context.ts'
import { type CliIo, line } from './output.ts'
import { printable, utcTime } from './table.ts'
import { parseCommand, parseWholeNumber } from './usage.ts'

export async function runRelease (args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseCommand('release', args, {}, ['id'])
  const id = parseWholeNumber('release', '<id>', positionals[0] ?? '', 1, Number.MAX_SAFE_INTEGER)
  return await withStore(settings(io), async store => {
    const before = await store.signupDetail(id)
    if (before === undefined) {
      line(io.stderr, `No signup ${id}.`)
      return 1
    }
    const what = `signup ${id} (${printable(before.campaign)}, ${maskPhone(before.e164)}, held for ${printable(before.holdReason ?? '?')})`
    if (before.status !== 'held') {
      const released = before.releasedAt === undefined ? '' : `: it was released at ${utcTime(before.releasedAt)} UTC`
      line(io.stderr, `Signup ${id} is not held${released}; it is ${before.status}. Nothing changed.`)
      return 1
    }
    if (!(await store.releaseHeld(id, io.now()))) {
      line(io.stderr, `Signup ${id} stopped being held meanwhile (released by someone else?). Nothing changed.`)
      return 1
    }
    line(io.stdout, `Released ${what}: it is pending now. A running optline server sends it at its dispatcher's next poll, within a second.`)
    return 0
  })
}
