/**
 * One authorization payload, as dockerd sent it, → what to answer. The same function decides on
 * the event loop and, for large payloads, in the decision worker (offload.ts), so both paths
 * answer alike.
 */
import { decodeAuthZPayload } from '../protocol/decode.js'
import { toRequestInput } from '../protocol/to-request-input.js'
import { withLookups } from '../host-env.js'
import { decide, namesToResolve } from '../policy/index.js'
import { prepareRequest } from '../dockerd/request.js'
import type { CompiledPolicySet, Decision, EvalEnv, Phase } from '../policy/index.js'

export type PayloadOutcome =
  /** Not a valid payload: answered with HTTP 500 `{Err}`. */
  | { kind: 'malformed'; error: string }
  /** Evaluation failed: answered with HTTP 500 `{Err}` (fail closed). */
  | { kind: 'failed'; error: string; method: string; uri: string }
  | { kind: 'decided'; decision: Decision; method: string; path: string; uri: string; user: string | null }

/** Resolves host names for the outbound conditions before a decision (host-env.ts resolveNames). */
export type NameResolver = (names: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>

export async function decidePayload(set: CompiledPolicySet, raw: Uint8Array | undefined, phase: Phase, env: EvalEnv, resolve?: NameResolver): Promise<PayloadOutcome> {
  const decoded = decodeAuthZPayload(raw)
  if (!decoded.ok) return { kind: 'malformed', error: decoded.error }
  const r = decoded.request
  try {
    const req = prepareRequest(toRequestInput(r, phase))
    const names = resolve ? namesToResolve(set, req, phase) : []
    const decision = decide(set, req, phase, names.length > 0 && resolve ? withLookups(env, await resolve(names)) : env)
    return { kind: 'decided', decision, method: r.method.toUpperCase(), path: req.rejected === undefined ? req.path : '', uri: r.uri, user: r.user ?? null }
  } catch (e) {
    return { kind: 'failed', error: `policy evaluation failed: ${(e as Error).message}`, method: r.method, uri: r.uri }
  }
}
