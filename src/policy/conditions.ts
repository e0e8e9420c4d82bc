/**
 * Whether a rule's `match` or `unless` holds for a request.
 *
 * `lenient` is how missing evidence reads (§5 "absence of evidence never grants access"): true
 * for a deny rule's `match` and an allow rule's `unless` (the condition counts as holding), false
 * for an allow rule's `match` and a deny rule's `unless`. The same flag decides ambiguous readings
 * (several case-variant keys in a map): lenient = any reading holds, strict = all must.
 */
import type { BodyCondition, CheckedConditions } from './checked.js'
import type { CompiledRule } from './compile.js'
import { familyHolds } from './families/index.js'
import type { Why } from './families/index.js'
import { resolveBodyPath } from '../dockerd/json/go-view.js'
import type { JsonNode } from '../dockerd/json/parse.js'
import type { PreparedRequest } from '../dockerd/request.js'
import type { EvalEnv } from './types.js'

export type { Why }

export function conditionsHold(
  c: CheckedConditions, rule: CompiledRule, req: PreparedRequest, lenient: boolean, env: EvalEnv, why: Why,
): boolean {
  const fail = (reason: string): boolean => {
    why?.push(reason)
    return false
  }
  if (c.methods && !c.methods.includes('*') && !c.methods.includes(req.method)) {
    return fail(`method ${req.method} is not in [${c.methods.join(', ')}]`)
  }
  if (c.paths && !c.paths.some((p) => p.test(req.path))) {
    return fail(`path ${req.path} matches none of [${c.paths.map((p) => p.glob).join(', ')}]`)
  }
  if (c.anonymous !== undefined && (req.user === null) !== c.anonymous) {
    return fail(c.anonymous ? `the request has a user (${req.user})` : 'the request is anonymous')
  }
  if (c.users) {
    if (req.user === null) return fail('the request is anonymous (users never match anonymous)')
    const user = req.user
    if (!c.users.some((u) => u.test(user))) return fail(`user ${user} matches none of [${c.users.map((u) => u.glob).join(', ')}]`)
  }
  if (c.groups) {
    if (req.user === null) return fail('the request is anonymous (groups never match anonymous)')
    const user = req.user
    if (!c.groups.some((g) => rule.groupMatchers.get(g)?.(user))) return fail(`user ${user} is in none of the groups [${c.groups.join(', ')}]`)
  }
  if (c.status) {
    if (req.status === undefined) return fail('dockerd sent no response status')
    if (!c.status.includes(req.status)) return fail(`status ${req.status} is not in [${c.status.join(', ')}]`)
  }
  if (c.query) {
    if (req.queryIncomplete && !lenient) return fail('a form body the plugin cannot see may carry query parameters (no evidence)')
    if (!req.queryIncomplete) {
      for (const q of c.query) {
        const values = req.query.get(q.name)
        if (!values) return fail(`query parameter ${q.name} is absent`)
        // dockerd's handlers read the first value of a repeated parameter, some read them all:
        // for a deny any value may match; for an allow every value must.
        const matches = (v: string): boolean => q.values.some((g) => g.test(v))
        if (!(lenient ? values.some(matches) : values.every(matches))) {
          return fail(`query parameter ${q.name}=${values.join(',')} matches none of [${q.values.map((g) => g.glob).join(', ')}]`)
        }
      }
    }
  }
  if (c.body) {
    const body = req.body()
    if (body.kind !== 'json') {
      if (!lenient) return fail(`the request has ${body.kind === 'none' ? 'no body' : 'a body that is not JSON'} (no evidence)`)
    } else {
      for (const b of c.body) if (!bodyConditionHolds(b, body.root, lenient)) return fail(`body ${b.key} does not match`)
    }
  }
  if (c.families) {
    const ctx = { req, lenient, env, why }
    for (const fc of c.families) if (!familyHolds(fc, ctx)) return false
  }
  return true
}

function bodyConditionHolds(b: BodyCondition, root: JsonNode, lenient: boolean): boolean {
  const readings = resolveBodyPath(root, b.segments)
  const expect = b.expect
  const one = (values: JsonNode[]): boolean => {
    if (expect.kind === 'exists') return (values.length > 0) === expect.exists
    return values.some((v) => {
      if (typeof v === 'string') return expect.strings.some((g) => g.test(v))
      if (typeof v === 'number' || typeof v === 'boolean') return expect.values.includes(v)
      return false
    })
  }
  if (readings.length === 0) return one([])
  return lenient ? readings.some((r) => one(r.values)) : readings.every((r) => one(r.values))
}
