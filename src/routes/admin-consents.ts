// /admin/consents: the consent export over HTTP (CSV or JSON lines, streamed, by campaign and date range), deletion of
// one number's records on request (a confirmation step first, then recorded as a deletion), and the deletion log.
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { encodeAll, parseBound } from '../cli/export-format.ts'
import { deletionNumber } from '../admin/deletion-number.ts'
import type { Campaign } from '../campaigns/campaign.ts'
import type { Store } from '../store/types.ts'
import { maskPhone } from '../upstream/redact.ts'
import { e164Sha256 } from '../store/consent-records.ts'
import type { AdminPageContext } from './admin.ts'
import { GuardError } from './request-guards.ts'

interface Options {
  store: Store
  campaigns: { all (): Campaign[] }
  now: () => number
  context: AdminPageContext
  /** The export's rate limit for wrong Bearer tokens (the sign-in budget of the address; admin.ts). */
  bearerLimit: Record<string, unknown>
}

interface ExportQuery { campaign?: unknown, from?: unknown, to?: unknown, format?: unknown }
interface DeletionBody { phone?: unknown, country?: unknown, note?: unknown, e164?: unknown }

const LOG_PAGE = 50
/** The same number and note confirmed again within this time is the same request. */
const REPEAT_WINDOW_MS = 10 * 60_000
const SLUG_TEXT = /^[A-Za-z0-9._~-]{1,100}$/

function text (value: unknown, max: number): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : ''
}

export default async function adminConsentRoutes (app: FastifyInstance, options: Options) {
  const { store, campaigns, now, context, bearerLimit } = options
  const campaignOptions = (chosen = '') => campaigns.all().map(c => ({ slug: c.slug, name: c.name, current: c.slug === chosen }))

  /** The consent records page, with whatever the last action has to say. */
  async function consentsPage (request: Parameters<AdminPageContext['page']>[0], reply: Parameters<AdminPageContext['page']>[1], status: number, extra: Record<string, unknown> = {}) {
    const before = Number((request.query as { before?: unknown }).before)
    const deletions = await store.listDeletions({ limit: LOG_PAGE + 1, ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}) })
    const shown = deletions.slice(0, LOG_PAGE)
    return context.page(request, reply, status, 'admin-consents', {
      title: 'Consent records · optline',
      nav: 'consents',
      campaignOptions: campaignOptions(typeof extra.exportCampaign === 'string' ? extra.exportCampaign : ''),
      exportValues: { from: '', to: '', format: 'csv' },
      deletion: { phone: '', country: 'US', note: '' },
      errors: {},
      deletions: shown.map(d => ({
        id: d.id,
        at: new Date(d.deletedAt).toISOString().slice(0, 16).replace('T', ' '),
        hash: d.e164Sha256.slice(0, 12),
        campaigns: d.campaigns.join(', ') || '–',
        signups: d.signups,
        note: d.note
      })),
      olderHref: deletions.length > LOG_PAGE ? `/admin/consents?before=${shown.at(-1)?.id ?? ''}` : undefined,
      ...extra
    })
  }

  app.get<{ Querystring: { deleted?: unknown, before?: unknown } }>('/admin/consents', async (request, reply) => {
    const done = typeof request.query.deleted === 'string' && /^\d{1,12}$/.test(request.query.deleted) ? Number(request.query.deleted) : undefined
    const record = done === undefined ? undefined : (await store.listDeletions({ limit: 1, before: done + 1 }))[0]
    const notice = record === undefined || record.id !== done
      ? undefined
      : record.signups === 0
        ? 'No records of that number were found. The request is recorded as a deletion anyway.'
        : `Deleted ${record.signups} signup${record.signups === 1 ? '' : 's'} (${record.campaigns.join(', ')}), each with its consent record and attempt log. ProTexting keeps its own copy of a contact it was sent: delete it there too.`
    return consentsPage(request, reply, 200, { notice })
  })

  // Streamed: rows go out as the store reads them, so a large export starts at once and memory stays flat. Also for
  // scripts, with `Authorization: Bearer <ADMIN_TOKEN>`.
  // No automatic HEAD: it would run (and log) a whole export only to throw it away.
  app.get<{ Querystring: ExportQuery }>('/admin/export', { exposeHeadRoute: false, config: { rateLimit: bearerLimit } }, async (request, reply) => {
    const q = request.query
    const format = q.format === undefined || q.format === '' ? 'csv' : q.format
    const errors: Record<string, string> = {}
    if (format !== 'csv' && format !== 'jsonl') errors.format = 'Choose CSV or JSON lines.'
    const campaign = text(q.campaign, 101)
    if ((q.campaign !== undefined && typeof q.campaign !== 'string') || (campaign !== '' && !SLUG_TEXT.test(campaign))) errors.campaign = 'That is not a campaign name.'
    const bound = (value: unknown, name: 'from' | 'to') => {
      if (value !== undefined && typeof value !== 'string') {
        errors[name] = 'Give one date.'
        return undefined
      }
      const given = text(value, 40)
      if (given === '') return undefined
      const ms = parseBound(given, name)
      if (ms === undefined) errors[name] = 'Use a date such as 2026-01-31 (UTC), or a time with its zone such as 2026-01-31T08:00:00Z.'
      return ms
    }
    const from = bound(q.from, 'from')
    const to = bound(q.to, 'to')
    if (from !== undefined && to !== undefined && from >= to) errors.to = 'The end date must come after the start date.'
    if (Object.keys(errors).length > 0) {
      return consentsPage(request, reply, 400, {
        exportCampaign: campaign,
        exportValues: { from: text(q.from, 40), to: text(q.to, 40), format: format === 'jsonl' ? 'jsonl' : 'csv' },
        errors,
        exportError: 'The export could not start: see the fields marked below.'
      })
    }
    // The first row is read before answering: a store that fails at once gets an error page, not an error page
    // saved under the export's file name.
    const rows = store.exportConsents({ ...(campaign === '' ? {} : { campaign }), from, to })[Symbol.asyncIterator]()
    const first = await rows.next()
    const counter = { records: 0 }
    const day = (ms: number | undefined) => ms === undefined ? 'all' : new Date(ms).toISOString().slice(0, 10)
    const file = `optline-consents-${campaign || 'all-campaigns'}-${day(from)}-to-${day(to === undefined ? undefined : to - 1)}.${format}`
    // Who took the numbers out, when, and which: the export holds every number in full.
    request.log.info({ clientIp: request.ip, campaign: campaign || undefined, from, to, format, via: request.adminSession === undefined ? 'token' : 'session' }, 'admin: consent export')
    const body = Readable.from(encodeAll(resumed(first, rows), format as 'csv' | 'jsonl', counter))
    body.on('error', err => request.log.error({ err, records: counter.records }, 'admin: consent export failed part-way; the download is cut short'))
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/jsonl; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}"`)
      .send(body)
  })

  // Step 1: what would be deleted, shown masked, with a button to confirm. Nothing is changed yet.
  app.post<{ Body: DeletionBody | undefined }>('/admin/consents/delete/check', async (request, reply) => {
    const body = request.body ?? {}
    const note = text(body.note, 1000)
    const values = { phone: text(body.phone, 64), country: text(body.country, 2).toUpperCase() || 'US', note }
    const number = deletionNumber(body.phone, values.country)
    const errors: Record<string, string> = {}
    if (!number.ok) errors[number.field] = number.message
    if (note === '') errors.note = 'Say why (a ticket number, the date of the request): it is kept with the deletion record.'
    else if (number.ok && note.replace(/\D/g, '').includes(number.e164.slice(1).slice(-7))) errors.note = 'Leave the number out of the note: the note is kept after the number is gone.'
    if (!number.ok || Object.keys(errors).length > 0) {
      return consentsPage(request, reply, 422, { deletion: values, errors, deletionError: 'Nothing was deleted: see the fields marked below.' })
    }
    const found = await store.numberRecords(number.e164)
    return context.page(request, reply, 200, 'admin-delete-confirm', {
      title: 'Confirm deletion · optline',
      nav: 'consents',
      masked: maskPhone(number.e164.slice(1)),
      e164: number.e164,
      asGiven: number.asGiven,
      note,
      found: found.map(f => ({ campaign: f.campaign, signups: f.signups })),
      total: found.reduce((sum, f) => sum + f.signups, 0)
    })
  })

  // Step 2: the deletion itself, recorded (the number's hash, campaigns, count, time, note), also when nothing matched.
  app.post<{ Body: DeletionBody | undefined }>('/admin/consents/delete', async (request, reply) => {
    const body = request.body ?? {}
    const e164 = text(body.e164, 20)
    const note = text(body.note, 1000)
    if (!/^\+[1-9]\d{3,14}$/.test(e164) || note === '') throw new GuardError(400, 'OPTLINE_ADMIN_BAD_DELETION', 'The confirmation was incomplete: start the deletion again from the consent records page.')
    // A second click, a reload or a retried POST of the same confirmation: show the deletion already recorded
    // rather than recording it twice.
    const hash = e164Sha256(e164)
    const repeat = (await store.listDeletions({ limit: 20 }))
      .find(d => d.e164Sha256 === hash && d.note === note && now() - d.deletedAt < REPEAT_WINDOW_MS)
    if (repeat !== undefined) return reply.redirect(`/admin/consents?deleted=${repeat.id}`, 303)
    let result
    try {
      result = await store.deleteNumber(e164, now(), note)
    } catch (error) {
      if (error instanceof TypeError) throw new GuardError(400, 'OPTLINE_ADMIN_BAD_DELETION', error.message.replace(/^store: /, ''))
      throw error
    }
    // The newest record is this one unless another deletion landed in between: then the page just lists the log.
    const [newest] = await store.listDeletions({ limit: 1 })
    const record = newest?.e164Sha256 === hash ? newest : undefined
    request.log.warn({ clientIp: request.ip, phone: maskPhone(e164.slice(1)), signups: result.signups, campaigns: result.campaigns, deletion: record?.id }, 'admin: number deleted on request')
    return reply.redirect(`/admin/consents?deleted=${record?.id ?? ''}`, 303)
  })
}

/** The rows of an iterator whose first result was already taken, that one included. */
async function * resumed<T> (first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  for (let next = first; next.done !== true; next = await rest.next()) yield next.value
}
