/**
 * The decision record: one typed record per authorization call dockerd makes, built once by the
 * server and handed to every sink (sink.ts). Calls that end in an HTTP 500 (a malformed payload,
 * a failed evaluation) and large payloads denied for time get one too, so that an audit trail
 * misses nothing dockerd asked.
 */
import type { DecisionReason, Phase, SourceRef } from '../policy/index.js'

/** Why the call was answered as it was. */
export type RecordReason = DecisionReason | 'malformed-payload' | 'evaluation-error' | 'timeout'

export interface DecisionRecord {
  /** A random UUID. */
  decisionId: string
  /** When the call arrived, RFC 3339 with milliseconds, UTC. */
  time: string
  phase: Phase
  /** The policy revision that decided. */
  revision: string
  /** dockerd's `User` and `UserAuthNMethod`. */
  user: string | null
  authMethod: string | null
  /** The caller's groups. */
  groups: string[]
  /** As dockerd sent them (`method` upper-cased) and as rules saw them. */
  method: string | null
  uri: string | null
  path: string | null
  version: string | null
  /** The Content-Type dockerd forwarded (it forwards the last of repeated headers). */
  contentType: string | null
  /** Response phase: the status dockerd sent. */
  status: number | null
  /** What Portcullis answered dockerd (false for an HTTP 500). */
  allow: boolean
  reason: RecordReason
  rule: string | null
  source: SourceRef | null
  /** The `Msg` of a deny, or the `Err` of an HTTP 500; null on an allow. */
  message: string | null
  /** Every fact a Docker-aware family read from the request, keyed by family; null when none reads it. */
  facts: Record<string, unknown> | null
  /** SHA-256 of the decoded body, hex; null when dockerd forwarded none. */
  bodySha256: string | null
  /** Time to decide, microseconds. */
  latencyUs: number
}

/** A record as the decision produces it; the server adds the call's identity and timing. */
export type DecisionRecordDraft = Omit<DecisionRecord, 'decisionId' | 'time' | 'latencyUs' | 'revision' | 'phase'>

/** The draft of a call whose payload could not be read at all. */
export function unreadDraft(reason: 'malformed-payload' | 'timeout', message: string): DecisionRecordDraft {
  return {
    user: null, authMethod: null, groups: [], method: null, uri: null, path: null, version: null, contentType: null,
    status: null, allow: false, reason, rule: null, source: null, message, facts: null, bodySha256: null,
  }
}
