// Starts optline: settings from the environment, campaigns from their file, sandbox unless a token is set.
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { loadEnv, EnvError } from './config/env.ts'
import { loadCampaignsFile, CampaignsFileError } from './campaigns/load.ts'
import { loggerOptions } from './logger.ts'
import { createProtextingClient } from './upstream/client.ts'
import { createStandIn, SANDBOX_TOKEN } from './sandbox/stand-in.ts'
import { openStore } from './store/open.ts'
import { tokenKeyOf } from './outbox/token-key.ts'
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

const logger = pino(loggerOptions(config.logLevel, { pretty: process.stdout.isTTY === true }))

let loaded
try {
  loaded = await loadCampaignsFile(config.campaignsFile)
} catch (err) {
  if (!(err instanceof CampaignsFileError)) throw err
  logger.fatal({ file: config.campaignsFile, problems: err.issues }, err.message)
  process.exit(1)
}
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
const store = await openStore({ url: config.databaseUrl, durability: config.durability })
logger.info({ store: store.kind, durability: store.kind === 'sqlite' ? config.durability : undefined }, 'signups are stored durably before anyone is answered')
const app = await buildApp({
  campaigns: loaded.campaigns,
  upstream,
  store,
  tokenKey: tokenKeyOf(config.accessToken ?? SANDBOX_TOKEN),
  sandbox,
  logger,
  trustProxy: config.trustProxy,
  // A claim must outlive the slowest call (connect + headers + body), then some.
  leaseMs: 3 * config.upstreamTimeoutMs + 10_000
})

// Stop accepting, finish requests in flight, record the calls in flight (the rest stays pending),
// close the upstream pool and the store, then the stand-in.
closeWithGrace({ delay: 10_000, logger }, async ({ err }) => {
  if (err !== undefined) logger.error({ err }, 'shutting down after an error')
  await app.close()
  await standIn?.close()
})

await app.listen({ host: config.host, port: config.port })
const { port } = app.server.address() as AddressInfo
const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`
logger.info({ campaigns: [...loaded.campaigns.keys()].map(slug => `${base}/c/${slug}`) }, `optline ${sandbox ? 'in SANDBOX mode ' : ''}is ready`)
