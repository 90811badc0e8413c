// Test kit for the upstream client: a MockAgent with net connect off, a captured pino log, a client.

import { MockAgent } from 'undici'
import type { Interceptable } from 'undici'
import { createProtextingClient } from '../../src/upstream/client.ts'
import type { ProtextingClientOptions } from '../../src/upstream/client.ts'
import type { OptInRequest, ProtextingClient } from '../../src/upstream/types.ts'
import { captureLog, type LogCapture } from '../log-capture.ts'

export { captureLog, type LogCapture }

export const TOKEN = 'tok_S3cr3t-ABC123'
export const ORIGIN = 'https://api2.protexting.com'
export const BASE_URL = `${ORIGIN}/v1`
export const OPT_IN_PATH = `/v1/contacts-opt-in/create?access_token=${TOKEN}`
export const REQUEST: OptInRequest = { PhoneNumber: '16461230123', GroupIds: [7] }

export interface Kit {
  agent: MockAgent
  pool: Interceptable
  log: LogCapture
  client: ProtextingClient
}

/** A client wired to a MockAgent; teardown closes both and checks every interceptor was used. */
export function mockKit (t: { teardown: (fn: () => unknown) => void }, options: Partial<ProtextingClientOptions> = {}): Kit {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const log = captureLog()
  const client = createProtextingClient({ baseUrl: BASE_URL, accessToken: TOKEN, logger: log.logger, dispatcher: agent, ...options })
  t.teardown(async () => {
    await client.close()
    agent.assertNoPendingInterceptors()
    await agent.close()
  })
  return { agent, pool: agent.get(ORIGIN), log, client }
}

/** Intercepts the opt-in call once and answers with `status`, `body` and `headers`. */
export function answer (kit: Kit, status: number, body: string | object = '', headers: Record<string, string> = {}): void {
  kit.pool
    .intercept({ path: OPT_IN_PATH, method: 'POST' })
    .reply(status, typeof body === 'string' ? body : JSON.stringify(body), { headers })
}

export const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' }
export const XML_TYPE = { 'content-type': 'application/xml; charset=UTF-8' }
