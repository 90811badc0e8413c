// Captures a pino logger's lines in memory (level trace), for tests that look at what was logged.
import { pino } from 'pino'

export interface LogCapture {
  lines: Array<Record<string, unknown>>
  text: () => string
  logger: pino.Logger
}

export function captureLog (): LogCapture {
  const raw: string[] = []
  const logger = pino({ level: 'trace' }, { write (line: string) { raw.push(line) } })
  return {
    get lines () { return raw.map((line) => JSON.parse(line) as Record<string, unknown>) },
    text: () => raw.join(''),
    logger
  }
}
