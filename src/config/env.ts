// Operator settings from the environment (and .env): one schema gives validation and the type.
import { Type, type Static } from 'typebox'
import { fileURLToPath } from 'node:url'
import { schemaErrors } from './schema-errors.ts'
import { Value } from 'typebox/value'

export const DEFAULT_API_URL = 'https://api2.protexting.com/v1'
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
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    errorMessage: 'must be one of fatal, error, warn, info, debug, trace, silent'
  }),
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
  databaseUrl: string | undefined
  logLevel: Env['LOG_LEVEL']
  upstreamTimeoutMs: number
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
  if (issues.length > 0) throw new EnvError(issues)
  const valid = env as Env
  return {
    port: valid.PORT,
    host: valid.HOST,
    campaignsFile: valid.CAMPAIGNS_FILE ?? BUNDLED_CAMPAIGNS_FILE,
    accessToken: valid.PROTEXTING_ACCESS_TOKEN,
    apiUrl: valid.PROTEXTING_API_URL,
    databaseUrl: valid.DATABASE_URL,
    logLevel: valid.LOG_LEVEL,
    upstreamTimeoutMs: valid.UPSTREAM_TIMEOUT_MS
  }
}
