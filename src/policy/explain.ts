/** `eval --explain`: for each rule of the phase, whether it applied and why not; and what the body said. */
import type { CompiledPolicySet } from './compile.js'
import { containerFacts, endpointOf, networkFacts, volumeFacts } from './docker-conditions.js'
import { RequestTooLarge } from '../dockerd/limits.js'
import { hasOutboundEndpoint, outboundFacts } from './outbound-conditions.js'
import { decide, ruleApplies } from './evaluate.js'
import { prepareRequest, requestView } from '../dockerd/request.js'
import type { Decision, EvalEnv, Phase, RequestInput, RequestView, SourceRef } from './types.js'

export interface RuleTrace {
  rule: string
  effect: 'allow' | 'deny'
  source: SourceRef
  applied: boolean
  /** Why it did not apply (empty when it applied). */
  why: string[]
}

export interface Explanation {
  decision: Decision
  request: RequestView
  rejected: string | null
  body: 'none' | 'invalid' | 'json'
  /** What the Docker readers extracted, on the endpoints that have them. */
  extracted: Record<string, unknown> | null
  rules: RuleTrace[]
}

export function explain(set: CompiledPolicySet, input: RequestInput, phase: Phase, env: EvalEnv = {}): Explanation {
  const req = prepareRequest(input)
  const decision = decide(set, req, phase, env)
  const rules: RuleTrace[] = []
  if (req.rejected === undefined) {
    for (const rule of set.index[phase].rules) {
      const why: string[] = []
      let applied: boolean
      try {
        applied = ruleApplies(rule, req, env, why)
      } catch (e) {
        if (!(e instanceof RequestTooLarge)) throw e
        applied = false
        why.push(`not read: ${e.message}`)
      }
      rules.push({ rule: rule.id, effect: rule.effect, source: { file: rule.source.file, line: rule.source.line }, applied, why })
    }
  }
  const endpoint = req.rejected === undefined ? endpointOf(req) : undefined
  let extracted: Record<string, unknown> | null = null
  if (!endpoint && req.rejected === undefined && hasOutboundEndpoint(req)) {
    try {
      const destinations = outboundFacts(req)
      extracted = { endpoint: 'outbound', ...(destinations ? { destinations } : { evidence: 'none: a form body may carry the parameters' }) }
    } catch (e) {
      if (!(e instanceof RequestTooLarge)) throw e
      extracted = { endpoint: 'outbound', evidence: `none: ${e.message}` }
    }
  }
  if (endpoint) {
    try {
      const facts = endpoint === 'volume-create' ? volumeFacts(req) : endpoint === 'network-create' ? networkFacts(req) : containerFacts(req)
      extracted = { endpoint, ...(facts ?? { evidence: 'none: no JSON body' }) }
    } catch (e) {
      if (!(e instanceof RequestTooLarge)) throw e
      extracted = { endpoint, evidence: `none: ${e.message}` }
    }
  }
  return { decision, request: requestView(req), rejected: req.rejected ?? null, body: req.body().kind, extracted, rules }
}
