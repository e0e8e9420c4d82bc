/**
 * pino, configured in one place. Request and response bodies are never logged: decision entries
 * carry method, path, user and the outcome only; the redact paths guard against a caller adding
 * headers or bodies to a log object by mistake.
 */
import { pino } from 'pino'
import type { DestinationStream, Logger, LevelWithSilent } from 'pino'

export const LOG_LEVELS: LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'portcullis' },
    redact: {
      paths: ['body', 'requestBody', 'responseBody', 'headers.authorization', 'headers["x-registry-auth"]', 'headers["x-registry-config"]'],
      censor: '[redacted]',
    },
  }, destination)
}
export type { Logger }
