/** `eval --explain`: for each rule of the phase, whether it applied and why not; and what the body said. */
import type { CompiledPolicySet } from './compile.js'
import { RequestTooLarge } from '../dockerd/limits.js'
import { requestFacts } from './families/index.js'
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
  /** The route, and what each Docker-aware family read (families/index.ts requestFacts). */
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
  const facts = req.rejected === undefined ? requestFacts(req) : null
  const extracted = facts && { endpoint: req.route()?.route.endpoint, ...facts }
  return { decision, request: requestView(req), rejected: req.rejected ?? null, body: req.body().kind, extracted, rules }
}
