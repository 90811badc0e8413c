// `optline held`: the held signups (suspected abuse), newest first, numbers masked to their last 4 digits.
import { maskPhone } from '../upstream/redact.ts'
import { settings, withStore } from './context.ts'
import { type CliIo, line } from './output.ts'
import { printable, table, utcTime } from './table.ts'
import { parseCommand, parseWholeNumber } from './usage.ts'

const DEFAULT_LIMIT = 50

export async function runHeld (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand('held', args, { campaign: { type: 'string' }, limit: { type: 'string' } })
  const limit = values.limit === undefined ? DEFAULT_LIMIT : parseWholeNumber('held', '--limit', values.limit, 1, 10_000)
  const held = await withStore(settings(io), store => store.listHeld({ campaign: values.campaign, limit }))
  const where = values.campaign === undefined ? '' : ` in campaign ${printable(values.campaign)}`
  if (held.length === 0) {
    line(io.stdout, `No held signups${where}.`)
    return 0
  }
  line(io.stdout, table(['id', 'time (UTC)', 'campaign', 'number', 'reason', 'IP', 'source'], held.map(h => [
    h.id, utcTime(h.createdAt), h.campaign, maskPhone(h.e164), h.reason, h.clientIp ?? '-', h.source ?? '-'
  ])))
  line(io.stdout)
  const more = held.length === limit ? ` (the ${limit} newest${where}; --limit for more)` : ''
  line(io.stdout, `${held.length} held${more}. Release a real one with: optline release <id>`)
  return 0
}
