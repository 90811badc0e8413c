// Environment settings: documented defaults, sandbox when no token, every bad value named.
import t from 'tap'
import { loadEnv, EnvError, DEFAULT_API_URL, BUNDLED_CAMPAIGNS_FILE } from '../../src/config/env.ts'

t.test('defaults: port 3000 on all interfaces, bundled campaigns, sandbox, ProTexting v1', async t => {
  t.same(loadEnv({}), {
    port: 3000,
    host: '0.0.0.0',
    campaignsFile: BUNDLED_CAMPAIGNS_FILE,
    accessToken: undefined,
    apiUrl: DEFAULT_API_URL,
    databaseUrl: 'data/optline.db',
    durability: 'full',
    trustProxy: false,
    logLevel: 'info',
    upstreamTimeoutMs: 10000,
    formTokenSecret: undefined,
    captchaSecrets: { turnstile: undefined, hcaptcha: undefined },
    metricsToken: undefined,
    publicUrl: undefined,
    admin: { token: undefined, passwordHash: undefined }
  })
  t.equal(DEFAULT_API_URL, 'https://api2.protexting.com/v1')
})

t.test('values are read, trimmed, and blank ones mean unset', async t => {
  const config = loadEnv({ PORT: ' 8080 ', PROTEXTING_ACCESS_TOKEN: 'abc123', PROTEXTING_API_URL: 'http://127.0.0.1:9/v1', LOG_LEVEL: 'debug', CAMPAIGNS_FILE: '' })
  t.equal(config.port, 8080)
  t.equal(config.accessToken, 'abc123')
  t.equal(config.apiUrl, 'http://127.0.0.1:9/v1')
  t.equal(config.logLevel, 'debug')
  t.equal(config.campaignsFile, BUNDLED_CAMPAIGNS_FILE)
  t.equal(loadEnv({ PROTEXTING_ACCESS_TOKEN: '  ' }).accessToken, undefined, 'a blank token is sandbox mode')
})

t.test('TRUST_PROXY: off, on, a hop count or proxy addresses', async t => {
  t.equal(loadEnv({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadEnv({ TRUST_PROXY: '2' }).trustProxy, 2)
  t.same(loadEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1'])
  t.throws(() => loadEnv({ TRUST_PROXY: 'yes please' }), { message: /TRUST_PROXY: must be false, true, a number/ })
})

t.test('every bad value is listed with its name, and the token is never echoed', async t => {
  let error: EnvError | undefined
  try {
    loadEnv({ PORT: '70000', LOG_LEVEL: 'loud', PROTEXTING_API_URL: 'api.protexting.com', PROTEXTING_ACCESS_TOKEN: 'secret with spaces', UPSTREAM_TIMEOUT_MS: '5', DATABASE_DURABILITY: 'maybe', FORM_TOKEN_SECRET: 'short' })
  } catch (err) {
    error = err as EnvError
  }
  t.type(error, EnvError)
  t.same(error?.issues, [
    'PORT: must be a port number (0-65535)',
    'PROTEXTING_ACCESS_TOKEN: must be the access token alone, without spaces',
    'PROTEXTING_API_URL: must be an http(s):// URL such as https://api2.protexting.com/v1',
    'DATABASE_DURABILITY: must be full (survives power loss) or normal (survives a crash of the process; faster)',
    'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    'FORM_TOKEN_SECRET: must be at least 32 characters of random text (e.g. openssl rand -hex 32)',
    'UPSTREAM_TIMEOUT_MS: must be milliseconds between 100 and 120000'
  ])
  t.notMatch(error?.message ?? '', /secret/)
})
