/**
 * The decision procedure of policy-language.md §3.
 *
 * Request phase: deny overrides allow; the deciding rule is the first applying rule of the winning
 * effect in set order; with no applying rule, `settings.default`. Response phase: only
 * `phase: response` rules, and no applying rule means allow (the request was already authorised).
 * A URI that dockerd would not execute as written is denied before any rule is looked at.
 */
import type { CompiledPolicySet, CompiledRule } from './compile.js'
import { conditionsHold } from './conditions.js'
import type { Why } from './conditions.js'
import { RequestTooLarge } from '../dockerd/limits.js'
import { prepareRequest } from '../dockerd/request.js'
import type { PreparedRequest } from '../dockerd/request.js'
import type { Decision, EvalEnv, Phase, RequestInput } from './types.js'

export function evaluate(set: CompiledPolicySet, input: RequestInput, phase: Phase, env: EvalEnv = {}): Decision {
  return decide(set, prepareRequest(input), phase, env)
}

export function decide(set: CompiledPolicySet, req: PreparedRequest, phase: Phase, env: EvalEnv): Decision {
  if (req.rejected !== undefined) return rejectedUriDecision(req)
  let firstAllow: CompiledRule | undefined
  try {
    for (const rule of set.index[phase].candidates(req.method, req.path)) {
      if (rule.effect === 'allow' && firstAllow) continue
      if (!ruleApplies(rule, req, env, undefined)) continue
      if (rule.effect === 'deny') return denyDecision(rule, req)
      firstAllow = rule
    }
  } catch (e) {
    if (e instanceof RequestTooLarge) return tooLargeDecision(e)
    throw e
  }
  if (firstAllow) return { allow: true, rule: firstAllow.id, message: '', source: sourceOf(firstAllow), reason: 'rule' }
  if (phase === 'response' || set.settings.default === 'allow') return { allow: true, rule: null, message: '', source: null, reason: 'default' }
  return { allow: false, rule: null, message: defaultMessage(set, req), source: null, reason: 'default' }
}

export function ruleApplies(rule: CompiledRule, req: PreparedRequest, env: EvalEnv, why: Why): boolean {
  const deny = rule.effect === 'deny'
  if (rule.match && !conditionsHold(rule.match, rule, req, deny, env, why)) return false
  if (rule.unless && conditionsHold(rule.unless, rule, req, !deny, env, undefined)) {
    why?.push('its `unless` holds')
    return false
  }
  return true
}

export function denyDecision(rule: CompiledRule, req: PreparedRequest): Decision {
  const text = rule.message ?? `${req.method} ${req.path} is denied by policy`
  return { allow: false, rule: rule.id, message: `${text} (rule ${rule.id})`, source: sourceOf(rule), reason: 'rule' }
}

export function rejectedUriDecision(req: PreparedRequest): Decision {
  return { allow: false, rule: null, message: `request URI ${JSON.stringify(req.input.uri)} denied: ${req.rejected}`, source: null, reason: 'rejected-uri' }
}

/** A request whose lists are longer than the readers read (docker/limits.ts): denied, saying so. */
export function tooLargeDecision(e: RequestTooLarge): Decision {
  return { allow: false, rule: null, message: `request denied: ${e.message}`, source: null, reason: 'too-large' }
}

function defaultMessage(set: CompiledPolicySet, req: PreparedRequest): string {
  return set.settings.defaultMessage.replace(/\{(method|path|user)\}/g, (_, key: string) =>
    key === 'method' ? req.method : key === 'path' ? req.path : (req.user ?? 'anonymous'))
}

function sourceOf(rule: CompiledRule): { file: string; line: number } {
  return { file: rule.source.file, line: rule.source.line }
}
