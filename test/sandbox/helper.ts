// Test kit for the stand-in: start it on 127.0.0.1:0 with a settable clock, and call it over real HTTP.

import { request } from 'undici'
import { createStandIn } from '../../src/sandbox/stand-in.ts'
import type { StandIn, StandInOptions } from '../../src/sandbox/stand-in.ts'

export const TOKEN = 'sandbox-token'
export const PHONE = '16461230123'

export interface Running {
  standIn: StandIn
  baseUrl: string
  clock: { ms: number }
}

export async function startStandIn (t: { teardown: (fn: () => unknown) => void }, options: StandInOptions = {}): Promise<Running> {
  const clock = { ms: Date.UTC(2026, 0, 15, 15, 4, 5) }
  const standIn = createStandIn({ now: () => clock.ms, ...options })
  const baseUrl = await standIn.listen()
  t.teardown(() => standIn.close())
  return { standIn, baseUrl, clock }
}

export interface CallOptions {
  method?: string
  path?: string
  /** null sends no access_token at all. */
  token?: string | null
  accept?: string | null
  contentType?: string | null
  body?: unknown
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: unknown
}

/** One raw HTTP call; defaults to a valid JSON opt-in for PHONE in group 1. */
export async function call (baseUrl: string, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(baseUrl + (options.path ?? '/contacts-opt-in/create'))
  const token = options.token === undefined ? TOKEN : options.token
  if (token !== null) url.searchParams.set('access_token', token)
  const headers: Record<string, string> = {}
  const accept = options.accept === undefined ? 'application/json' : options.accept
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType
  if (accept !== null) headers.accept = accept
  if (contentType !== null) headers['content-type'] = contentType
  const body = options.body === undefined ? { PhoneNumber: PHONE, GroupIds: [1] } : options.body
  const method = (options.method ?? 'POST') as 'POST'
  const res = await request(url, {
    method,
    headers,
    body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : null
  })
  const text = await res.body.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.statusCode, headers: res.headers, text, json }
}
