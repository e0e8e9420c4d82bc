/**
 * Parsed YAML → checked policy data, collecting every problem in the file (never stopping at
 * the first). Cross-file checks (duplicate ids, groups, settings) are in validate-set.ts.
 */
import type {
  BodyCondition, BodyExpectation, CheckedConditions, CheckedFile, CheckedGlob, CheckedGroup,
  CheckedRule, CheckedSettings, ContainerCondition, GroupReference, NetworkCondition, OutboundCondition, VolumeCondition,
} from './checked.js'
import type { PolicyError, PolicyErrorCode } from './errors.js'
import { compileFlatGlob, compilePathGlob, escapeGlob, GlobError } from './globs.js'
import type { Matcher } from './globs.js'
import type { ParsedYaml } from './parse-yaml.js'
import { CAPABILITIES, NAMESPACES, normalizeCapability, normalizeSecurityOpt } from '../dockerd/names.js'
import type { Namespace } from '../dockerd/names.js'
import { bodySegments } from '../dockerd/json/body-paths.js'
import { closest } from './did-you-mean.js'
import type { Effect, Phase } from './types.js'

const TOP_KEYS = ['settings', 'groups', 'rules']
const SETTINGS_KEYS = ['default', 'default_message']
const RULE_KEYS = ['id', 'description', 'effect', 'phase', 'match', 'unless', 'message']
const CONDITION_KEYS = ['users', 'groups', 'anonymous', 'methods', 'paths', 'query', 'body', 'status', 'container', 'volume', 'network', 'outbound']
const CONTAINER_KEYS = ['privileged', 'host_mounts', 'capabilities', 'host_namespaces', 'devices', 'security_opts', 'images', 'joins_containers', 'remote_logging']
const VOLUME_KEYS = ['host_mounts', 'drivers']
const NETWORK_KEYS = ['drivers', 'host_interfaces']
const OUTBOUND_KEYS = ['local', 'hosts']
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']
const ID = /^[A-Za-z0-9_.-]+$/
const PLACEHOLDER = /\{([^{}]*)\}/g
const PLACEHOLDERS = ['method', 'path', 'user']
export const DEFAULT_MESSAGE = 'no rule allows {method} {path} for {user}'
/** Common misspellings that edit distance alone would not suggest well. */
const ALIASES: Record<string, string> = { networks: 'network', destinations: 'outbound', log_remote: 'remote_logging', bodies: 'body', method: 'methods', path: 'paths', user: 'users', group: 'groups', rule: 'rules', capability: 'capabilities', mounts: 'host_mounts', binds: 'host_mounts', image: 'images', driver: 'drivers', namespaces: 'host_namespaces', security_opt: 'security_opts', device: 'devices' }

type Mapping = Record<string, unknown>

/** What validation needs to know about where the set comes from. */
export interface ValidateOptions {
  /** The policy directory's real path, substituted for `{policies}` in host_mounts globs. */
  policyDir?: string | undefined
}

export const POLICY_DIR_TOKEN = '{policies}'

class FileChecker {
  readonly errors: PolicyError[] = []
  constructor(readonly name: string, readonly parsed: ParsedYaml, readonly options: ValidateOptions) {}

  at(path: string, which: 'key' | 'value', code: PolicyErrorCode, message: string): void {
    const pos = which === 'key' ? this.parsed.keyAt(path) : this.parsed.valueAt(path)
    this.errors.push({ code, file: this.name, line: pos.line, column: pos.column, message })
  }

  source(path: string, which: 'key' | 'value' = 'value'): { file: string; line: number; column: number } {
    const pos = which === 'key' ? this.parsed.keyAt(path) : this.parsed.valueAt(path)
    return { file: this.name, line: pos.line, column: pos.column }
  }

  /** A mapping, or undefined (with an error) when the value is something else. */
  mapping(path: string, value: unknown, what: string): Mapping | undefined {
    if (isMapping(value)) return value
    this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be a mapping (key: value lines), not ${describe(value)}`)
    return undefined
  }

  unknownKeys(path: string, value: Mapping, known: string[], where: string): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue
      const suggestion = ALIASES[key.toLowerCase()] ?? closest(key, known)
      const hint = suggestion && known.includes(suggestion) ? `; did you mean "${suggestion}"?` : `; known keys: ${known.join(', ')}`
      this.at(join(path, key), 'key', 'E_POLICY_UNKNOWN_KEY', `unknown key "${key}" in ${where}${hint}`)
    }
  }

  string(path: string, value: unknown, what: string): string | undefined {
    if (typeof value === 'string') return value
    this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be a string, not ${describe(value)}`)
    return undefined
  }

  boolean(path: string, value: unknown, what: string): boolean | undefined {
    if (typeof value === 'boolean') return value
    this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be true or false, not ${describe(value)}`)
    return undefined
  }

  /** A non-empty list; each element checked by `item`, which returns undefined after reporting. */
  list<T>(path: string, value: unknown, what: string, example: string, item: (p: string, v: unknown) => T | undefined): T[] | undefined {
    if (!Array.isArray(value)) {
      const hint = typeof value === 'string' || typeof value === 'number' ? `; write [${typeof value === 'string' ? JSON.stringify(value) : value}]` : `, e.g. ${example}`
      this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be a list${hint}`)
      return undefined
    }
    if (value.length === 0) {
      this.at(path, 'value', 'E_POLICY_NEVER_MATCHES', `${what} is an empty list, which matches nothing; remove the key or list at least one value`)
      return undefined
    }
    const out: T[] = []
    let ok = true
    value.forEach((v, i) => {
      const r = item(`${path}[${i}]`, v)
      if (r === undefined) ok = false
      else out.push(r)
    })
    return ok ? out : undefined
  }

  glob(path: string, value: unknown, what: string, compile: (g: string) => Matcher): CheckedGlob | undefined {
    const glob = this.string(path, value, what)
    if (glob === undefined) return undefined
    try {
      return { glob, test: compile(glob) }
    } catch (e) {
      const reason = e instanceof GlobError ? e.message : String(e)
      this.at(path, 'value', 'E_POLICY_BAD_GLOB', `invalid glob ${JSON.stringify(glob)} in ${what}: ${reason}`)
      return undefined
    }
  }

  flatGlobs(path: string, value: unknown, what: string, example: string, opts: { nocase?: boolean } = {}): CheckedGlob[] | undefined {
    return this.list(path, value, what, example, (p, v) => this.glob(p, v, what, (g) => compileFlatGlob(g, opts)))
  }

  pathGlobs(path: string, value: unknown, what: string, example: string): CheckedGlob[] | undefined {
    return this.list(path, value, what, example, (p, v) => this.glob(p, v, what, compilePathGlob))
  }
}

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
  if (m.container !== undefined) out.container = track(checkContainer(c, join(path, 'container'), m.container))
  if (m.volume !== undefined) out.volume = track(checkVolume(c, join(path, 'volume'), m.volume))
  if (m.network !== undefined) out.network = track(checkNetwork(c, join(path, 'network'), m.network))
  if (m.outbound !== undefined) out.outbound = track(checkOutbound(c, join(path, 'outbound'), m.outbound))

  if (out.anonymous === true && (out.users || out.groups)) {
    c.at(join(path, 'anonymous'), 'key', 'E_POLICY_NEVER_MATCHES', `${where} can never hold: \`anonymous: true\` together with \`${out.users ? 'users' : 'groups'}\` (users and groups never match an anonymous request)`)
    t.fail()
  }
  const families = (Object.keys(FAMILIES) as Array<keyof typeof FAMILIES>).filter((f) => out[f])
  for (let i = 0; i < families.length; i++) {
    for (let j = i + 1; j < families.length; j++) {
      const [a, b] = [FAMILIES[families[i] as keyof typeof FAMILIES], FAMILIES[families[j] as keyof typeof FAMILIES]]
      if (a.endpoints.some((e) => (b.endpoints as readonly string[]).includes(e))) continue
      c.at(join(path, families[j] as string), 'key', 'E_POLICY_NEVER_MATCHES', `${where} can never hold: \`${families[i]}\` and \`${families[j]}\` hold on different endpoints (${families[i]}: ${a.where}; ${families[j]}: ${b.where})`)
      t.fail()
    }
  }
  for (const f of families) {
    const methods: readonly string[] = FAMILIES[f].methods
    if (out.methods && !out.methods.includes('*') && !out.methods.some((m) => methods.includes(m))) {
      c.at(join(path, 'methods'), 'key', 'E_POLICY_NEVER_MATCHES', `${where} can never hold: \`${f}\` holds only on ${methods.join(' or ')} requests, and methods does not include ${methods.length > 1 ? 'any of them' : methods[0]}`)
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

function checkContainer(c: FileChecker, path: string, raw: unknown): ContainerCondition | undefined {
  const m = c.mapping(path, raw, 'container')
  if (!m) return undefined
  c.unknownKeys(path, m, CONTAINER_KEYS, 'container')
  const out: ContainerCondition = {}
  const t = tracker()
  const track = t.track
  if (m.privileged !== undefined) out.privileged = track(c.boolean(join(path, 'privileged'), m.privileged, 'privileged'))
  if (m.host_mounts !== undefined) out.hostMounts = track(hostMountGlobs(c, join(path, 'host_mounts'), m.host_mounts))
  if (m.capabilities !== undefined) {
    out.capabilities = track(c.list(join(path, 'capabilities'), m.capabilities, 'capabilities', '[SYS_ADMIN]', (p, v) => {
      const s = c.string(p, v, 'a capability')
      if (s === undefined) return undefined
      const name = normalizeCapability(s)
      if (name === 'ALL' || CAPABILITIES.includes(name)) return name
      const near = closest(name, CAPABILITIES)
      c.at(p, 'value', 'E_POLICY_BAD_VALUE', `unknown capability ${JSON.stringify(s)}${near ? `; did you mean "${near}"?` : ''} (write names like SYS_ADMIN, or ALL)`)
      return undefined
    }))
  }
  if (m.host_namespaces !== undefined) {
    out.hostNamespaces = track(c.list(join(path, 'host_namespaces'), m.host_namespaces, 'host_namespaces', '[network, pid]', (p, v) => {
      const s = c.string(p, v, 'a namespace')
      if (s === undefined) return undefined
      if ((NAMESPACES as readonly string[]).includes(s)) return s as Namespace
      c.at(p, 'value', 'E_POLICY_BAD_VALUE', `unknown namespace ${JSON.stringify(s)}; use ${NAMESPACES.join(', ')}`)
      return undefined
    }))
  }
  if (m.devices !== undefined) {
    const d = m.devices
    if (typeof d === 'boolean') out.devices = d
    else if (Array.isArray(d)) out.devices = track(c.pathGlobs(join(path, 'devices'), d, 'devices', '["/dev/sd*"]'))
    else {
      c.at(join(path, 'devices'), 'value', 'E_POLICY_TYPE', `devices must be true, false or a list of device path globs such as ["/dev/sd*"], not ${describe(d)}`)
      t.fail()
    }
  }
  if (m.security_opts !== undefined) {
    out.securityOpts = track(c.list(join(path, 'security_opts'), m.security_opts, 'security_opts', '["seccomp=unconfined"]', (p, v) => {
      const s = c.string(p, v, 'a security option')
      return s === undefined ? undefined : c.glob(p, normalizeSecurityOpt(s), 'security_opts', (g) => compileFlatGlob(g))
    }))
  }
  if (m.images !== undefined) out.images = track(c.flatGlobs(join(path, 'images'), m.images, 'images', '["registry.example.com/**"]'))
  if (m.joins_containers !== undefined) out.joinsContainers = track(c.boolean(join(path, 'joins_containers'), m.joins_containers, 'joins_containers'))
  if (m.remote_logging !== undefined) out.remoteLogging = track(c.boolean(join(path, 'remote_logging'), m.remote_logging, 'remote_logging'))
  if (Object.keys(m).length === 0) {
    c.at(path, 'value', 'E_POLICY_TYPE', 'container needs at least one condition (privileged, host_mounts, capabilities, …)')
    t.fail()
  }
  return t.ok ? out : undefined
}

function checkVolume(c: FileChecker, path: string, raw: unknown): VolumeCondition | undefined {
  const m = c.mapping(path, raw, 'volume')
  if (!m) return undefined
  c.unknownKeys(path, m, VOLUME_KEYS, 'volume')
  const out: VolumeCondition = {}
  const t = tracker()
  if (m.host_mounts !== undefined) {
    out.hostMounts = hostMountGlobs(c, join(path, 'host_mounts'), m.host_mounts)
    if (!out.hostMounts) t.fail()
  }
  if (m.drivers !== undefined) {
    out.drivers = c.flatGlobs(join(path, 'drivers'), m.drivers, 'drivers', '[local]')
    if (!out.drivers) t.fail()
  }
  if (Object.keys(m).length === 0) {
    c.at(path, 'value', 'E_POLICY_TYPE', 'volume needs at least one condition (host_mounts, drivers)')
    t.fail()
  }
  return t.ok ? out : undefined
}

function checkNetwork(c: FileChecker, path: string, raw: unknown): NetworkCondition | undefined {
  const m = c.mapping(path, raw, 'network')
  if (!m) return undefined
  c.unknownKeys(path, m, NETWORK_KEYS, 'network')
  const out: NetworkCondition = {}
  const t = tracker()
  if (m.drivers !== undefined) out.drivers = t.track(c.flatGlobs(join(path, 'drivers'), m.drivers, 'drivers', '[macvlan, ipvlan]'))
  if (m.host_interfaces !== undefined) out.hostInterfaces = t.track(c.boolean(join(path, 'host_interfaces'), m.host_interfaces, 'host_interfaces'))
  if (Object.keys(m).length === 0) {
    c.at(path, 'value', 'E_POLICY_TYPE', 'network needs at least one condition (drivers, host_interfaces)')
    t.fail()
  }
  return t.ok ? out : undefined
}

function checkOutbound(c: FileChecker, path: string, raw: unknown): OutboundCondition | undefined {
  const m = c.mapping(path, raw, 'outbound')
  if (!m) return undefined
  c.unknownKeys(path, m, OUTBOUND_KEYS, 'outbound')
  const out: OutboundCondition = {}
  const t = tracker()
  if (m.local !== undefined) out.local = t.track(c.boolean(join(path, 'local'), m.local, 'local'))
  if (m.hosts !== undefined) out.hosts = t.track(c.flatGlobs(join(path, 'hosts'), m.hosts, 'hosts', '["registry.example.com", "*.corp.example"]', { nocase: true }))
  if (Object.keys(m).length === 0) {
    c.at(path, 'value', 'E_POLICY_TYPE', 'outbound needs at least one condition (local, hosts)')
    t.fail()
  }
  return t.ok ? out : undefined
}

/**
 * Where each Docker-aware family holds: two families in one `match` whose endpoints do not meet
 * can never both hold, and a family never holds on methods it does not list.
 */
const FAMILIES = {
  container: { endpoints: ['container-create', 'exec-create', 'legacy-start'], methods: ['POST'], where: 'container create, exec create and a pre-1.24 start' },
  volume: { endpoints: ['volume-create'], methods: ['POST'], where: 'POST /volumes/create' },
  network: { endpoints: ['network-create'], methods: ['POST'], where: 'POST /networks/create' },
  outbound: { endpoints: ['container-create', 'legacy-start', 'build', 'images-create', 'image-push', 'distribution', 'image-search', 'plugin-pull', 'plugin-push'], methods: ['POST', 'GET'], where: 'builds, image pulls, imports, pushes and searches, distribution, plugins, container create' },
} as const satisfies Record<string, { endpoints: readonly string[]; methods: readonly string[]; where: string }>

/** Path globs on host paths; `{policies}` stands for the policy directory's real path. */
function hostMountGlobs(c: FileChecker, path: string, value: unknown): CheckedGlob[] | undefined {
  return c.list(path, value, 'host_mounts', '["/", "/etc/**"]', (p, v) => {
    const written = c.string(p, v, 'host_mounts')
    if (written === undefined) return undefined
    let glob = written
    if (written.includes(POLICY_DIR_TOKEN)) {
      if (c.options.policyDir === undefined) {
        c.at(p, 'value', 'E_POLICY_BAD_GLOB', `${POLICY_DIR_TOKEN} stands for the policy directory, which is not known here`)
        return undefined
      }
      const dir = c.options.policyDir === '/' ? '' : escapeGlob(c.options.policyDir)
      glob = written.replaceAll(POLICY_DIR_TOKEN, dir)
    }
    const checked = c.glob(p, glob, 'host_mounts', compilePathGlob)
    const effective = written.replaceAll(POLICY_DIR_TOKEN, c.options.policyDir === '/' ? '' : c.options.policyDir ?? '')
    return checked && { glob: written, test: checked.test, effective }
  })
}

/** Whether every check of a section passed; `track` marks a failed check by its undefined result. */
function tracker(): { track: <T>(v: T | undefined) => T | undefined; fail: () => void; readonly ok: boolean } {
  let ok = true
  return {
    track: (v) => {
      if (v === undefined) ok = false
      return v
    },
    fail: () => { ok = false },
    get ok() { return ok },
  }
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}
