// Starts optline: settings from the environment, campaigns from their file, sandbox unless a token is set.
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { loadEnv, EnvError } from './config/env.ts'
import { loadCampaignsFile, CampaignsFileError } from './campaigns/load.ts'
import { loggerOptions } from './logger.ts'
import { batchLines } from './log-batch.ts'
import { createProtextingClient, UPSTREAM_CONNECT_TIMEOUT_MS } from './upstream/client.ts'
import { createStandIn, SANDBOX_TOKEN } from './sandbox/stand-in.ts'
import { randomBytes } from 'node:crypto'
import { openStore, isPostgresUrl } from './store/open.ts'
import { tokenKeyOf } from './outbox/token-key.ts'
import { createCaptchaVerifier, type CaptchaProvider, type CaptchaVerifier } from './abuse/captcha.ts'
import { buildApp } from './app.ts'

// The token only ever comes from the environment; .env is a convenience for a VM, never served.
if (existsSync('.env')) process.loadEnvFile('.env')

let config
try {
  config = loadEnv(process.env)
} catch (err) {
  if (!(err instanceof EnvError)) throw err
  console.error(err.message)
  process.exit(1)
}

const pretty = process.stdout.isTTY === true
// JSON lines are written to stdout by pino's file transport, in a worker thread: the event loop only formats a
// line and copies it to the thread. Written from the event loop (pino.destination), a line per request cost a
// system call each when synchronous; asynchronous, sonic-boom re-measures its whole pending buffer for every line,
// a cost that grows with the request rate. pino flushes what is left when the process exits.
// The lines reach that thread in batches (log-batch.ts says why).
const logger = pretty
  ? pino(loggerOptions(config.logLevel, { pretty }))
  : pino(loggerOptions(config.logLevel), batchLines(pino.transport({ target: 'pino/file', options: { destination: 1 } })))

/** Exits once every line logged so far is written: with asynchronous writes, process.exit() alone could cut the last. */
async function exitAfterLogs (code: number): Promise<never> {
  await new Promise<void>(resolve => logger.flush(() => resolve()))
  process.exit(code)
}

const campaignsFile = config.campaignsFile
const loaded = await loadCampaignsFile(campaignsFile).catch(async (err: unknown) => {
  if (!(err instanceof CampaignsFileError)) throw err
  logger.fatal({ file: config.campaignsFile, problems: err.issues }, err.message)
  return await exitAfterLogs(1)
})
for (const warning of loaded.warnings) logger.warn(warning)

const sandbox = config.accessToken === undefined
if (sandbox) {
  logger.warn('SANDBOX MODE: PROTEXTING_ACCESS_TOKEN is not set, so signups go to a built-in ProTexting stand-in and NO SMS IS SENT.')
  logger.warn('Set PROTEXTING_ACCESS_TOKEN (in the environment or .env) to send real opt-in texts.')
}
const standIn = sandbox ? createStandIn({ accessToken: SANDBOX_TOKEN, logger: logger.child({ component: 'sandbox' }) }) : undefined
const apiUrl = standIn === undefined ? config.apiUrl : await standIn.listen()

const upstream = createProtextingClient({
  baseUrl: apiUrl,
  accessToken: config.accessToken ?? SANDBOX_TOKEN,
  logger: logger.child({ component: 'upstream' }),
  headersTimeoutMs: config.upstreamTimeoutMs,
  bodyTimeoutMs: config.upstreamTimeoutMs
})
// One instance can sign form tokens with a secret of its own; several must share FORM_TOKEN_SECRET.
const formTokenSecret = config.formTokenSecret === undefined ? randomBytes(32) : Buffer.from(config.formTokenSecret)
if (config.formTokenSecret === undefined && isPostgresUrl(config.databaseUrl)) {
  logger.warn('FORM_TOKEN_SECRET is not set: each instance signs form tokens with its own secret, so a form rendered by one instance is refused by another. Set the same FORM_TOKEN_SECRET on every instance.')
}
// CAPTCHA verifiers for the providers whose secret is set; a campaign using another one cannot start.
const captcha: Partial<Record<CaptchaProvider, CaptchaVerifier>> = {}
for (const provider of ['turnstile', 'hcaptcha'] as const) {
  const secret = config.captchaSecrets[provider]
  if (secret !== undefined) captcha[provider] = createCaptchaVerifier({ provider, secret, logger: logger.child({ component: 'captcha' }) })
}
const missingCaptcha = [...loaded.campaigns.values()].filter(c => c.protection.captcha !== undefined && captcha[c.protection.captcha.provider] === undefined)
if (missingCaptcha.length > 0) {
  for (const c of missingCaptcha) {
    logger.fatal(`campaigns.${c.slug}.protection.captcha: ${c.protection.captcha?.provider} needs its secret in ${c.protection.captcha?.provider === 'hcaptcha' ? 'HCAPTCHA_SECRET_KEY' : 'TURNSTILE_SECRET_KEY'}`)
  }
  await exitAfterLogs(1)
}
const store = await openStore({ url: config.databaseUrl, durability: config.durability })
logger.info({ store: store.kind, durability: config.durability }, 'signups are stored durably before anyone is answered')
const app = await buildApp({
  campaigns: loaded.campaigns,
  upstream,
  store,
  tokenKey: tokenKeyOf(config.accessToken ?? SANDBOX_TOKEN),
  sandbox,
  logger,
  trustProxy: config.trustProxy,
  // A claim must outlive the slowest call (connect + headers + body), then some.
  leaseMs: 3 * config.upstreamTimeoutMs + 10_000,
  formTokenSecret,
  captcha,
  metricsToken: config.metricsToken,
  publicUrl: config.publicUrl,
  admin: config.admin
})

// Stop accepting, finish requests in flight, record the calls in flight (the rest stays pending),
// (SIGHUP is ours: it reloads the campaigns below)
// close the upstream pool and the store, then the stand-in.
// The grace outlasts the slowest call (connect, then headers and body each UPSTREAM_TIMEOUT_MS) by 5 s, so a call in
// flight is recorded, not cut off: one cut off is sent again after its lease, as a possible double CTA (30 s by default).
const shutdownGraceMs = UPSTREAM_CONNECT_TIMEOUT_MS + 2 * config.upstreamTimeoutMs + 5_000
closeWithGrace({ delay: shutdownGraceMs, logger, skip: ['SIGHUP'] }, async ({ err }) => {
  if (err !== undefined) logger.error({ err }, 'shutting down after an error')
  await app.close()
  await Promise.all(Object.values(captcha).map(verifier => verifier.close()))
  await standIn?.close()
  // close-with-grace exits when this returns: the shutdown's own lines first.
  await new Promise<void>(resolve => logger.flush(() => resolve()))
})

// SIGHUP: read the campaigns file again; a bad file is refused with its problems and the old set stays.
process.on('SIGHUP', () => {
  loadCampaignsFile(campaignsFile).then(async next => {
    for (const warning of next.warnings) logger.warn(warning)
    await app.reloadCampaigns(next.campaigns)
    logger.info({ campaigns: [...next.campaigns.keys()] }, 'campaigns reloaded')
  }, err => {
    if (!(err instanceof CampaignsFileError)) throw err
    logger.error({ file: campaignsFile, problems: err.issues }, `campaigns NOT reloaded, the previous ones stay in force: ${err.message}`)
  }).catch(err => { logger.error({ err }, 'campaigns reload failed') })
})

await app.listen({ host: config.host, port: config.port })
const { port } = app.server.address() as AddressInfo
const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`
logger.info({ campaigns: [...loaded.campaigns.keys()].map(slug => `${base}/c/${slug}`) }, `optline ${sandbox ? 'in SANDBOX mode ' : ''}is ready`)
