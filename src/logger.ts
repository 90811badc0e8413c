// pino options for the whole app: secrets redacted, phone numbers never logged whole, pretty on a terminal.
import type { LoggerOptions } from 'pino'
import { redactUrl } from './upstream/redact.ts'
import { redactLogObject } from './log-redact.ts'

export function loggerOptions (level: string, options: { pretty?: boolean } = {}): LoggerOptions {
  return {
    level,
    // accessToken, token, secret, password (top level or one down) and credential headers become [REDACTED]. Not
    // pino's `redact` option: log-redact.ts says what it cost. Child bindings are not redacted: they name components
    // and request ids, never a secret.
    formatters: { log: redactLogObject },
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
