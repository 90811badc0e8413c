// `optline delete-number <phone> --note "…"`: one number's records deleted on request, the deletion recorded. No
// questions asked (it runs from scripts); the note is required, and the output masks the number like every log.
import { deletionNumber } from '../admin/deletion-number.ts'
import { isCountryCode } from '../phone/normalize.ts'
import { maskPhone } from '../upstream/redact.ts'
import { settings, withStore } from './context.ts'
import { type CliIo, line } from './output.ts'
import { printable, utcTime } from './table.ts'
import { parseCommand, UsageError } from './usage.ts'

export async function runDeleteNumber (args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('delete-number', args, { note: { type: 'string' }, country: { type: 'string' } }, ['phone'])
  const phone = positionals[0] ?? ''
  const note = values.note?.trim() ?? ''
  if (note === '') throw new UsageError('delete-number needs --note "why" (a ticket or the request\'s date): it is kept with the deletion record', 'delete-number')
  const country = (values.country ?? 'US').toUpperCase()
  if (!isCountryCode(country)) throw new UsageError(`--country must be a two-letter country code such as US, got '${values.country ?? ''}'`, 'delete-number')
  // Read like the form reads it, any country allowed, or as given when already E.164 (admin/deletion-number.ts).
  const number = deletionNumber(phone, country)
  if (!number.ok) throw new UsageError(`<phone>: ${number.message}`, 'delete-number')
  const { e164 } = number
  if (number.asGiven !== undefined) {
    line(io.stderr, `Note: ${maskPhone(e164)} is not a number a signup would be accepted with today (${number.asGiven}); deleting what is stored under it as given.`)
  }

  const now = io.now()
  const result = await withStore(settings(io), async store => {
    try {
      return await store.deleteNumber(e164, now, note)
    } catch (error) {
      // The store's argument checks (a note quoting the number, a malformed number) are the caller's to fix.
      if (error instanceof TypeError) throw new UsageError(error.message.replace(/^store: /, ''), 'delete-number')
      throw error
    }
  })
  const masked = maskPhone(e164)
  if (result.signups === 0) {
    line(io.stdout, `No records of ${masked} were found; nothing to delete.`)
  } else {
    const campaigns = result.campaigns.map(printable).join(', ')
    line(io.stdout, `Deleted ${result.signups} signup${result.signups === 1 ? '' : 's'} of ${masked} (campaign${result.campaigns.length === 1 ? '' : 's'}: ${campaigns}), each with its consent record and attempt log.`)
  }
  line(io.stdout, `The request is recorded as a deletion at ${utcTime(now)} UTC with the note and the number's SHA-256 (not the number).`)
  if (result.signups > 0) line(io.stdout, 'ProTexting keeps its own copy of a contact it was sent: delete it there too.')
  return 0
}
