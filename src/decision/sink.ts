/**
 * Where decision records go. A sink must not throw and must not block the reply; the server
 * writes every record to every sink.
 */
import type { Logger } from 'pino'
import type { DecisionRecord } from './record.js'

export interface DecisionSink {
  write(record: DecisionRecord): void
}

/** The operational log line of a decision, as `logLineSink` writes it (with `"msg":"decision"`). */
export interface DecisionLogLine {
  phase: DecisionRecord['phase']
  /** '' when the payload could not be read. */
  method: string
  /** The path as rules saw it; '' when the URI was rejected or the payload unread. */
  path: string
  uri: string
  user: string | null
  allow: boolean
  rule: string | null
  reason: DecisionRecord['reason']
  revision: string
  ms: number
}

/**
 * The operational log line of a decision (`"msg":"decision"` at level info): the fields the
 * end-to-end suite and operators read today.
 */
export function logLineSink(logger: Logger): DecisionSink {
  const log = logger.child({ module: 'authz' })
  return {
    write(r) {
      if (!log.isLevelEnabled('info')) return
      const line: DecisionLogLine = {
        phase: r.phase,
        method: r.method ?? '',
        path: r.path ?? '',
        uri: r.uri ?? '',
        user: r.user,
        allow: r.allow,
        rule: r.rule,
        reason: r.reason,
        revision: r.revision,
        ms: Math.round(r.latencyUs) / 1000,
      }
      log.info(line, 'decision')
    },
  }
}
