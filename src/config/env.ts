// Operator settings from the environment (and .env): one schema gives validation and the type.
import { Type, type Static } from 'typebox'
import { fileURLToPath } from 'node:url'
import { schemaErrors } from './schema-errors.ts'
import { Value } from 'typebox/value'
import { parsePasswordHash } from '../admin/password-hash.ts'

export const DEFAULT_API_URL = 'https://api2.protexting.com/v1'
export const DEFAULT_DATABASE_URL = 'data/optline.db'
export const BUNDLED_CAMPAIGNS_FILE = fileURLToPath(new URL('../../config/campaigns.example.yaml', import.meta.url))

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, errorMessage: 'must be a port number (0-65535)' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  CAMPAIGNS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  PROTEXTING_ACCESS_TOKEN: Type.Optional(Type.String({
    pattern: '^[^\\s]+$',
    errorMessage: 'must be the access token alone, without spaces'
  })),
  PROTEXTING_API_URL: Type.String({
    pattern: '^https?://[^\\s]+$',
    default: DEFAULT_API_URL,
    errorMessage: 'must be an http(s):// URL such as https://api2.protexting.com/v1'
  }),
  DATABASE_URL: Type.String({ minLength: 1, default: DEFAULT_DATABASE_URL }),
  DATABASE_DURABILITY: Type.Enum(['full', 'normal'], {
    default: 'full',
    errorMessage: 'must be full (survives power loss) or normal (survives a crash of the process; faster)'
  }),
  TRUST_PROXY: Type.String({
    pattern: '^(false|true|\\d{1,2}|[0-9a-fA-F.:/]+(\\s*,\\s*[0-9a-fA-F.:/]+)*)$',
    default: 'false',
    errorMessage: 'must be false, true, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs'
  }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    errorMessage: 'must be one of fatal, error, warn, info, debug, trace, silent'
  }),
  FORM_TOKEN_SECRET: Type.Optional(Type.String({
    minLength: 32,
    errorMessage: 'must be at least 32 characters of random text (e.g. openssl rand -hex 32)'
  })),
  PUBLIC_URL: Type.Optional(Type.String({
    pattern: '^https?://[a-z0-9.-]+(:[0-9]{1,5})?$',
    errorMessage: 'must be the public origin visitors use, scheme and host only, e.g. https://join.example.com'
  })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, errorMessage: 'must be at least 16 characters' })),
  ADMIN_TOKEN: Type.Optional(Type.String({
    pattern: '^[^\\s]{32,}$',
    errorMessage: 'must be at least 32 characters without spaces (e.g. openssl rand -hex 32)'
  })),
  ADMIN_PASSWORD_HASH: Type.Optional(Type.String({
    pattern: '^scrypt:',
    errorMessage: 'must be a hash made by `optline hash-password` (scrypt:ln=…,r=…,p=…:salt:hash)'
  })),
  TURNSTILE_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  HCAPTCHA_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120000, default: 10000, errorMessage: 'must be milliseconds between 100 and 120000' })
})

type Env = Static<typeof EnvSchema>

export interface AppConfig {
  port: number
  host: string
  campaignsFile: string
  /** Undefined means sandbox mode: the built-in stand-in answers and no SMS is sent. */
  accessToken: string | undefined
  apiUrl: string
  /** A file path or :memory: (SQLite) or a postgres:// URL. */
  databaseUrl: string
  durability: 'full' | 'normal'
  /** Fastify's trustProxy: which X-Forwarded-For hops to believe for the client address. */
  trustProxy: boolean | number | string[]
  logLevel: Env['LOG_LEVEL']
  upstreamTimeoutMs: number
  /** Signs form tokens; unset means a random secret per process (fine for one instance). */
  formTokenSecret: string | undefined
  captchaSecrets: { turnstile: string | undefined, hcaptcha: string | undefined }
  /** When set, /metrics needs it as a Bearer token. */
  metricsToken: string | undefined
  /** The origin QR codes and printed signs point at; unset, they use the request's own. */
  publicUrl: string | undefined
  /** The /admin dashboard's credentials; it is off (404) when both are unset. */
  admin: { token: string | undefined, passwordHash: string | undefined }
}

export class EnvError extends Error {
  readonly issues: string[]
  constructor (issues: string[]) {
    super(`The environment has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n` + issues.map(i => `  - ${i}`).join('\n'))
    this.name = 'EnvError'
    this.issues = issues
  }
}

export function loadEnv (source: NodeJS.ProcessEnv): AppConfig {
  // Only our keys, with empty strings treated as unset (a blank line in .env means "not set").
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key]
    if (value !== undefined && value.trim() !== '') picked[key] = value.trim()
  }
  const env = Value.Convert(EnvSchema, Value.Default(EnvSchema, picked))
  const issues = schemaErrors(EnvSchema, env)
  const hash = (env as Partial<Env>).ADMIN_PASSWORD_HASH
  // The pattern only says it looks like one; its parts are checked here, with what is wrong in words.
  if (typeof hash === 'string' && hash.startsWith('scrypt:')) {
    try {
      parsePasswordHash(hash)
    } catch (error) {
      issues.push(`ADMIN_PASSWORD_HASH: ${(error as Error).message}`)
    }
  }
  if (issues.length > 0) throw new EnvError(issues)
  const valid = env as Env
  return {
    port: valid.PORT,
    host: valid.HOST,
    campaignsFile: valid.CAMPAIGNS_FILE ?? BUNDLED_CAMPAIGNS_FILE,
    accessToken: valid.PROTEXTING_ACCESS_TOKEN,
    apiUrl: valid.PROTEXTING_API_URL,
    databaseUrl: valid.DATABASE_URL,
    durability: valid.DATABASE_DURABILITY,
    trustProxy: parseTrustProxy(valid.TRUST_PROXY),
    logLevel: valid.LOG_LEVEL,
    upstreamTimeoutMs: valid.UPSTREAM_TIMEOUT_MS,
    formTokenSecret: valid.FORM_TOKEN_SECRET,
    captchaSecrets: { turnstile: valid.TURNSTILE_SECRET_KEY, hcaptcha: valid.HCAPTCHA_SECRET_KEY },
    metricsToken: valid.METRICS_TOKEN,
    publicUrl: valid.PUBLIC_URL,
    admin: { token: valid.ADMIN_TOKEN, passwordHash: valid.ADMIN_PASSWORD_HASH }
  }
}

function parseTrustProxy (value: string): boolean | number | string[] {
  if (value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return value.split(',').map(part => part.trim())
}
