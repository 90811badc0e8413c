// Builds the app as production does (stand-in over real HTTP, real client), with logs captured for assertions.
import type { Test } from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { stringify } from 'yaml'
import { buildApp, type AppDeps } from '../src/app.ts'
import { parseCampaigns } from '../src/campaigns/load.ts'
import { loggerOptions } from '../src/logger.ts'
import { createStandIn, type StandIn, type StandInOptions } from '../src/sandbox/stand-in.ts'
import { createProtextingClient } from '../src/upstream/client.ts'
import type { ProtextingClient } from '../src/upstream/types.ts'
import { openStore } from '../src/store/open.ts'
import type { Store } from '../src/store/types.ts'
import { tokenKeyOf } from '../src/outbox/token-key.ts'
import { createTestClock, type TestClock } from './test-clock.ts'
import { createFormTokens } from '../src/abuse/form-token.ts'

export const TEST_TOKEN = 'test-token-9f8e7d6c5b4a'
export const TEST_FORM_SECRET = Buffer.from('test form-token secret, 32+ bytes long')

// Tokens as a page rendered ten seconds ago would carry: old enough for every campaign's minimum.
const pastTokens = createFormTokens({ secret: TEST_FORM_SECRET, now: () => Date.now() - 10_000, minAgeMs: 0 })

/** A valid form token for a campaign, as if its page had been open for ten seconds. */
export function formTokenFor (campaign: string): string {
  return pastTokens.issue(campaign)
}

export const usCampaign = {
  name: "Joe's Coffee Club",
  groupIds: [1],
  country: 'US',
  frequency: 'Up to 4 msgs/month',
  ctaMessage: "Joe's Coffee Club: reply YES for up to 4 msgs/month. Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
  confirmMessage: "Welcome to Joe's Coffee Club! Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
  termsUrl: 'https://example.com/terms',
  privacyUrl: 'https://example.com/privacy'
}

export const testCampaigns = {
  summer: { ...usCampaign, groupIds: [12, 15] },
  world: { ...usCampaign, groupIds: [7], allowedCountries: ['US', 'CA', 'GB', 'MX'] },
  always: { ...usCampaign, sendCtaMessage: 'always', successRedirectUrl: 'https://example.com/welcome' },
  // Defences off, as for a load test: many neighbouring numbers from one address.
  bulk: { ...usCampaign, protection: { perIpPerMinute: 0, prefixVelocity: { max: 0, windowMinutes: 10 } } }
}

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>
  standIn: StandIn
  store: Store
  clock: TestClock
  /** Every log line written so far, as raw JSON text. */
  logs: () => string
}

export async function buildTestApp (t: Test, options: {
  campaigns?: Record<string, unknown>
  standIn?: StandInOptions
  sandbox?: boolean
  upstream?: (baseUrl: string, logger: pino.Logger) => ProtextingClient
  /** False: signups are recorded but not sent (to look at the queue). */
  dispatch?: boolean
  trustProxy?: boolean | number | string[]
  /** A store of the test's own (closed with the app); default a fresh in-memory SQLite. */
  store?: Store
  /** CAPTCHA verifiers by provider (see src/abuse/captcha.ts). */
  captcha?: AppDeps['captcha']
  metricsToken?: string
  /** ADMIN_TOKEN / ADMIN_PASSWORD_HASH: turns /admin on. */
  admin?: AppDeps['admin']
  /** An already running stand-in to share between apps (default: a new one per app). */
  sharedStandIn?: { standIn: StandIn, baseUrl: string }
} = {}): Promise<TestApp> {
  let logText = ''
  const sink = new Writable({ write (chunk, _encoding, done) { logText += String(chunk); done() } })
  const logger = pino(loggerOptions('debug'), sink)

  let standIn: StandIn
  let baseUrl: string
  if (options.sharedStandIn !== undefined) {
    ({ standIn, baseUrl } = options.sharedStandIn)
  } else {
    standIn = createStandIn({ accessToken: TEST_TOKEN, ...options.standIn })
    baseUrl = await standIn.listen()
    t.teardown(() => standIn.close())
  }

  const { campaigns } = parseCampaigns(stringify({ campaigns: options.campaigns ?? testCampaigns }))
  const upstream = options.upstream?.(baseUrl, logger) ??
    createProtextingClient({ baseUrl, accessToken: TEST_TOKEN, logger, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 })
  const store = options.store ?? await openStore({ url: ':memory:' })
  const clock = createTestClock()
  const app = await buildApp({
    campaigns,
    upstream,
    store,
    tokenKey: tokenKeyOf(TEST_TOKEN),
    sandbox: options.sandbox ?? false,
    logger,
    clock,
    // Fixed jitter: backoff delays are the same in every run.
    random: () => 0.5,
    dispatch: options.dispatch,
    trustProxy: options.trustProxy,
    formTokenSecret: TEST_FORM_SECRET,
    captcha: options.captcha,
    metricsToken: options.metricsToken,
    admin: options.admin
  })
  await app.ready()
  t.teardown(() => app.close())
  return { app, standIn, store, clock, logs: () => logText }
}

/** A form post as a browser sends it from the page: with the page's form token unless `fields` sets one. */
export function formPost (url: string, fields: Record<string, string>) {
  const slug = url.split('/')[2] ?? ''
  return {
    method: 'POST' as const,
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ formToken: formTokenFor(slug), ...fields }).toString()
  }
}
