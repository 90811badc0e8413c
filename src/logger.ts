// pino options for the whole app: secrets redacted, phone numbers never logged whole, pretty on a terminal.
import type { LoggerOptions } from 'pino'
import { redactUrl } from './upstream/redact.ts'

/** Paths that may hold a secret in any log object we or Fastify write. */
export const REDACT_PATHS = [
  'accessToken', '*.accessToken', 'token', '*.token', 'secret', '*.secret', 'password', '*.password',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]',
  'headers.authorization', 'headers.cookie'
]

export function loggerOptions (level: string, options: { pretty?: boolean } = {}): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      // Fastify's default request serializer logs the raw URL; scrub a token someone put in it.
      req (req: { method: string, url: string, hostname?: string, ip?: string }) {
        return { method: req.method, url: redactUrl(req.url), host: req.hostname, remoteAddress: req.ip }
      }
    },
    // pino-pretty only for a person at a terminal: JSON lines for everything that collects logs.
    ...(options.pretty === true ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {})
  }
}
