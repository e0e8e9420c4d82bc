/**
 * One authorization payload, as dockerd sent it, → what to answer and the draft of its decision
 * record. The same function decides on the event loop and, for large payloads, in the decision
 * worker (offload.ts), so both paths answer and record alike.
 */
import { createHash } from 'node:crypto'
import type { DecisionRecordDraft } from '../decision/record.js'
import { unreadDraft } from '../decision/record.js'
import { prepareRequest } from '../dockerd/request.js'
import { withLookups } from '../host-env.js'
import { decide, namesToResolve, requestFacts } from '../policy/index.js'
import type { CompiledPolicySet, EvalEnv, Phase } from '../policy/index.js'
import { decodeAuthZPayload } from '../protocol/decode.js'
import { errText } from '../protocol/errors.js'
import { toRequestInput } from '../protocol/to-request-input.js'

/** Resolves host names for the outbound conditions before a decision (host-env.ts resolveNames). */
export type NameResolver = (names: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>

export interface PayloadOutcome {
  /** A decision (HTTP 200 `{Allow, Msg}`) or an error (HTTP 500 `{Err}`). */
  reply: { allow: boolean; msg: string } | { err: string }
  record: DecisionRecordDraft
}

export async function decidePayload(set: CompiledPolicySet, raw: Uint8Array | undefined, phase: Phase, env: EvalEnv, resolve?: NameResolver): Promise<PayloadOutcome> {
  const decoded = decodeAuthZPayload(raw)
  if (!decoded.ok) {
    const err = errText('E_PROTOCOL_MALFORMED', decoded.error)
    return { reply: { err }, record: unreadDraft('malformed-payload', err) }
  }
  const r = decoded.request
  const base: DecisionRecordDraft = {
    ...unreadDraft('malformed-payload', null as unknown as string),
    user: r.user ?? null,
    authMethod: r.authMethod ?? null,
    method: r.method.toUpperCase(),
    uri: r.uri,
    contentType: contentTypeOf(r.headers),
    status: phase === 'response' ? r.status ?? null : null,
    bodySha256: r.body === undefined ? null : createHash('sha256').update(r.body).digest('hex'),
  }
  try {
    const req = prepareRequest(toRequestInput(r, phase))
    const names = resolve ? namesToResolve(set, req, phase) : []
    const decision = decide(set, req, phase, names.length > 0 && resolve ? withLookups(env, await resolve(names)) : env)
    const record: DecisionRecordDraft = {
      ...base,
      path: req.rejected === undefined ? req.path : null,
      version: req.version,
      allow: decision.allow,
      reason: decision.reason,
      rule: decision.rule,
      source: decision.source,
      message: decision.allow ? null : decision.message,
      facts: decision.reason === 'rejected-uri' ? null : requestFacts(req),
    }
    return { reply: { allow: decision.allow, msg: decision.message }, record }
  } catch (e) {
    const err = errText('E_EVALUATION_FAILED', `policy evaluation failed: ${(e as Error).message}`)
    return { reply: { err }, record: { ...base, reason: 'evaluation-error', message: err } }
  }
}

function contentTypeOf(headers: Readonly<Record<string, string>>): string | null {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'content-type') return v
  return null
}
