/**
 * Parsed YAML → checked policy data, collecting every problem in the file (never stopping at
 * the first). Cross-file checks (duplicate ids, groups, settings) are in validate-set.ts.
 */
import type { BodyCondition, BodyExpectation, CheckedConditions, CheckedFile, CheckedGlob, CheckedGroup, CheckedRule, CheckedSettings, GroupReference } from './checked.js'
import { describe, FileChecker, isMapping, join, tracker } from './checker.js'
import type { ValidateOptions } from './checker.js'
import type { PolicyError } from './errors.js'
import { FAMILIES } from './families/index.js'
import { checkFamily } from './families/family.js'
import { compileFlatGlob } from './globs.js'
import type { ParsedYaml } from './parse-yaml.js'
import { bodySegments } from '../dockerd/json/body-paths.js'
import { methodsOf } from '../dockerd/routes.js'
import type { Effect, Phase } from './types.js'

export type { ValidateOptions } from './checker.js'
export { POLICY_DIR_TOKEN } from './checker.js'

const TOP_KEYS = ['settings', 'groups', 'rules']
const SETTINGS_KEYS = ['default', 'default_message']
const RULE_KEYS = ['id', 'description', 'effect', 'phase', 'match', 'unless', 'message']
const CONDITION_KEYS = ['users', 'groups', 'anonymous', 'methods', 'paths', 'query', 'body', 'status', ...FAMILIES.map((f) => f.key)]
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']
const ID = /^[A-Za-z0-9_.-]+$/
const PLACEHOLDER = /\{([^{}]*)\}/g
const PLACEHOLDERS = ['method', 'path', 'user']
export const DEFAULT_MESSAGE = 'no rule allows {method} {path} for {user}'


export function validateFile(name: string, parsed: ParsedYaml, options: ValidateOptions = {}): { file: CheckedFile; errors: PolicyError[] } {
  const c = new FileChecker(name, parsed, options)
  const file: CheckedFile = { name, groups: [], rules: [], groupReferences: [], ruleIds: [], groupNames: [] }
  const top = parsed.value
  if (top === undefined || top === null) return { file, errors: c.errors }
  if (!isMapping(top)) {
    c.at('', 'value', 'E_POLICY_DOCUMENTS', `a policy file must be a mapping with settings, groups and rules, not ${describe(top)}`)
    return { file, errors: c.errors }
  }
  c.unknownKeys('', top, TOP_KEYS, 'a policy file')
  if (top.settings !== undefined) file.settings = checkSettings(c, top.settings)
  if (top.groups !== undefined) file.groups = checkGroups(c, top.groups, file.groupNames)
  if (top.rules !== undefined && top.rules !== null) {
    if (!Array.isArray(top.rules)) {
      c.at('rules', 'value', 'E_POLICY_TYPE', `rules must be a list of rules (lines starting with "- id: ..."), not ${describe(top.rules)}`)
    } else {
      top.rules.forEach((raw, i) => {
        const rule = checkRule(c, `rules[${i}]`, raw, file.groupReferences, file.ruleIds)
        if (rule) file.rules.push(rule)
      })
    }
  }
  return { file, errors: c.errors }
}

function checkSettings(c: FileChecker, value: unknown): CheckedSettings | undefined {
  const m = c.mapping('settings', value, 'settings')
  if (!m) return undefined
  c.unknownKeys('settings', m, SETTINGS_KEYS, 'settings')
  const settings: CheckedSettings = { default: 'deny', defaultMessage: DEFAULT_MESSAGE, source: c.source('settings', 'key') }
  if (m.default !== undefined) {
    const d = m.default
    if (d === 'allow' || d === 'deny') settings.default = d
    else c.at('settings.default', 'value', 'E_POLICY_BAD_VALUE', `settings.default must be "allow" or "deny", not ${describe(d)}`)
  }
  if (m.default_message !== undefined) {
    const msg = c.string('settings.default_message', m.default_message, 'settings.default_message')
    if (msg !== undefined) {
      for (const [, name] of msg.matchAll(PLACEHOLDER)) {
        if (!PLACEHOLDERS.includes(name as string)) {
          c.at('settings.default_message', 'value', 'E_POLICY_BAD_VALUE', `unknown placeholder {${name}} in settings.default_message; use {method}, {path} or {user}`)
        }
      }
      settings.defaultMessage = msg
    }
  }
  return settings
}

function checkGroups(c: FileChecker, value: unknown, names: CheckedFile['groupNames']): CheckedGroup[] {
  const m = c.mapping('groups', value, 'groups')
  if (!m) return []
  const out: CheckedGroup[] = []
  for (const [name, users] of Object.entries(m)) {
    const path = join('groups', name)
    names.push({ name, source: c.source(path, 'key') })
    if (!ID.test(name)) {
      c.at(path, 'key', 'E_POLICY_BAD_ID', `group name ${JSON.stringify(name)} may only use letters, digits, "_", "." and "-"`)
    }
    // A group may be empty ("no admins yet"); it then admits nobody.
    const globs = Array.isArray(users) && users.length === 0 ? [] : c.flatGlobs(path, users, `group ${name}`, '[alice, "ops-*"]')
    if (globs) out.push({ name, users: globs, source: c.source(path, 'key') })
  }
  return out
}

function checkRule(c: FileChecker, path: string, raw: unknown, groupRefs: GroupReference[], ids: CheckedFile['ruleIds']): CheckedRule | undefined {
  const m = c.mapping(path, raw, 'a rule')
  if (!m) return undefined
  c.unknownKeys(path, m, RULE_KEYS, 'a rule')
  let ok = true

  let id: string | undefined
  if (m.id === undefined) {
    c.at(path, 'value', 'E_POLICY_REQUIRED', 'a rule needs an `id` (letters, digits, "_", "." and "-"), unique in the set')
    ok = false
  } else {
    id = c.string(join(path, 'id'), m.id === null ? undefined : typeof m.id === 'number' ? String(m.id) : m.id, 'id')
    if (id !== undefined && !ID.test(id)) {
      c.at(join(path, 'id'), 'value', 'E_POLICY_BAD_ID', `rule id ${JSON.stringify(id)} may only use letters, digits, "_", "." and "-"`)
      id = undefined
    }
    if (id === undefined) ok = false
    else ids.push({ id, source: c.source(path) })
  }
  const name = id !== undefined ? `rule ${id}` : 'a rule'

  let effect: Effect | undefined
  if (m.effect === undefined) {
    c.at(path, 'value', 'E_POLICY_REQUIRED', `${name} needs an \`effect\`: allow or deny`)
  } else if (m.effect === 'allow' || m.effect === 'deny') {
    effect = m.effect
  } else {
    c.at(join(path, 'effect'), 'value', 'E_POLICY_BAD_VALUE', `effect must be "allow" or "deny", not ${describe(m.effect)}`)
  }

  let phase: Phase = 'request'
  if (m.phase !== undefined) {
    if (m.phase === 'request' || m.phase === 'response') phase = m.phase
    else {
      c.at(join(path, 'phase'), 'value', 'E_POLICY_BAD_VALUE', `phase must be "request" or "response", not ${describe(m.phase)}`)
      ok = false
    }
  }

  const rule: CheckedRule = { id: id ?? '', effect: effect ?? 'deny', phase, source: c.source(path) }
  for (const key of ['description', 'message'] as const) {
    if (m[key] === undefined) continue
    const s = c.string(join(path, key), m[key], key)
    if (s === undefined) ok = false
    else rule[key === 'description' ? 'description' : 'message'] = s
  }
  for (const key of ['match', 'unless'] as const) {
    if (m[key] === undefined || m[key] === null) continue
    const conds = checkConditions(c, join(path, key), m[key], phase, groupRefs)
    if (conds === undefined) ok = false
    else rule[key] = conds
  }
  if (m.unless !== undefined && m.unless !== null && isMapping(m.unless) && Object.keys(m.unless).length === 0) {
    c.at(join(path, 'unless'), 'key', 'E_POLICY_NEVER_MATCHES', `${name} can never apply: an empty \`unless\` matches every request; remove it or add conditions`)
    ok = false
  }
  return ok && effect !== undefined ? rule : undefined
}

function checkConditions(c: FileChecker, path: string, raw: unknown, phase: Phase, groupRefs: GroupReference[]): CheckedConditions | undefined {
  const where = path.endsWith('unless') ? 'unless' : 'match'
  const m = c.mapping(path, raw, where)
  if (!m) return undefined
  c.unknownKeys(path, m, CONDITION_KEYS, where)
  const out: CheckedConditions = {}
  const t = tracker()
  const track = t.track

  if (m.users !== undefined) out.users = track(c.flatGlobs(join(path, 'users'), m.users, 'users', '[alice, "ci-*"]'))
  if (m.groups !== undefined) {
    out.groups = track(c.list(join(path, 'groups'), m.groups, 'groups', '[admins]', (p, v) => {
      const g = c.string(p, v, 'a group name')
      if (g !== undefined) groupRefs.push({ name: g, source: c.source(p) })
      return g
    }))
  }
  if (m.anonymous !== undefined) out.anonymous = track(c.boolean(join(path, 'anonymous'), m.anonymous, 'anonymous'))
  if (m.methods !== undefined) {
    out.methods = track(c.list(join(path, 'methods'), m.methods, 'methods', '[GET, POST]', (p, v) => {
      const s = c.string(p, v, 'a method')
      if (s === undefined) return undefined
      const upper = s.toUpperCase()
      if (upper === '*' || METHODS.includes(upper)) return upper
      c.at(p, 'value', 'E_POLICY_BAD_VALUE', `unknown HTTP method ${JSON.stringify(s)}; use one of ${METHODS.join(', ')} or "*"`)
      return undefined
    }))
  }
  if (m.paths !== undefined) {
    const paths = c.pathGlobs(join(path, 'paths'), m.paths, 'paths', '["/containers/create"]')
    paths?.forEach((g, i) => {
      const problem = pathNeverMatches(g.glob)
      if (problem) {
        c.at(`${join(path, 'paths')}[${i}]`, 'value', 'E_POLICY_NEVER_MATCHES', `path ${JSON.stringify(g.glob)} can never match: ${problem}`)
        t.fail()
      }
    })
    out.paths = track(paths)
  }
  if (m.query !== undefined) out.query = track(checkQuery(c, join(path, 'query'), m.query))
  if (m.body !== undefined) out.body = track(checkBody(c, join(path, 'body'), m.body))
  if (m.status !== undefined) {
    if (phase !== 'response') {
      c.at(join(path, 'status'), 'key', 'E_POLICY_STATUS_PHASE', '`status` only applies to `phase: response` rules (a request has no status yet); add `phase: response` or remove it')
      t.fail()
    }
    out.status = track(c.list(join(path, 'status'), m.status, 'status', '[200, 201]', (p, v) => {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v
      c.at(p, 'value', 'E_POLICY_BAD_VALUE', `status must be an HTTP status code from 100 to 599, not ${describe(v)}`)
      return undefined
    }))
  }
  for (const family of FAMILIES) {
    if (m[family.key] === undefined) continue
    const checked = track(checkFamily(family, c, join(path, family.key), m[family.key]))
    if (checked) (out.families ??= []).push(checked)
  }

  if (out.anonymous === true && (out.users || out.groups)) {
    c.at(join(path, 'anonymous'), 'key', 'E_POLICY_NEVER_MATCHES', `${where} can never hold: \`anonymous: true\` together with \`${out.users ? 'users' : 'groups'}\` (users and groups never match an anonymous request)`)
    t.fail()
  }
  // Families whose endpoints do not meet can never both hold; a family never holds on methods
  // its routes do not take (both derived from the route table).
  const families = (out.families ?? []).map((f) => f.family)
  for (let i = 0; i < families.length; i++) {
    for (let j = i + 1; j < families.length; j++) {
      const [a, b] = [families[i], families[j]] as [typeof families[number], typeof families[number]]
      if (a.endpoints.some((e) => b.endpoints.includes(e))) continue
      c.at(join(path, b.key), 'key', 'E_POLICY_NEVER_MATCHES', `${where} can never hold: \`${a.key}\` and \`${b.key}\` hold on different endpoints (${a.key}: ${a.where}; ${b.key}: ${b.where})`)
      t.fail()
    }
  }
  for (const f of families) {
    const methods = methodsOf(f.endpoints)
    if (out.methods && !out.methods.includes('*') && !out.methods.some((m) => methods.includes(m))) {
      c.at(join(path, 'methods'), 'key', 'E_POLICY_NEVER_MATCHES', `${where} can never hold: \`${f.key}\` holds only on ${methods.join(' or ')} requests, and methods does not include ${methods.length > 1 ? 'any of them' : methods[0]}`)
      t.fail()
    }
  }
  return t.ok ? out : undefined
}

/** Why a path glob can never match a normalised path, or undefined. */
function pathNeverMatches(glob: string): string | undefined {
  if (/^\/v[0-9.]+(\/|$)/.test(glob)) {
    return `rules see the path without its API version; write ${JSON.stringify(glob.replace(/^\/v[0-9.]+/, '') || '/')}`
  }
  if (glob !== '/' && glob.endsWith('/')) return 'a request path never ends with "/" (such requests are denied); remove the trailing slash'
  if (glob.includes('//')) return 'a request path never has an empty segment ("//")'
  if (/\/\.\.?(\/|$)/.test(glob)) return 'a request path never has "." or ".." segments'
  return undefined
}

function checkQuery(c: FileChecker, path: string, raw: unknown): CheckedConditions['query'] {
  const m = c.mapping(path, raw, 'query')
  if (!m) return undefined
  const out: NonNullable<CheckedConditions['query']> = []
  let ok = true
  for (const [name, value] of Object.entries(m)) {
    const p = join(path, name)
    const values = Array.isArray(value)
      ? c.flatGlobs(p, value, `query parameter ${name}`, '["web-*"]')
      : [c.glob(p, value, `query parameter ${name}`, (g) => compileFlatGlob(g))].filter((g): g is CheckedGlob => g !== undefined)
    if (!values || values.length === 0) ok = false
    else out.push({ name, values })
  }
  return ok ? out : undefined
}

function checkBody(c: FileChecker, path: string, raw: unknown): BodyCondition[] | undefined {
  const m = c.mapping(path, raw, 'body')
  if (!m) return undefined
  const out: BodyCondition[] = []
  let ok = true
  for (const [key, value] of Object.entries(m)) {
    const p = join(path, key)
    const segments = bodySegments(key)
    if (!segments) {
      c.at(p, 'key', 'E_POLICY_BAD_VALUE', `body key ${JSON.stringify(key)} must be a dotted path of non-empty names, e.g. HostConfig.Privileged`)
      ok = false
      continue
    }
    const expect = checkBodyExpectation(c, p, value)
    if (!expect) ok = false
    else out.push({ key, segments, expect })
  }
  return ok ? out : undefined
}

function checkBodyExpectation(c: FileChecker, path: string, value: unknown): BodyExpectation | undefined {
  if (isMapping(value)) {
    const keys = Object.keys(value)
    if (keys.length === 1 && keys[0] === 'exists') {
      const b = c.boolean(join(path, 'exists'), value.exists, 'exists')
      return b === undefined ? undefined : { kind: 'exists', exists: b }
    }
    c.unknownKeys(path, value, ['exists'], 'a body condition')
    if (!keys.includes('exists')) c.at(path, 'value', 'E_POLICY_TYPE', 'a body condition operator must be {exists: true} or {exists: false}')
    return undefined
  }
  const scalar = (p: string, v: unknown): string | number | boolean | undefined => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
    const hint = v === null ? '; to require that the key is absent write {exists: false}' : ''
    c.at(p, 'value', 'E_POLICY_TYPE', `a body value must be a string, number or boolean, not ${describe(v)}${hint}`)
    return undefined
  }
  const values = Array.isArray(value)
    ? c.list(path, value, 'a body condition', '[true]', scalar)
    : [scalar(path, value)].filter((v): v is string | number | boolean => v !== undefined)
  if (!values || values.length === 0) return undefined
  const strings: CheckedGlob[] = []
  for (const v of values) {
    if (typeof v !== 'string') continue
    const g = c.glob(path, v, 'a body condition', (s) => compileFlatGlob(s))
    if (!g) return undefined
    strings.push(g)
  }
  return { kind: 'values', values, strings }
}
